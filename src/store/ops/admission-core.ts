/**
 * The parts of admission shared by concurrency and rate limits: group locks, the count of a
 * concurrency group's places, and what admitting an execution writes. See `admission.ts` for
 * concurrency limits and `rate-admission.ts` for rate limits.
 */
import type { StripeRange, Tx } from '../db.js';
import { EventType } from '../rows.js';
import { appendEvent, placeholders } from './events.js';
import { recheck } from './filters.js';

/** A concurrency group and the limit it is counted under. */
export interface Group {
  readonly workflowName: string;
  readonly key: string;
  readonly limit: number;
  /**
   * Its workflow has a rate limit: whoever admits into the group also takes the workflow's
   * rate lock (before the group's), and checks each candidate's rate window.
   */
  readonly rated?: boolean;
}

/** A stable id of a group (concurrency or rate) within a workflow. */
export const groupId = (group: { workflowName: string; key: string }): string =>
  JSON.stringify([group.workflowName, group.key]);

/** `(workflow_name, key) IN (VALUES …)` for `groups`, with its parameters. */
export function groupFilter(
  groups: readonly { workflowName: string; key: string }[],
  columns: string,
): { sql: string; params: string[] } {
  return {
    sql: `(${columns}) IN (VALUES ${groups.map(() => '(?, ?)').join(', ')})`,
    params: groups.flatMap((group) => [group.workflowName, group.key]),
  };
}

/**
 * Rows a concurrency group's lock is spread over (PostgreSQL). Admitting or queueing locks them
 * all; a transaction whose work cannot change who waits (a start far below the limit, an end
 * while nobody waits) locks one, so up to this many of those run at once in one group.
 */
export const GROUP_STRIPES = 8;

/**
 * Executions one transaction may start in a group holding a single stripe. It bounds what the
 * holders of the other stripes may be adding unseen, so a start that leaves room for all of them
 * cannot pass the limit (see `placeInGroups`).
 */
export const STRIPE_STARTS = 32;

/**
 * Locks concurrency `groups` and the rate locks of `rateWorkflows` for this transaction: every
 * stripe of a group, or one stripe (chosen at random) of the groups in `oneStripe`. Where
 * writers run concurrently their lock rows are taken in one global order: by workflow (byte
 * order), and within a workflow its rate lock before its concurrency groups (by key, then
 * stripe). The locking statements are sent with the read that follows (every caller reads
 * next: the counts, or the candidates), which runs after them and sees what the lock holders
 * before committed. SQLite's single writer already excludes every other admission, and its
 * locks do nothing.
 */
export function lockGroups(
  tx: Tx,
  groups: readonly Group[],
  rateWorkflows: ReadonlySet<string> = new Set(),
  oneStripe: ReadonlySet<string> = new Set(),
): void {
  if (rateWorkflows.size === 0) {
    tx.locks.groupStripes(tx, stripeRanges(tx, groups, oneStripe));
    return;
  }
  const byWorkflow = new Map<string, Group[]>();
  for (const name of rateWorkflows) byWorkflow.set(name, []);
  for (const group of groups) {
    const list = byWorkflow.get(group.workflowName);
    if (list === undefined) byWorkflow.set(group.workflowName, [group]);
    else list.push(group);
  }
  const names = [...byWorkflow.keys()].sort((a, b) => compareBytes(a, b));
  for (const name of names) {
    if (rateWorkflows.has(name)) tx.locks.rateLimit(tx, name);
    tx.locks.groupStripes(tx, stripeRanges(tx, byWorkflow.get(name)!, oneStripe));
  }
}

/** The stripe a transaction takes where it takes one. */
const stripes = new WeakMap<Tx, number>();

/**
 * The stripe `tx` locks where one will do, chosen at random once per transaction: a transaction
 * that locks a group twice (a start and an end) takes the same row, never a second stripe while
 * holding one.
 */
function stripeOf(tx: Tx): number {
  let stripe = stripes.get(tx);
  if (stripe === undefined) {
    stripe = Math.floor(Math.random() * GROUP_STRIPES);
    stripes.set(tx, stripe);
  }
  return stripe;
}

