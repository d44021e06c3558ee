/**
 * Counts for an overview of executions: how many are in each status not yet ended, and how
 * many ended in each interval of a time window, by outcome. Both are counted by the database
 * (GROUP BY) from index entries and per-minute rollups (`stats-rollups.ts`) alone: no
 * execution row is read, none is sent to JavaScript.
 */
import type { SqlValue, Tx } from '../db.js';
import { TERMINAL_WORKFLOW_STATUSES, WorkflowStatus } from '../rows.js';
import { ceilMinute, floorMinute, ROLLUP_MINUTE_MS, type RolledRange } from './stats-rollups.js';

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

/** The `status` of the row saying whether the minutes summed were still rolled up. */
const STILL_ROLLED = 'still rolled up';

/** A range of end times `[fromMs, toMs)` the statement counts from the index. */
export type EndRange = readonly [fromMs: number, toMs: number];

/**
 * Bucket boundaries off the minute inside the rolled minutes, `firstMs`, `firstMs + stepMs`, …
 * before `endMs`: the minute each is in is counted from the index, not from its rollup.
 */
export interface MinuteCuts {
  readonly firstMs: number;
  readonly stepMs: number;
  readonly endMs: number;
}

/** How a window is counted: from the index in `edges` and `cuts`, from rollups in `rolled`. */
export interface StatsSplit {
  /** The window before and after the rolled minutes (one or two ranges; empty ones left out). */
  readonly edges: readonly EndRange[];
  /** Null when every bucket boundary inside the rolled minutes is on a minute. */
  readonly cuts: MinuteCuts | null;
  /** Minutes summed from their rollups (but those a boundary cuts); may be empty. */
  readonly rolled: RolledRange;
}

/**
 * Splits the window of `query` between the minutes rolled up (`rolled`, as read before the
 * statement) and the index: the minutes of the window inside `rolled` come from their rollups,
 * except those a bucket boundary cuts (a bucket that is not a whole number of minutes), which
 * the index counts, as it counts the window's edges before and after the rolled minutes. Both
 * parts together count every end time of the window exactly once.
 */
export function splitWindow(query: ExecutionStatsQuery, rolled: RolledRange): StatsSplit {
  const { fromMs, toMs, bucketMs } = query;
  const startMs = Math.max(rolled.fromMs, ceilMinute(fromMs));
  const endMs = Math.min(rolled.toMs, floorMinute(toMs));
  if (endMs <= startMs) {
    return { edges: [[fromMs, toMs]], cuts: null, rolled: { fromMs: 0, toMs: 0 } };
  }
  const edges: EndRange[] = [];
  if (fromMs < startMs) edges.push([fromMs, startMs]);
  if (endMs < toMs) edges.push([endMs, toMs]);
  // The first boundary after the rolled minutes' start; none is off the minute when the window
  // starts on a minute and a bucket is whole minutes.
  const firstMs = fromMs + (Math.floor((startMs - fromMs) / bucketMs) + 1) * bucketMs;
  const aligned = fromMs % ROLLUP_MINUTE_MS === 0 && bucketMs % ROLLUP_MINUTE_MS === 0;
  const cuts = aligned || firstMs >= endMs ? null : { firstMs, stepMs: bucketMs, endMs };
  return { edges, cuts, rolled: { fromMs: startMs, toMs: endMs } };
}

/**
 * The statement of {@link getExecutionStats}: one statement, so one snapshot on both backends
 * (an execution that ends meanwhile is counted once, active or ended, and a prune's deletes
 * and its subtraction from the rollups are seen together). Rows: `bucket` NULL for an active
 * status (and for the row whose `n` says whether the minutes summed are still rolled up);
 * `status` NULL for a bucket's rollup sums (`n` Completed, `failed`, `cancelled`); else `n`
 * executions of `status` in `bucket` from the index. Exported for the query-plan check.
 *
 * The active counts read one range of `workflow_executions_by_status` per status, from the
 * index alone: the entries of the executions not ended, however long the history.
 *
 * The ended counts sum the rows of `execution_stats_minutes` (a primary-key range, a row per
 * minute) for the rolled minutes of the split (see {@link splitWindow}), and read the edges and
 * the minutes a boundary cuts from `workflow_executions_by_completed` (migration 13,
 * `(completed_at_ms, status)` over ended executions), from the index alone: the work is the
 * minutes of the window plus the executions of its edges (and of its cut minutes), not the
 * executions of the window. The cut minutes are generated in SQL (a recursive CTE), so the
 * statement's text and parameters stay a few whatever the bucket. The plans and their timings
 * are in `docs/performance.md` ("Measurements behind the code");
 * `test/store/stats-plan.sqlite.test.ts` holds SQLite to its plan.
 *
 * The interval is computed in SQL with integer arithmetic; the bounds are cast, as SQLite binds
 * JavaScript numbers as REAL, which would make the division fractional.
 */
