/**
 * Task concurrency limits at claim time. A limited task (a workflow name and a task id) has
 * `limit` places; an attempt holds one while it is Running or Deferred. The count is never
 * stored: the claim reads it from the attempts themselves, under a lock of the task, and takes
 * a Ready attempt of it only into a free place. SQLite has one writer at a time, which is that
 * lock; PostgreSQL locks the task's row in `task_limit_locks`. An attempt whose runner died is
 * still Running, so it keeps its place until the sweeper returns it to Ready; then the place
 * is free for the next claim. Nothing else has to give a place back.
 *
 * Only a claim that meets a limited task pays: it reads the candidates it would claim first
 * (one statement); when none is limited it claims exactly those, without a lock. Otherwise it
 * locks every limited task of its workflows (one fixed order, so claimers never deadlock),
 * counts them, and walks the Ready order past tasks without a free place.
 */
import type { Tx } from '../db.js';
import type { ClaimInput, TaskLimit } from '../records.js';
import { placeholders } from './events.js';

/** A limited task's key: its workflow name and task id. */
const keyOf = (task: { workflowName: string; taskId: string }): string =>
  JSON.stringify([task.workflowName, task.taskId]);

/** A Ready attempt in claim order, as a candidate read sees it. */
interface CandidateRow {
  id: string;
  workflow_name: string;
  task_id: string;
  priority: number | string;
  ready_at_ms: number | string;
  position: number;
}

/** What the claim should take, decided under the limits. */
export interface LimitedChoice {
  /** Ids of the Ready attempts to claim, in claim order. */
  readonly ids: readonly string[];
  /** Whether the candidates filled the claim's `limit`: more Ready work may wait. */
  readonly full: boolean;
  /** Whether a Ready attempt was passed over because its task had no free place. */
  readonly limited: boolean;
  /** Limited tasks left without a free place; their Ready attempts, if any, wait. */
  readonly closed: readonly TaskLimit[];
}

/**
 * The limits of `input` that apply to the workflows it claims, one per task, in one fixed order
 * whatever order the runner registered them in: the order their lock rows are first written in.
 */
export function limitsToApply(input: ClaimInput): TaskLimit[] {
  if (input.taskLimits === undefined || input.taskLimits.length === 0) return [];
  const names = new Set(input.workflowNames);
  const unique = new Map<string, TaskLimit>();
  for (const limit of input.taskLimits) {
    if (names.has(limit.workflowName)) unique.set(keyOf(limit), limit);
  }
  return [...unique.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, limit]) => limit);
}

/** `(workflow_name, task_id) IN (VALUES …)` for `tasks`, with its parameters. */
function taskFilter(tasks: readonly TaskLimit[]): { sql: string; params: string[] } {
  return {
    sql: `(workflow_name, task_id) IN (VALUES ${tasks.map(() => '(?, ?)').join(', ')})`,
    params: tasks.flatMap((task) => [task.workflowName, task.taskId]),
  };
}

/**
 * The next Ready attempts in claim order (the claim's own conditions and order), after
 * `after` and outside `closed`: at most `count`.
 */
async function candidates(
  tx: Tx,
  input: ClaimInput,
  count: number,
  after: CandidateRow | undefined,
  closed: readonly TaskLimit[],
): Promise<CandidateRow[]> {
  const params: (string | number)[] = [input.nowMs, ...input.workflowNames];
  let extra = '';
  if (after !== undefined) {
    // Claim order is priority descending, then oldest ready: keyset on the negated priority.
    extra += ' AND (-t.priority, t.ready_at_ms, t.position, t.id) > (?, ?, ?, ?)';
    params.push(-Number(after.priority), Number(after.ready_at_ms), after.position, after.id);
  }
  if (closed.length > 0) {
    const filter = taskFilter(closed);
    extra += ` AND (t.workflow_name, t.task_id) NOT IN (VALUES ${closed.map(() => '(?, ?)').join(', ')})`;
    params.push(...filter.params);
  }
  params.push(count);
  return tx.all<CandidateRow>(
    `SELECT t.id, t.workflow_name, t.task_id, t.priority, t.ready_at_ms, t.position
     FROM task_executions t CROSS JOIN workflow_executions w
     WHERE w.id = t.execution_id AND t.status = 'Ready' AND t.ready_at_ms <= ?
       AND w.status IN ('Scheduled', 'Pending', 'Running')
       AND t.workflow_name IN (${placeholders(input.workflowNames.length)})${extra}
     ORDER BY t.priority DESC, t.ready_at_ms, t.position, t.id
     LIMIT ?`,
    params,
  );
}

