/**
 * Admission under workflow concurrency limits. A group (a workflow and a concurrency key) has
 * `limit` places; an execution holds one while it is Pending or Running (admitted, not paused,
 * not ended). The count is never stored: it is read from the executions themselves, under a
 * lock of the group, in the transaction that admits, so it cannot drift whatever crashed
 * where. SQLite has one writer at a time, which is that lock; PostgreSQL locks the group's row
 * in `concurrency_groups`.
 *
 * Executions enter a group at scheduling: those that fit are written as any execution (and may
 * start in the scheduling transaction), the others `Queued`, root tasks not yet Ready. A
 * transaction that frees places (an execution ends, is cancelled or paused) marks its group;
 * the marked groups admit their Queued executions (highest priority first, then oldest) at the
 * end of that transaction (see {@link admitMarked}), after every other lock it takes, and a
 * runner's periodic pass ({@link admitWaiting}) admits what a transaction could not (a delayed
 * start whose time came).
 */
import type { Tx } from '../db.js';
import type { NewExecution } from '../records.js';
import { EventType } from '../rows.js';
import { appendEvent, placeholders } from './events.js';

/** A concurrency group and the limit it is counted under. */
export interface Group {
  readonly workflowName: string;
  readonly key: string;
  readonly limit: number;
}

const groupId = (group: { workflowName: string; key: string }): string =>
  JSON.stringify([group.workflowName, group.key]);

/** Groups whose places changed in a transaction, admitted before it commits. */
const marked = new WeakMap<
  Tx,
  { groups: Map<string, Group>; nowMs: number; runnerId: string | null }
>();

/** Marks `group` for admission at the end of the current transaction. */
export function markGroup(tx: Tx, group: Group, nowMs: number, runnerId: string | null): void {
  let entry = marked.get(tx);
  if (entry === undefined) {
    entry = { groups: new Map(), nowMs, runnerId };
    marked.set(tx, entry);
  }
  entry.groups.set(groupId(group), group);
}

/**
 * Admits the Queued executions of the groups marked in this transaction. Called by the store
 * last in every writing transaction that may free places; nothing marked costs nothing.
 */
export async function admitMarked(tx: Tx): Promise<void> {
  const entry = marked.get(tx);
  if (entry === undefined) return;
  marked.delete(tx);
  await admitGroups(tx, [...entry.groups.values()], entry.nowMs, entry.runnerId);
}

/** `groups` without repeats, in one fixed order: the order their locks are taken in. */
function inLockOrder<G extends Group>(groups: readonly G[]): G[] {
  const unique = new Map(groups.map((group) => [groupId(group), group]));
  return [...unique.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, group]) => group);
}

/** `(workflow_name, key) IN (VALUES …)` for `groups`, with its parameters. */
function groupFilter(groups: readonly Group[], columns: string): { sql: string; params: string[] } {
  return {
    sql: `(${columns}) IN (VALUES ${groups.map(() => '(?, ?)').join(', ')})`,
    params: groups.flatMap((group) => [group.workflowName, group.key]),
  };
}

/**
 * Locks `groups` (in lock order) for this transaction, in one round trip: PostgreSQL locks
 * their rows, created on first use; SQLite's single writer already excludes every other
 * admission.
 */
async function lockGroups(tx: Tx, groups: readonly Group[]): Promise<void> {
  if (!tx.capabilities.rowLocks || groups.length === 0) return;
  const filter = groupFilter(groups, 'workflow_name, group_key');
  tx.write(
    `INSERT INTO concurrency_groups (workflow_name, group_key)
     VALUES ${groups.map(() => '(?, ?)').join(', ')} ON CONFLICT DO NOTHING`,
    filter.params,
  );
  await tx.all(
    `SELECT 1 AS locked FROM concurrency_groups WHERE ${filter.sql}
     ORDER BY workflow_name, group_key FOR UPDATE`,
    filter.params,
  );
}

/** Places in use and executions that may start now, of one group. */
interface GroupCount {
  readonly active: number;
  readonly waiting: number;
}

/**
 * Each group's places in use (Pending and Running executions) and its Queued executions that
 * may start now, in one statement. A statement of its own after the lock: on PostgreSQL it reads
 * what the transactions that held the lock before committed.
 */