export function statsStatement(
  query: ExecutionStatsQuery,
  split: StatsSplit,
): { sql: string; params: SqlValue[] } {
  const bucket = (column: string): string => `(${column} - CAST(? AS BIGINT)) / CAST(? AS BIGINT)`;
  const { fromMs, bucketMs } = query;
  const minute = ROLLUP_MINUTE_MS;
  const params: SqlValue[] = [];
  let head = '';
  const cuts = split.cuts;
  if (cuts !== null) {
    // The minutes a boundary off the minute falls in, each once (a bucket under a minute
    // puts several boundaries in one minute).
    head = `WITH RECURSIVE cut(at) AS (
       SELECT CAST(? AS BIGINT)
       UNION ALL SELECT at + CAST(? AS BIGINT) FROM cut WHERE at + CAST(? AS BIGINT) < CAST(? AS BIGINT)
     ), cut_minute(lo) AS (SELECT DISTINCT at / ${minute} * ${minute} FROM cut WHERE at % ${minute} <> 0)
     `;
    params.push(cuts.firstMs, cuts.stepMs, cuts.stepMs, cuts.endMs);
  }
  const parts = [
    `SELECT NULL AS bucket, status, COUNT(*) AS n, 0 AS failed, 0 AS cancelled
     FROM workflow_executions WHERE status IN (${ACTIVE}) GROUP BY status`,
  ];
  // One part per edge with its bounds as parameters (not a join to a list of ranges): the
  // planner then sees the range and reads it from the index, however many rows lie outside it.
  for (const [lo, hi] of split.edges) {
    parts.push(
      `SELECT ${bucket('completed_at_ms')}, status, COUNT(*), 0, 0
       FROM workflow_executions
       WHERE completed_at_ms >= ? AND completed_at_ms < ?
       GROUP BY 1, 2`,
    );
    params.push(fromMs, bucketMs, lo, hi);
  }
  if (cuts !== null) {
    parts.push(
      `SELECT ${bucket('e.completed_at_ms')}, e.status, COUNT(*), 0, 0
       FROM cut_minute c
       JOIN workflow_executions e
         ON e.completed_at_ms >= c.lo AND e.completed_at_ms < c.lo + ${minute}
       GROUP BY 1, 2`,
    );
    params.push(fromMs, bucketMs);
  }
  if (split.rolled.fromMs < split.rolled.toMs) {
    // A cut minute is counted from the index instead (the same test as `cut_minute`).
    const cut =
      cuts === null ? '' : ` AND ${bucket('minute_ms')} = ${bucket(`(minute_ms + ${minute - 1})`)}`;
    parts.push(
      `SELECT ${bucket('minute_ms')}, NULL, SUM(completed), SUM(failed), SUM(cancelled)
       FROM execution_stats_minutes
       WHERE minute_ms >= ? AND minute_ms < ?${cut}
       GROUP BY 1`,
    );
    params.push(fromMs, bucketMs, split.rolled.fromMs, split.rolled.toMs);
    if (cuts !== null) params.push(fromMs, bucketMs, fromMs, bucketMs);
    // In the same snapshot: are those minutes still rolled up? (A range trimmed or restarted
    // since it was read has deleted some.)
    parts.push(
      `SELECT NULL, '${STILL_ROLLED}', COUNT(*), 0, 0 FROM execution_stats_rollup
       WHERE id = 1 AND from_ms <= ? AND to_ms >= ?`,
    );
    params.push(split.rolled.fromMs, split.rolled.toMs);
  }
  return { sql: head + parts.join(' UNION ALL '), params };
}

/**
 * Counts executions per active status, and executions that ended in `[fromMs, toMs)` per
 * interval and status, in the database (see {@link statsStatement}), with the minutes in
 * `rolled` (read before, committed) summed from their rollups. Null when some of those minutes
 * are no longer rolled up (the range was trimmed since): count again with the range read anew.
 */
export async function getExecutionStats(
  tx: Tx,
  query: ExecutionStatsQuery,
  rolled: RolledRange,
): Promise<ExecutionStatsRecord | null> {
  const { sql, params } = statsStatement(query, splitWindow(query, rolled));
  const rows = await tx.all<{
    bucket: number | string | null;
    status: string | null;
    n: number | string;
    failed: number | string;
    cancelled: number | string;
  }>(sql, params);
  const active: ExecutionStatsRecord['active'][number][] = [];
  const counts = new Map<string, number>();
  const add = (bucket: number, status: WorkflowStatus, n: number): void => {
    if (n === 0) return;
    const key = `${bucket} ${status}`;
    counts.set(key, (counts.get(key) ?? 0) + n);
  };
  for (const row of rows) {
    if (row.status === STILL_ROLLED) {
      if (Number(row.n) === 0) return null;
    } else if (row.bucket === null) {
      active.push({ status: row.status as WorkflowStatus, count: Number(row.n) });
    } else if (row.status === null) {
      add(Number(row.bucket), WorkflowStatus.Completed, Number(row.n));
      add(Number(row.bucket), WorkflowStatus.Failed, Number(row.failed));
      add(Number(row.bucket), WorkflowStatus.Cancelled, Number(row.cancelled));
    } else {
      add(Number(row.bucket), row.status as WorkflowStatus, Number(row.n));
    }
  }
  const ended = [...counts].map(([key, count]) => {
    const [bucket, status] = key.split(' ') as [string, WorkflowStatus];
    return { bucket: Number(bucket), status, count };
  });
  return { active, ended };
}
