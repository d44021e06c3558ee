/**
 * Executions newest first, `(created_at_ms DESC, id DESC)`, by keyset or by offset. Unfiltered,
 * the list is one range of `workflow_executions_by_created`. With a status filter each status
 * is one ordered range of `workflow_executions_by_status` (with a workflow, of
 * `workflow_executions_by_workflow`, all six statuses when none is named): a page reads the
 * first rows of each range from the cursor on, merges them and keeps the newest. The cost is a
 * few seeks and at most a page of index entries per range, whatever the depth of the page, the
 * size of the table or how rare the status; no statement sorts more than those entries. A
 * creation-time range narrows each range of the same index: `created_at_ms` follows its
 * equality columns, so the bounds are where its index scan starts and stops.
 */
import type { SqlValue, Tx } from '../db.js';
import {
  rateLimitOf,
  toExecutionRecord,
  WorkflowStatus,
  type ExecutionRecord,
  type ExecutionRow,
} from '../rows.js';
import type { ExecutionFilter } from '../records.js';

/** An execution as a list shows it: everything but the contexts. Times are epoch ms. */
export type ExecutionSummaryRecord = Omit<
  ExecutionRecord,
  'initialContext' | 'finalContext' | 'updatedAtMs' | 'rateStartedAtMs'
>;

/** The position of an execution in the list: the last row a page returned. */
export interface ExecutionKey {
  readonly createdAtMs: number;
  readonly id: string;
}

/** Input of {@link listExecutionsPage}. */
export interface ExecutionPageFilter {
  readonly workflowName?: string;
  /** Statuses to list (any of them); all when absent. */
  readonly statuses?: readonly WorkflowStatus[];
  /** Only executions created at or after this time (epoch ms). */
  readonly createdFromMs?: number;
  /** Only executions created before this time (epoch ms). */
  readonly createdBeforeMs?: number;
  /** Rows strictly after this one in list order; from the newest when null. */
  readonly after: ExecutionKey | null;
  readonly limit: number;
}

type SummaryRow = Omit<ExecutionRow, 'initial_context' | 'final_context' | 'updated_at_ms'>;

const SUMMARY_COLUMNS = `e.id, e.workflow_name, e.workflow_version, e.status, e.error_message,
  e.pause_reason, e.open_tasks, e.failed_tasks, e.created_at_ms, e.started_at_ms,
  e.completed_at_ms, e.rerun_of, e.rerun_by, e.idempotency_key, e.run_at_ms, e.concurrency_key,
  e.concurrency_limit, e.rate_key, e.rate_limit, e.rate_period_ms, e.priority`;

const ALL_STATUSES = Object.values(WorkflowStatus);

/** What to read: the filter, where to start, and how many rows of the merged order. */
export interface ExecutionWindow {
  readonly workflowName: string | undefined;
  readonly statuses: readonly WorkflowStatus[] | undefined;
  /** `created_at_ms >=` this, when set. */
  readonly createdFromMs?: number | undefined;
  /** `created_at_ms <` this, when set. */
  readonly createdBeforeMs?: number | undefined;
  readonly after: ExecutionKey | null;
  readonly limit: number;
  readonly offset: number;
}

/**
 * The ids-and-keys query of a window: per status, the first `offset + limit` index entries
 * after the key (index-only), merged, then the window of the merge. Its rows are then joined
 * to the table, so only the rows of the page are read in full.
 */
function mergeQuery(window: ExecutionWindow): { sql: string; params: SqlValue[] } {
  // Unfiltered: one range of `workflow_executions_by_created`, whose keys never change.
  const statuses: (WorkflowStatus | null)[] =
    window.statuses === undefined && window.workflowName === undefined
      ? [null]
      : [...new Set(window.statuses ?? ALL_STATUSES)];
  const take = window.offset + window.limit;
  const params: SqlValue[] = [];
  // A cursor inside the time range is a tighter upper bound than the range's end, which it
  // implies: the end is left out, so the cursor is where the index scan starts. Given both,
  // SQLite started at the first upper bound written, and a deep page walked every entry between
  // the range's end and the cursor.
  const after = window.after;
  const beforeMs =
    after !== null &&
    window.createdBeforeMs !== undefined &&
    after.createdAtMs < window.createdBeforeMs
      ? undefined
      : window.createdBeforeMs;
  const ranges = statuses.map((status, i) => {
    const where: string[] = [];
    if (status !== null) {
      where.push('status = ?');
      params.push(status);
    }
    if (window.workflowName !== undefined) {
      where.push('workflow_name = ?');
      params.push(window.workflowName);
    }
    if (after !== null) {
      // A row-value comparison: both backends start the index scan right after the key, also
      // inside a millisecond shared by many rows (a batch scheduled in one transaction).
      where.push('(created_at_ms, id) < (?, ?)');
      params.push(after.createdAtMs, after.id);
    }
    if (beforeMs !== undefined) {
      where.push('created_at_ms < ?');
      params.push(beforeMs);
    }
    if (window.createdFromMs !== undefined) {
      where.push('created_at_ms >= ?');
      params.push(window.createdFromMs);
    }
    params.push(take);
    return `SELECT created_at_ms, id FROM (
        SELECT created_at_ms, id FROM workflow_executions
        ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY created_at_ms DESC, id DESC LIMIT ?) r${i}`;
  });
  params.push(window.limit, window.offset);
  return {
    sql: `${ranges.join('\n      UNION ALL ')}
      ORDER BY created_at_ms DESC, id DESC LIMIT ? OFFSET ?`,
    params,
  };
}

