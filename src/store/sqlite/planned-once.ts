/**
 * SQLite statements spelled so that each is planned once, not at every run.
 *
 * SQLite's planner (3.53, the one better-sqlite3 12 bundles) reads the value bound to a
 * `LIMIT ?` or `OFFSET ?`, and a statement whose plan read a bound value is marked expired
 * whenever that parameter is bound again: every run parsed and planned it anew, which made the
 * claim, with a limit in each of its segments, several times dearer (docs/performance.md).
 * Written as `CAST(? AS INTEGER)` the limit is an expression the planner does not read, so the
 * prepared plan is kept; the value and its meaning (a negative limit is no limit) are the same.
 *
 * Only this adapter's statement text passes here, never a value, so a text match is enough.
 * The module imports nothing: the reader thread loads it too.
 */

/** A bound `LIMIT ?` or `OFFSET ?`, as the shared SQL writes them. */
const BOUND_ROW_LIMIT = /\b(LIMIT|OFFSET)\s+\?/gi;

/** `sql` with each bound row limit written as an expression the planner does not read. */
export function plannedOnce(sql: string): string {
  return sql.replace(BOUND_ROW_LIMIT, '$1 CAST(? AS INTEGER)');
}
