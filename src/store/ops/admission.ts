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
 * the marked groups admit their oldest Queued executions at the end of that transaction (see
 * {@link admitMarked}), after every other lock it takes, and a runner's periodic pass
 * ({@link admitWaiting}) admits what a transaction could not (a delayed start whose time came).
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
 * Admits the Queued executions of the groups marked in this transaction, groups in a fixed
 * order (so two transactions lock them in one direction). Called by the store last in every
 * writing transaction; nothing marked costs nothing.
 */
export async function admitMarked(tx: Tx): Promise<void> {
  const entry = marked.get(tx);
  if (entry === undefined) return;
  marked.delete(tx);
  const groups = [...entry.groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [, group] of groups) await admitGroup(tx, group, entry.nowMs, entry.runnerId);
}

/**
 * Locks a group for this transaction: PostgreSQL locks its row (created on first use); SQLite's
 * single writer already excludes every other admission.
 */
export async function lockGroup(tx: Tx, group: Group): Promise<void> {
  if (!tx.capabilities.rowLocks) return;
  tx.write(
    `INSERT INTO concurrency_groups (workflow_name, group_key) VALUES (?, ?) ON CONFLICT DO NOTHING`,
    [group.workflowName, group.key],
  );
  await tx.get(
    `SELECT 1 AS locked FROM concurrency_groups WHERE workflow_name = ? AND group_key = ? FOR UPDATE`,
    [group.workflowName, group.key],
  );
}

/** Places of a group in use: its Pending and Running executions. The group is locked. */
export async function activeInGroup(tx: Tx, group: Group): Promise<number> {
  const row = await tx.get<{ n: number }>(
    `SELECT COUNT(*) AS n FROM workflow_executions
     WHERE workflow_name = ? AND concurrency_key = ? AND status IN ('Pending', 'Running')`,
    [group.workflowName, group.key],
  );
  return Number(row?.n ?? 0);
}

/** Whether a Queued execution of the group may start now (its start time, if any, has come). */
export async function queuedInGroup(tx: Tx, group: Group, nowMs: number): Promise<boolean> {
  const row = await tx.get(
    `SELECT 1 AS waiting FROM workflow_executions
     WHERE workflow_name = ? AND concurrency_key = ? AND status = 'Queued'
       AND (run_at_ms IS NULL OR run_at_ms <= ?)
     LIMIT 1`,
    [group.workflowName, group.key, nowMs],
  );
  return row !== undefined;
}

/**
 * Decides, at scheduling, which of `inputs` wait `Queued`; returns their ids. In each group
 * (locked, in a fixed order) new executions take the free places in order, unless older ones
 * wait there (first in, first out) or they start later (`runAtMs`: the periodic pass admits
 * them once due). A group where some were queued is marked, so that places the count here
 * could not see as free are filled before commit.
 */
export async function placeInGroups(
  tx: Tx,
  inputs: readonly NewExecution[],
): Promise<ReadonlySet<string>> {
  const queued = new Set<string>();
  const byGroup = new Map<string, { group: Group; members: NewExecution[] }>();
  for (const input of inputs) {
    if (input.concurrency === undefined) continue;
    const group = { workflowName: input.workflowName, ...input.concurrency };
    const entry = byGroup.get(groupId(group)) ?? { group, members: [] };
    entry.members.push(input);
    byGroup.set(groupId(group), entry);
  }
  if (byGroup.size === 0) return queued;
  const ordered = [...byGroup.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [, { group, members }] of ordered) {
    await lockGroup(tx, group);
    const nowMs = members[0]!.nowMs;
    let free = (await queuedInGroup(tx, group, nowMs))
      ? 0
      : group.limit - (await activeInGroup(tx, group));
    for (const input of members) {
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
 * Admits as many of the group's Queued executions as it has free places, oldest first: each
 * becomes Pending (Running, for one resumed after it had started) and its root tasks Ready.
 * Returns the ids admitted.
 */
export async function admitGroup(
  tx: Tx,
  group: Group,
  nowMs: number,
  runnerId: string | null,
): Promise<string[]> {
  await lockGroup(tx, group);
  const free = group.limit - (await activeInGroup(tx, group));
  if (free <= 0) return [];
  // A row another transaction holds (a cancel in flight) is passed over, never waited for:
  // this transaction holds the group, and a wait here could close a cycle.
  const skip = tx.capabilities.skipLocked ? ' FOR UPDATE SKIP LOCKED' : '';
  const rows = await tx.all<AdmittedRow>(
    `SELECT id, created_at_ms, started_at_ms FROM workflow_executions
     WHERE workflow_name = ? AND concurrency_key = ? AND status = 'Queued'
       AND (run_at_ms IS NULL OR run_at_ms <= ?)
     ORDER BY created_at_ms, id LIMIT ?${skip}`,
    [group.workflowName, group.key, nowMs, free],
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
  readied.sort((a, b) =>
    a.execution_id === b.execution_id
      ? a.task_id < b.task_id
        ? -1
        : 1
      : a.execution_id < b.execution_id
        ? -1
        : 1,
  );
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
 * A runner's periodic admission pass: admits the Queued executions that may start now in every
 * group that has some (a delayed start whose time came, or one passed over while its row was
 * locked). Returns how many were admitted.
 */
export async function admitWaiting(
  tx: Tx,
  input: { nowMs: number; runnerId: string },
): Promise<number> {
  const groups = await tx.all<{
    workflow_name: string;
    concurrency_key: string;
    concurrency_limit: number;
  }>(
    `SELECT DISTINCT workflow_name, concurrency_key, concurrency_limit FROM workflow_executions
     WHERE status = 'Queued' AND (run_at_ms IS NULL OR run_at_ms <= ?)
     ORDER BY workflow_name, concurrency_key
     LIMIT ${PASS_GROUPS}`,
    [input.nowMs],
  );
  let admitted = 0;
  for (const row of groups) {
    const group = {
      workflowName: row.workflow_name,
      key: row.concurrency_key,
      limit: Number(row.concurrency_limit),
    };
    admitted += (await admitGroup(tx, group, input.nowMs, input.runnerId)).length;
  }
  return admitted;
}
