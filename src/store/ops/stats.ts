/**
 * Counts for an overview of executions: how many are in each status not yet ended, and how
 * many ended in each interval of a time window, by outcome. Both are counted by the database
 * (GROUP BY) from index entries alone: no execution row is read, none is sent to JavaScript.
 */
import type { SqlValue, Tx } from '../db.js';
import { TERMINAL_WORKFLOW_STATUSES, WorkflowStatus } from '../rows.js';

/** Input of {@link getExecutionStats}. */
export interface ExecutionStatsQuery {
  /** Executions that ended at or after this time (epoch ms)… */
  readonly fromMs: number;
  /** …and before this one. */
  readonly toMs: number;
  /** The length of an interval; interval `i` starts at `fromMs + i * bucketMs`. */
  readonly bucketMs: number;
}

/** What {@link getExecutionStats} counted. */
export interface ExecutionStatsRecord {
  /** Executions in each status not yet ended; a status with none is left out. */
  readonly active: readonly { readonly status: WorkflowStatus; readonly count: number }[];
  /**
   * Executions that ended in the window, by interval and terminal status; an interval and
   * status with none is left out.
   */
  readonly ended: readonly {
    readonly bucket: number;
    readonly status: WorkflowStatus;
    readonly count: number;
  }[];
}

const quoted = (statuses: readonly string[]): string => statuses.map((s) => `'${s}'`).join(', ');

/** The statuses of an execution not yet ended, as SQL. */
const ACTIVE = quoted(
  Object.values(WorkflowStatus).filter((s) => !TERMINAL_WORKFLOW_STATUSES.includes(s)),
);

/**
 * The statement of {@link getExecutionStats}: one statement, so one snapshot on both backends
 * (an execution that ends meanwhile is counted once, active or ended). The active rows are
 * those without an interval. Exported for the query-plan check.
 *
 * The active counts read one range of `workflow_executions_by_status` per status, from the
 * index alone: the entries of the executions not ended, however long the history.
 *
 * The ended counts read the window's range of `workflow_executions_by_completed` (migration
 * 12, `(completed_at_ms, status)` over ended executions), from the index alone: the work is the
 * number of executions that ended in the window, not the size of the table. Without that index
 * both backends read the whole table. The plans and their timings are in `docs/performance.md`
 * ("Measurements behind the code"); `test/store/stats-plan.sqlite.test.ts` holds SQLite to its
 * plan.
 *
 * The interval is computed in SQL with integer arithmetic; the bounds are cast, as SQLite binds
 * JavaScript numbers as REAL, which would make the division fractional.
 */
export function statsStatement(query: ExecutionStatsQuery): { sql: string; params: SqlValue[] } {
  return {
    sql: `SELECT NULL AS bucket, status, COUNT(*) AS n FROM workflow_executions
     WHERE status IN (${ACTIVE}) GROUP BY status
     UNION ALL
     SELECT (completed_at_ms - CAST(? AS BIGINT)) / CAST(? AS BIGINT), status, COUNT(*)
     FROM workflow_executions
     WHERE completed_at_ms >= ? AND completed_at_ms < ?
     GROUP BY 1, 2`,
    params: [query.fromMs, query.bucketMs, query.fromMs, query.toMs],
  };
}

/**
 * Counts executions per active status, and executions that ended in `[fromMs, toMs)` per
 * interval and status, in the database (see {@link statsStatement}).
 */
export async function getExecutionStats(
  tx: Tx,
  query: ExecutionStatsQuery,
): Promise<ExecutionStatsRecord> {
  const { sql, params } = statsStatement(query);
  const rows = await tx.all<{ bucket: number | null; status: string; n: number }>(sql, params);
  const active: ExecutionStatsRecord['active'][number][] = [];
  const ended: ExecutionStatsRecord['ended'][number][] = [];
  for (const row of rows) {
    const status = row.status as WorkflowStatus;
    const count = row.n;
    if (row.bucket === null) active.push({ status, count });
    else ended.push({ bucket: row.bucket, status, count });
  }
  return { active, ended };
}
