/**
 * Row-lock order. On a backend with row locks (PostgreSQL), every writer that touches several
 * rows of a table takes their locks in id order, so two transactions wanting the same rows queue
 * instead of deadlocking (a deadlock costs `deadlock_timeout`, a second, before it is even
 * detected). SQLite has one writer at a time: there these are no-ops.
 */
import type { Tx } from '../db.js';
import { placeholders } from './events.js';

/** Tables whose rows are locked in id order. */
type LockedTable = 'task_executions' | 'workflow_executions';

/**
 * A WHERE prefix that locks the rows of `ids` (those meeting `condition`, if given) in id order
 * before the statement updates them, with the parameters it needs; empty without row locks.
 */
export function inIdOrder(
  tx: Tx,
  table: LockedTable,
  ids: readonly string[],
  condition?: string,
): { where: string; params: string[] } {
  if (!tx.capabilities.concurrentWriters || ids.length === 0) return { where: '', params: [] };
  const extra = condition === undefined ? '' : ` AND ${condition}`;
  return {
    where: `id IN (SELECT id FROM ${table} WHERE id IN (${placeholders(ids.length)})${extra}
            ORDER BY id${tx.syntax.forUpdate}) AND `,
    params: [...ids],
  };
}

/**
 * Locks execution rows in id order before their tasks' dependents and counters are touched:
 * every writer that settles tasks takes these first. The rows are not needed, so the lock
 * travels with the next statement (`tx.write`).
 */
export function lockExecutions(tx: Tx, executionIds: Iterable<string>): void {
  if (!tx.capabilities.concurrentWriters) return;
  const ids = [...new Set(executionIds)].sort();
  if (ids.length === 0) return;
  tx.write(
    `SELECT id FROM workflow_executions WHERE id IN (${placeholders(ids.length)})
     ORDER BY id${tx.syntax.forUpdate}`,
    ids,
  );
}