async function countGroups(
  tx: Tx,
  groups: readonly Group[],
  nowMs: number,
): Promise<Map<string, GroupCount>> {
  const filter = groupFilter(groups, 'workflow_name, concurrency_key');
  const rows = await tx.all<{
    workflow_name: string;
    concurrency_key: string;
    active: number;
    waiting: number;
  }>(
    `SELECT workflow_name, concurrency_key,
            SUM(CASE WHEN status = 'Queued' THEN 0 ELSE 1 END) AS active,
            SUM(CASE WHEN status = 'Queued' AND (run_at_ms IS NULL OR run_at_ms <= ?)
                     THEN 1 ELSE 0 END) AS waiting
     FROM workflow_executions
     WHERE ${filter.sql} AND status IN ('Queued', 'Pending', 'Running')
     GROUP BY workflow_name, concurrency_key`,
    [nowMs, ...filter.params],
  );
  const counts = new Map<string, GroupCount>();
  for (const row of rows) {
    counts.set(groupId({ workflowName: row.workflow_name, key: row.concurrency_key }), {
      active: Number(row.active),
      waiting: Number(row.waiting),
    });
  }
  return counts;
}

/**
 * Admits, in each of `groups`, as many Queued executions as it has free places, highest priority
 * first, then oldest first.
 * Two round trips on PostgreSQL whatever the number of groups (the lock, the counts), and two
 * more for each group that admits. Returns how many were admitted.
 */
export async function admitGroups(
  tx: Tx,
  groups: readonly Group[],
  nowMs: number,
  runnerId: string | null,
): Promise<number> {
  const ordered = inLockOrder(groups);
  if (ordered.length === 0) return 0;
  await lockGroups(tx, ordered);
  const counts = await countGroups(tx, ordered, nowMs);
  let admitted = 0;
  for (const group of ordered) {
    const count = counts.get(groupId(group)) ?? { active: 0, waiting: 0 };
    const free = group.limit - count.active;
    if (free <= 0 || count.waiting === 0) continue;
    admitted += (await admitInto(tx, group, Math.min(free, count.waiting), nowMs, runnerId)).length;
  }
  return admitted;
}

/**
 * Decides, at scheduling, which of `inputs` wait `Queued`; returns their ids. In each group
 * (all locked together) new executions take the free places in order, unless older ones wait
 * there (then they queue behind them, and the admission at commit takes the group's waiting
 * executions by priority, then first in, first out) or they start later (`runAtMs`: the periodic pass admits them
 * once due). A group where some were queued is marked, so that places the count here could not
 * see as free are filled before commit.
 */
export async function placeInGroups(
  tx: Tx,
  inputs: readonly NewExecution[],
): Promise<ReadonlySet<string>> {
  const queued = new Set<string>();
  const members = new Map<string, NewExecution[]>();
  const groups: Group[] = [];
  for (const input of inputs) {
    if (input.concurrency === undefined) continue;
    const group = { workflowName: input.workflowName, ...input.concurrency };
    const id = groupId(group);
    const list = members.get(id);
    if (list === undefined) {
      groups.push(group);
      members.set(id, [input]);
    } else list.push(input);
  }
  if (groups.length === 0) return queued;
  const ordered = inLockOrder(groups);
  await lockGroups(tx, ordered);
  const counts = await countGroups(tx, ordered, inputs[0]!.nowMs);
  for (const group of ordered) {
    const count = counts.get(groupId(group)) ?? { active: 0, waiting: 0 };
    let free = count.waiting > 0 ? 0 : group.limit - count.active;
    for (const input of members.get(groupId(group))!) {
      const delayed = input.runAtMs !== undefined && input.runAtMs > input.nowMs;
      if (!delayed && free > 0) {
        free -= 1;
        continue;
      }
      queued.add(input.id);
      markGroup(tx, group, input.nowMs, input.runnerId);
    }
  }
  return queued;
}

interface AdmittedRow {
  id: string;
  created_at_ms: number;
  started_at_ms: number | null;
}

/**
 * Admits up to `places` of a locked group's Queued executions that may start now, highest
 * priority first, then oldest first (the partial index `workflow_executions_queued`): each becomes Pending (Running, for one resumed after it had started) and its root tasks
 * Ready. Returns the ids admitted.
 */
