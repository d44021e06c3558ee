/**
 * Execution statistics for an overview: the executions not yet ended, by status, and those
 * that ended in a recent window, in total and per interval, by outcome. The database counts
 * (see `store/ops/stats.ts`); this module checks the options, cuts the window into intervals
 * and fills the intervals with no executions in them.
 */
import { describeValue } from '../core/describe.js';
import { durationProblem, parseDuration, type Duration } from '../core/duration.js';
import { ConfigError } from '../errors.js';
import { TERMINAL_WORKFLOW_STATUSES, WorkflowStatus } from '../store/store.js';
import type { Store } from '../store/store.js';

/** Options of `getExecutionStats`. */
export interface ExecutionStatsOptions {
  /** How far back the window reaches, at most `'7d'`. @default '1h' */
  window?: Duration;
  /**
   * The length of one interval of `throughput`, at least `'10s'` and at most the window, with
   * at most 1,440 intervals in the window. @default '1m'
   */
  bucket?: Duration;
}

/** A status of an execution not yet ended. */
export type ActiveWorkflowStatus = Exclude<WorkflowStatus, 'Completed' | 'Failed' | 'Cancelled'>;

/** Executions that ended in one interval, by outcome. */
export interface ExecutionThroughput {
  /** The start of the interval. */
  readonly at: Date;
  readonly completed: number;
  readonly failed: number;
  readonly cancelled: number;
}

/** What `getExecutionStats` returns. */
export interface ExecutionStats {
  /** The time the counts were taken at (the window's end). */
  readonly now: Date;
  /** Executions not yet ended, for every such status (0 when none). */
  readonly active: Readonly<Record<ActiveWorkflowStatus, number>>;
  /** Executions that ended between `from` and `to`, by outcome. */
  readonly window: {
    readonly from: Date;
    readonly to: Date;
    readonly completed: number;
    readonly failed: number;
    readonly cancelled: number;
  };
  /** Every interval of the window, oldest first, including those with no executions. */
  readonly throughput: readonly ExecutionThroughput[];
}

/** The longest window: a week. */
const MAX_WINDOW_MS = 7 * 86_400_000;
/** The shortest interval. */
const MIN_BUCKET_MS = 10_000;
/** The most intervals in a window (a day of minutes). */
const MAX_BUCKETS = 1_440;

const ACTIVE_STATUSES = Object.values(WorkflowStatus).filter(
  (status): status is ActiveWorkflowStatus => !TERMINAL_WORKFLOW_STATUSES.includes(status),
);

/** The window and interval lengths of checked options. */
interface Checked {
  readonly windowMs: number;
  readonly bucketMs: number;
}

/**
 * Checks the options of `getExecutionStats`.
 * @throws {ConfigError} listing every problem, each naming the value received.
 */
function checkOptions(options: unknown): Checked {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigError(
      `getExecutionStats expects an options object such as { window: '1h', bucket: '1m' }; received ${describeValue(options)}.`,
    );
  }
  const input = options as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(input)) {
    if (key !== 'window' && key !== 'bucket') {
      problems.push(`getExecutionStats: unknown option '${key}'; the options are window, bucket.`);
    }
  }
  const read = (key: 'window' | 'bucket', fallback: string): number | undefined => {
    const value = input[key] === undefined ? fallback : input[key];
    const problem = durationProblem(value, `getExecutionStats: ${key}`);
    if (problem !== null) problems.push(problem);
    return problem === null ? parseDuration(value, key) : undefined;
  };
  const windowMs = read('window', '1h');
  const bucketMs = read('bucket', '1m');
  if (windowMs !== undefined && (windowMs <= 0 || windowMs > MAX_WINDOW_MS)) {
    problems.push(
      `getExecutionStats: window must be more than 0 and at most 7d; received ${describeValue(input['window'])}.`,
    );
  }
  if (bucketMs !== undefined && bucketMs < MIN_BUCKET_MS) {
    problems.push(
      `getExecutionStats: bucket must be at least 10s; received ${describeValue(input['bucket'])}.`,
    );
  }
  if (problems.length === 0 && windowMs !== undefined && bucketMs !== undefined) {
    if (bucketMs > windowMs) {
      problems.push(
        `getExecutionStats: bucket must be at most the window; received bucket ${describeValue(input['bucket'] ?? '1m')} for a window of ${describeValue(input['window'] ?? '1h')}.`,
      );
    } else if (Math.ceil(windowMs / bucketMs) > MAX_BUCKETS) {
      problems.push(
        `getExecutionStats: a window holds at most ${MAX_BUCKETS} buckets; ${describeValue(input['window'] ?? '1h')} in buckets of ${describeValue(input['bucket'] ?? '1m')} makes ${Math.ceil(windowMs / bucketMs)}: use a longer bucket.`,
      );
    }
  }
  if (problems.length > 0 || windowMs === undefined || bucketMs === undefined) {
    throw new ConfigError(problems);
  }
  return { windowMs, bucketMs };
}

/**
 * Counts executions for an overview at `nowMs`. The window is whole intervals aligned on
 * multiples of the interval since the epoch (a minute's interval starts on the minute), so an
 * execution stays in the same interval from one read to the next: the last is the interval
 * `nowMs` is in, counted so far, and before it come as many as make `ceil(window / bucket)`.
 * `window.from` is the start of the first; the window thus spans more than
 * `(ceil(window / bucket) - 1) × bucket` and at most `ceil(window / bucket) × bucket` (a 60 min
 * window in 7 min intervals reaches back up to 63 min). Intervals are aligned in UTC: a 1 h
 * interval starts on the UTC hour. Executions are counted by the time they ended
 * (`completedAt`), up to and including `nowMs`. The count is exact; the store sums per-minute
 * rollups for the minutes that ended five minutes before `nowMs` (`store/ops/stats-rollups.ts`,
 * `docs/http-api.md` for what an end committed later than that does).
 *
 * @throws {ConfigError} for a bad option (see {@link ExecutionStatsOptions}).
 */
export async function readExecutionStats(
  store: Store,
  nowMs: number,
  options: unknown,
): Promise<ExecutionStats> {
  const { windowMs, bucketMs } = checkOptions(options);
  const count = Math.ceil(windowMs / bucketMs);
  const fromMs = (Math.floor(nowMs / bucketMs) - (count - 1)) * bucketMs;
  const record = await store.getExecutionStats({ fromMs, toMs: nowMs + 1, bucketMs });

  const active = Object.fromEntries(ACTIVE_STATUSES.map((status) => [status, 0])) as Record<
    ActiveWorkflowStatus,
    number
  >;
  for (const { status, count: n } of record.active) {
    if (status in active) active[status as ActiveWorkflowStatus] = n;
  }
  const throughput = Array.from({ length: count }, (_, i) => ({
    at: new Date(fromMs + i * bucketMs),
    completed: 0,
    failed: 0,
    cancelled: 0,
  }));
  const totals = { completed: 0, failed: 0, cancelled: 0 };
  const field = {
    Completed: 'completed',
    Failed: 'failed',
    Cancelled: 'cancelled',
  } as const satisfies Partial<Record<WorkflowStatus, keyof typeof totals>>;
  for (const { bucket, status, count: n } of record.ended) {
    const key = field[status as keyof typeof field];
    const slot = throughput[bucket];
    // Only ended statuses have an end time, and the range keeps every bucket in 0..count-1.
    if (key === undefined || slot === undefined) continue;
    slot[key] += n;
    totals[key] += n;
  }
  return {
    now: new Date(nowMs),
    active,
    window: { from: new Date(fromMs), to: new Date(nowMs), ...totals },
    throughput,
  };
}