/**
 * Places in use (Running and Deferred attempts) of each of `tasks`. A statement of its own
 * after the lock: on PostgreSQL it reads what the claims that held the lock before committed.
 * It walks the partial index of claimed attempts, which holds only the attempts in flight.
 */
async function placesInUse(tx: Tx, tasks: readonly TaskLimit[]): Promise<Map<string, number>> {
  const filter = taskFilter(tasks);
  const rows = await tx.all<{ workflow_name: string; task_id: string; used: number | string }>(
    `SELECT workflow_name, task_id, COUNT(*) AS used FROM task_executions
     WHERE status IN ('Running', 'Deferred') AND ${filter.sql}
     GROUP BY workflow_name, task_id`,
    filter.params,
  );
  return new Map(
    rows.map((row) => [
      keyOf({ workflowName: row.workflow_name, taskId: row.task_id }),
      Number(row.used),
    ]),
  );
}

/**
 * Decides which Ready attempts a claim of `input` takes under `limits` (non-empty, see
 * {@link limitsToApply}): the oldest, as any claim, except attempts of a limited task beyond
 * its free places, which are passed over (they stay Ready, holding no runner's slot). The
 * claim itself must follow in the same transaction (see `claimReadyTasks`).
 */
export async function chooseWithinLimits(
  tx: Tx,
  input: ClaimInput,
  limits: readonly TaskLimit[],
): Promise<LimitedChoice> {
  const byKey = new Map(limits.map((limit) => [keyOf(limit), limit]));
  let rows = await candidates(tx, input, input.limit, undefined, []);
  const limitedRow = (row: CandidateRow): boolean =>
    byKey.has(keyOf({ workflowName: row.workflow_name, taskId: row.task_id }));
  if (!rows.some(limitedRow)) {
    // Nothing limited among the next ones: claim them as any claim would, without a lock.
    return {
      ids: rows.map((row) => row.id),
      full: rows.length === input.limit,
      limited: false,
      closed: [],
    };
  }
  // Locked in one fixed order (where writers run concurrently; SQLite's single writer already
  // excludes every other claim).
  await tx.locks.taskLimits(tx, limits);
  const used = await placesInUse(tx, limits);
  const free = new Map(
    limits.map((limit) => [keyOf(limit), limit.limit - (used.get(keyOf(limit)) ?? 0)]),
  );
  const closed = new Map<string, TaskLimit>();
  for (const [key, places] of free) if (places <= 0) closed.set(key, byKey.get(key)!);
  const ids: string[] = [];
  let limited = false;
  let page = input.limit;
  for (;;) {
    for (const row of rows) {
      if (ids.length === input.limit) break;
      const key = keyOf({ workflowName: row.workflow_name, taskId: row.task_id });
      const places = free.get(key);
      if (places === undefined) {
        ids.push(row.id);
      } else if (places > 0) {
        ids.push(row.id);
        free.set(key, places - 1);
        if (places === 1) closed.set(key, byKey.get(key)!);
      } else {
        limited = true;
      }
    }
    // Each further page passes over at least one more task than the last one, so this ends
    // after at most one page per limited task.
    if (ids.length === input.limit || rows.length < page) break;
    page = input.limit - ids.length;
    rows = await candidates(tx, input, page, rows.at(-1), [...closed.values()]);
  }
  return { ids, full: ids.length === input.limit, limited, closed: [...closed.values()] };
}

/**
 * Whether a Ready attempt of one of `closed` waits (read after the claim, so the attempts it
 * took are no longer Ready): the claim then says it was held back by a task limit.
 */
export async function readyIn(
  tx: Tx,
  input: ClaimInput,
  closed: readonly TaskLimit[],
): Promise<boolean> {
  if (closed.length === 0) return false;
  const filter = taskFilter(closed);
  const rows = await tx.all(
    `SELECT 1 AS waiting FROM task_executions t CROSS JOIN workflow_executions w
     WHERE w.id = t.execution_id AND t.status = 'Ready' AND t.ready_at_ms <= ?
       AND w.status IN ('Scheduled', 'Pending', 'Running')
       AND (t.workflow_name, t.task_id) IN (VALUES ${closed.map(() => '(?, ?)').join(', ')})
     LIMIT 1`,
    [input.nowMs, ...filter.params],
  );
  return rows.length > 0;
}