/** Byte order of UTF-8 strings (code point order), as PostgreSQL's "C" collation sorts. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The stripes to lock of each of `groups`: all of them, or one for those in `oneStripe`. */
function stripeRanges(
  tx: Tx,
  groups: readonly Group[],
  oneStripe: ReadonlySet<string>,
): StripeRange[] {
  return groups.map((group) => {
    const one = oneStripe.has(groupId(group));
    const first = one ? stripeOf(tx) : 0;
    return {
      workflowName: group.workflowName,
      key: group.key,
      first,
      last: one ? first : GROUP_STRIPES - 1,
    };
  });
}

/**
 * A group roomy enough that one stripe may do: its limit leaves room for what the holders of
 * the other stripes may be starting unseen, and it has no rate limit (those lock whole).
 */
export const roomy = (group: Group): boolean =>
  group.rated !== true && group.limit >= GROUP_STRIPES * STRIPE_STARTS;

/** Places in use and executions that may start now, of one group. */
export interface GroupCount {
  readonly active: number;
  readonly waiting: number;
}

/**
 * Each group's places in use (Pending and Running executions, as `concurrency_counts` keeps
 * them) and its Queued executions that may start now, in one statement. A statement of its own
 * after the lock: on PostgreSQL it reads what the transactions that held the lock before
 * committed.
 */
export async function countGroups(
  tx: Tx,
  groups: readonly Group[],
  nowMs: number,
): Promise<Map<string, GroupCount>> {
  const counts = new Map<string, GroupCount>();
  if (groups.length === 0) return counts;
  const filter = groupFilter(groups, 'workflow_name, concurrency_key');
  const rows = await tx.all<{
    workflow_name: string;
    concurrency_key: string;
    active: number;
    waiting: number;
  }>(
    // Places in use from `concurrency_counts` (a few rows a group, whatever its backlog); the
    // waiting from the Queued executions, which a roomy group has none of.
    `SELECT workflow_name, concurrency_key, SUM(active) AS active, SUM(waiting) AS waiting
     FROM (SELECT workflow_name, concurrency_key, active, 0 AS waiting
           FROM concurrency_counts WHERE ${filter.sql}
           UNION ALL
           SELECT workflow_name, concurrency_key, 0, 1 FROM workflow_executions
           WHERE ${filter.sql} AND status = 'Queued' AND (run_at_ms IS NULL OR run_at_ms <= ?)) p
     GROUP BY workflow_name, concurrency_key`,
    [...filter.params, ...filter.params, nowMs],
  );
  for (const row of rows) {
    counts.set(groupId({ workflowName: row.workflow_name, key: row.concurrency_key }), {
      active: Number(row.active),
      waiting: Number(row.waiting),
    });
  }
  return counts;
}

/** A Queued execution chosen for admission, with the key its `workflow_admitted` names. */
export interface AdmittedRow {
  readonly id: string;
  readonly created_at_ms: number;
  readonly key: string;
}

/**
 * Admits `rows` (Queued executions whose groups are locked): each becomes Pending (Running, for
 * one resumed after it had started) and its root tasks Ready; one waiting for a rate window
 * takes its place in it now. Returns the ids admitted.
 */
export async function admitRows(
  tx: Tx,
  rows: readonly AdmittedRow[],
  nowMs: number,
  runnerId: string | null,
): Promise<string[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  await tx.run(
    `UPDATE workflow_executions
     SET status = CASE WHEN started_at_ms IS NULL THEN 'Pending' ELSE 'Running' END,
         rate_started_at_ms = CASE WHEN rate_key IS NOT NULL AND rate_started_at_ms IS NULL
                                   THEN ? ELSE rate_started_at_ms END,
         updated_at_ms = ?
     WHERE id IN (${placeholders(ids.length)}) AND ${recheck('status', "'Queued'")}`,
    [nowMs, nowMs, ...ids],
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
      data: { key: row.key, waitedMs: Math.max(0, nowMs - row.created_at_ms) },
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