async function admitInto(
  tx: Tx,
  group: Group,
  places: number,
  nowMs: number,
  runnerId: string | null,
): Promise<string[]> {
  // A row another transaction holds (a cancel in flight) is passed over, never waited for:
  // this transaction holds the group, and a wait here could close a cycle.
  const skip = tx.capabilities.skipLocked ? ' FOR UPDATE SKIP LOCKED' : '';
  const rows = await tx.all<AdmittedRow>(
    `SELECT id, created_at_ms, started_at_ms FROM workflow_executions
     WHERE workflow_name = ? AND concurrency_key = ? AND status = 'Queued'
       AND (run_at_ms IS NULL OR run_at_ms <= ?)
     ORDER BY priority DESC, created_at_ms, id LIMIT ?${skip}`,
    [group.workflowName, group.key, nowMs, places],
  );
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  await tx.run(
    `UPDATE workflow_executions
     SET status = CASE WHEN started_at_ms IS NULL THEN 'Pending' ELSE 'Running' END,
         updated_at_ms = ?
     WHERE id IN (${placeholders(ids.length)}) AND status = 'Queued'`,
    [nowMs, ...ids],
  );
  const readied = await tx.all<{ execution_id: string; task_id: string }>(
    `UPDATE task_executions SET status = 'Ready', ready_at_ms = ?
     WHERE execution_id IN (${placeholders(ids.length)}) AND status = 'NotStarted'
       AND pending_deps = 0
     RETURNING execution_id, task_id`,
    [nowMs, ...ids],
  );
  // Events in a fixed order (execution, then task), whatever order the statement returned.
  const order = (row: { execution_id: string; task_id: string }): string =>
    `${row.execution_id}\u0000${row.task_id}`;
  readied.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  for (const row of rows) {
    appendEvent(tx, {
      executionId: row.id,
      type: EventType.WorkflowAdmitted,
      data: { key: group.key, waitedMs: Math.max(0, nowMs - row.created_at_ms) },
      runnerId,
      nowMs,
    });
  }
  for (const row of readied) {
    appendEvent(tx, {
      executionId: row.execution_id,
      taskId: row.task_id,
      type: EventType.TaskReady,
      runnerId,
      nowMs,
    });
  }
  tx.signal('tasks');
  return ids;
}

/** Runs `fn`, then admits into the groups it marked, in the same transaction. */
export function admitting<T>(fn: (tx: Tx) => Promise<T>): (tx: Tx) => Promise<T> {
  return async (tx) => {
    const result = await fn(tx);
    await admitMarked(tx);
    return result;
  };
}

/** Groups a periodic pass looks at, at most, per transaction. */
const PASS_GROUPS = 100;

/**
 * A runner's periodic admission pass: admits, in every group that has one, the delayed starts
 * whose time came in `(sinceMs, nowMs]`. Nothing else needs it: every other Queued execution
 * waits in a group whose places are held, and the transaction that frees one admits it; a
 * delayed start that came due in a full group is admitted the same way. Returns how many were
 * admitted.
 */
export async function admitWaiting(
  tx: Tx,
  input: { nowMs: number; sinceMs: number; runnerId: string },
): Promise<number> {
  let admitted = 0;
  // Page through the groups (a key after the last one seen), so none is passed over.
  let after: [string, string] = ['', ''];
  for (;;) {
    const rows = await tx.all<{
      workflow_name: string;
      concurrency_key: string;
      concurrency_limit: number;
    }>(
      `SELECT DISTINCT workflow_name, concurrency_key, concurrency_limit FROM workflow_executions
       WHERE status = 'Queued' AND run_at_ms IS NOT NULL AND run_at_ms > ? AND run_at_ms <= ?
         AND (workflow_name > ? OR (workflow_name = ? AND concurrency_key > ?))
       ORDER BY workflow_name, concurrency_key
       LIMIT ${PASS_GROUPS}`,
      [input.sinceMs, input.nowMs, after[0], after[0], after[1]],
    );
    admitted += await admitGroups(
      tx,
      rows.map((row) => ({
        workflowName: row.workflow_name,
        key: row.concurrency_key,
        limit: Number(row.concurrency_limit),
      })),
      input.nowMs,
      input.runnerId,
    );
    if (rows.length < PASS_GROUPS) return admitted;
    const last = rows.at(-1)!;
    after = [last.workflow_name, last.concurrency_key];
  }
}
