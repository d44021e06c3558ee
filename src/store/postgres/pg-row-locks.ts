/**
 * PostgreSQL's row locks. Every writer that touches several rows of a table takes their locks
 * in one order, so two transactions wanting the same rows queue instead of deadlocking (a
 * deadlock costs `deadlock_timeout`, a second, before it is even detected). Lock rows of
 * groups and limits are created on first use.
 */
import type { IdLockedTable, LimitedTask, RowLocks, SqlValue, StripeRange, Tx } from '../db.js';
import { placeholders } from '../ops/events.js';

/** `(workflow_name, task_id) IN (VALUES …)` for `tasks`, with its parameters. */
function taskFilter(tasks: readonly LimitedTask[]): { sql: string; params: string[] } {
  return {
    sql: `(workflow_name, task_id) IN (VALUES ${tasks.map(() => '(?, ?)').join(', ')})`,
    params: tasks.flatMap((task) => [task.workflowName, task.taskId]),
  };
}

/**
 * Locks the stripes of `ranges`. Each group is a row of a `VALUES` list with its first and
 * last stripe, so the statement's size does not grow with the stripes.
 */
function groupStripes(tx: Tx, ranges: readonly StripeRange[]): void {
  if (ranges.length === 0) return;
  if (ranges.length === 1 && ranges[0]!.first === ranges[0]!.last) {
    // The common case (a start or an end of one roomy group) in the plainest statements,
    // which PostgreSQL plans in a fraction of the time of the general ones below.
    const row: SqlValue[] = [ranges[0]!.workflowName, ranges[0]!.key, ranges[0]!.first];
    tx.write(
      `INSERT INTO concurrency_groups (workflow_name, group_key, stripe) VALUES (?, ?, ?)
       ON CONFLICT DO NOTHING`,
      row,
    );
    tx.write(
      `SELECT 1 AS locked FROM concurrency_groups
       WHERE workflow_name = ? AND group_key = ? AND stripe = ? FOR UPDATE`,
      row,
    );
    return;
  }
  const params = ranges.flatMap((r): SqlValue[] => [r.workflowName, r.key, r.first, r.last]);
  const stripes = `(VALUES ${ranges.map(() => '(?, ?, ?, ?)').join(', ')})
       AS v (workflow_name, group_key, first, last)`;
  tx.write(
    `INSERT INTO concurrency_groups (workflow_name, group_key, stripe)
     SELECT v.workflow_name, v.group_key, s.stripe FROM ${stripes}
     CROSS JOIN LATERAL generate_series(CAST(v.first AS INTEGER), CAST(v.last AS INTEGER))
       AS s (stripe)
     ON CONFLICT DO NOTHING`,
    params,
  );
  tx.write(
    `SELECT 1 AS locked FROM concurrency_groups c JOIN ${stripes}
       ON c.workflow_name = v.workflow_name AND c.group_key = v.group_key
      AND c.stripe BETWEEN CAST(v.first AS INTEGER) AND CAST(v.last AS INTEGER)
     ORDER BY c.workflow_name COLLATE "C", c.group_key COLLATE "C", c.stripe FOR UPDATE OF c`,
    params,
  );
}

/** Row locks taken the way PostgreSQL's concurrent writers need them. */
export const PG_ROW_LOCKS: RowLocks = {
  idOrderPrefix(table: IdLockedTable, ids: readonly string[], condition?: string) {
    if (ids.length === 0) return { where: '', params: [] };
    const extra = condition === undefined ? '' : ` AND ${condition}`;
    return {
      where: `id IN (SELECT id FROM ${table} WHERE id IN (${placeholders(ids.length)})${extra}
            ORDER BY id FOR UPDATE) AND `,
      params: [...ids],
    };
  },

  rowsInIdOrder(tx: Tx, table: IdLockedTable, ids: Iterable<string>): void {
    const sorted = [...new Set(ids)].sort();
    if (sorted.length === 0) return;
    // The rows are not needed, so the lock travels with the next statement.
    tx.write(
      `SELECT id FROM ${table} WHERE id IN (${placeholders(sorted.length)}) ORDER BY id FOR UPDATE`,
      sorted,
    );
  },

  rateLimit(tx: Tx, workflowName: string): void {
    tx.write(`INSERT INTO rate_limit_locks (workflow_name) VALUES (?) ON CONFLICT DO NOTHING`, [
      workflowName,
    ]);
    tx.write(`SELECT 1 AS locked FROM rate_limit_locks WHERE workflow_name = ? FOR UPDATE`, [
      workflowName,
    ]);
  },

  groupStripes,

  async taskLimits(tx: Tx, tasks: readonly LimitedTask[]): Promise<void> {
    if (tasks.length === 0) return;
    const filter = taskFilter(tasks);
    tx.write(
      `INSERT INTO task_limit_locks (workflow_name, task_id)
       VALUES ${tasks.map(() => '(?, ?)').join(', ')} ON CONFLICT DO NOTHING`,
      filter.params,
    );
    await tx.all(
      `SELECT 1 AS locked FROM task_limit_locks WHERE ${filter.sql}
       ORDER BY workflow_name, task_id FOR UPDATE`,
      filter.params,
    );
  },
};