/**
 * The statement of a window: the merge, joined to the table for `columns` (of `e`). CROSS JOIN
 * keeps SQLite's join order: the page's keys first, then one primary-key look-up each. Left to
 * choose, it walked the whole table in `by_created` order and probed the page's keys for each
 * row. Exported for the query-plan checks.
 */
export function windowStatement(
  window: ExecutionWindow,
  columns = SUMMARY_COLUMNS,
): { sql: string; params: SqlValue[] } {
  const { sql, params } = mergeQuery(window);
  return {
    sql: `SELECT ${columns} FROM (${sql}) p CROSS JOIN workflow_executions e WHERE e.id = p.id
     ORDER BY e.created_at_ms DESC, e.id DESC`,
    params,
  };
}

async function readWindow<T>(tx: Tx, window: ExecutionWindow, columns: string): Promise<T[]> {
  const { sql, params } = windowStatement(window, columns);
  return tx.all<T>(sql, params);
}

function toSummary(row: SummaryRow): ExecutionSummaryRecord {
  return {
    id: row.id,
    workflowName: row.workflow_name,
    workflowVersion: row.workflow_version,
    status: row.status as WorkflowStatus,
    errorMessage: row.error_message,
    pauseReason: row.pause_reason,
    openTasks: row.open_tasks,
    failedTasks: row.failed_tasks,
    createdAtMs: row.created_at_ms,
    startedAtMs: row.started_at_ms === null ? null : row.started_at_ms,
    completedAtMs: row.completed_at_ms === null ? null : row.completed_at_ms,
    rerunOf: row.rerun_of,
    rerunBy: row.rerun_by,
    idempotencyKey: row.idempotency_key ?? null,
    runAtMs: row.run_at_ms === null || row.run_at_ms === undefined ? null : row.run_at_ms,
    concurrency:
      row.concurrency_key === null || row.concurrency_key === undefined
        ? null
        : { key: row.concurrency_key, limit: row.concurrency_limit ?? 1 },
    rateLimit: rateLimitOf(row),
    priority: Number(row.priority ?? 0),
  };
}

/** Up to `limit` executions after `after` in list order, as summaries. */
export async function listExecutionsPage(
  tx: Tx,
  filter: ExecutionPageFilter,
): Promise<ExecutionSummaryRecord[]> {
  const rows = await readWindow<SummaryRow>(
    tx,
    {
      workflowName: filter.workflowName,
      statuses: filter.statuses,
      createdFromMs: filter.createdFromMs,
      createdBeforeMs: filter.createdBeforeMs,
      after: filter.after,
      limit: filter.limit,
      offset: 0,
    },
    SUMMARY_COLUMNS,
  );
  return rows.map(toSummary);
}

/**
 * Executions newest first, by offset or after a key (`listExecutions`). The same merge, each
 * range reading `offset + limit` entries: offset paging stays linear in the offset, as it
 * always was, but never sorts the table; after a key it is the keyset page's read.
 */
export async function listExecutions(tx: Tx, filter: ExecutionFilter): Promise<ExecutionRecord[]> {
  const rows = await readWindow<ExecutionRow>(
    tx,
    {
      workflowName: filter.workflowName,
      statuses: filter.status === undefined ? undefined : [filter.status],
      after: filter.after ?? null,
      limit: filter.limit,
      offset: filter.offset,
    },
    'e.*',
  );
  return rows.map(toExecutionRecord);
}

/**
 * The upper bound of the ids that start with `prefix` (lowercase hex and dashes): the prefix
 * with its last hex digit incremented, trailing `f`s and dashes dropped first (`01a2ff` →
 * `01a3`); null when every id at or after `prefix` starts with it (`fff…`). Incrementing within
 * the hex digits, never to `:` or `g`, keeps the bound right under a collation that orders
 * punctuation apart from digits and letters (glibc and ICU locales), not only under `C`.
 */
export function idPrefixEnd(prefix: string): string | null {
  const digits = '0123456789abcdef';
  const base = prefix.replace(/[f-]+$/, '');
  if (base === '') return null;
  const last = digits.indexOf(base.slice(-1));
  return `${base.slice(0, -1)}${digits[last + 1]}`;
}

/**
 * Up to `limit` executions whose id starts with `prefix` (lowercase hex and dashes), by id. A
 * range of the primary key bounds the read, so it costs a seek and the matching rows whatever
 * the size of the table; the `substr` test keeps it exact under any collation.
 */
export async function findExecutionsByIdPrefix(
  tx: Tx,
  prefix: string,
  limit: number,
): Promise<ExecutionSummaryRecord[]> {
  const end = idPrefixEnd(prefix);
  const rows = await tx.all<SummaryRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM workflow_executions e
     WHERE e.id >= ?${end === null ? '' : ' AND e.id < ?'} AND substr(e.id, 1, ?) = ?
     ORDER BY e.id LIMIT ?`,
    [prefix, ...(end === null ? [] : [end]), prefix.length, prefix, limit],
  );
  return rows.map(toSummary);
}
