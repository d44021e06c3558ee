/**
 * Filters written so that the planner cannot choose them as the way in: statements that find
 * their rows by key and only check a status must stay key look-ups, whatever the statistics.
 */

/**
 * `column IN (list)` as a filter no index serves: `(column || '') IN (list)`. For statements
 * that find their rows by key (ids, or a `VALUES` list joined on them) and only re-check their
 * status. Without statistics SQLite prefers an index on the status (one that holds every
 * execution, for the lists) over the id look-up; with the statistics of a long history, where
 * almost nothing is active, both backends may. Either way the statement reads every execution of
 * the status: a start of ten executions of a 100,000-execution backlog, or a waiter's read among
 * a million Completed ones, would read them all.
 */
export function recheck(column: string, list: string): string {
  return `(${column} || '') IN (${list})`;
}

/**
 * The candidate task's execution may run (not Queued, Paused or ended): a look-up by primary key
 * per candidate, as a scalar subquery. A join would let the planner start from the executions,
 * and with the statistics of a long history (almost nothing active) both backends do: they read
 * every active execution through the status index and join their tasks, which costs a whole
 * backlog per claim. A scalar subquery cannot be turned into a join.
 */
export const EXECUTION_MAY_RUN = `(SELECT w.status FROM workflow_executions w WHERE w.id = t.execution_id)
           IN ('Scheduled', 'Pending', 'Running')`;
