/** Output of `cloacinactl`: aligned tables for people, JSON for scripts. */
import {
  formatDuration,
  type ExecutionTask,
  type TaskResult,
  type WorkflowExecutionResult,
} from '../index.js';

/** A cell value; null and undefined print as `-`. */
export type Cell = string | number | boolean | Date | null | undefined;

/**
 * One cell as text: dates in ISO 8601 UTC to the second (lists, where rows are apart), booleans
 * as yes/no. Where a run's steps are milliseconds apart, pass {@link preciseTime} instead.
 */
export function cell(value: Cell): string {
  if (value === null || value === undefined || value === '') return '-';
  if (value instanceof Date) return value.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value).replace(/\s+/g, ' ');
}

/**
 * A time to the millisecond, ISO 8601 UTC (`2026-06-01T10:13:22.612Z`): for the events and the
 * task times of one execution, whose steps are often milliseconds apart. The date stays in, as
 * an execution can span days (retries, pauses, delayed starts).
 */
export function preciseTime(value: Date | null | undefined): string | null {
  return value === null || value === undefined ? null : value.toISOString();
}

/** Columns aligned on the widest cell; the last column is not padded. */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = [headers.map(String), ...rows.map((row) => row.map(cell))];
  const widths = headers.map((_, i) => Math.max(...text.map((row) => (row[i] ?? '').length)));
  return text
    .map((row) =>
      row
        .map((value, i) => (i === row.length - 1 ? value : value.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `key: value` lines, keys aligned. */
export function fields(entries: readonly (readonly [string, Cell])[]): string {
  const width = Math.max(...entries.map(([key]) => key.length));
  return entries.map(([key, value]) => `${`${key}:`.padEnd(width + 1)}  ${cell(value)}`).join('\n');
}

/** A duration in milliseconds for a table, or `-`. */
export function duration(ms: number | undefined | null): string {
  return ms === undefined || ms === null ? '-' : formatDuration(ms);
}

/** Writes one block of output followed by a newline. */
export function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** Writes `value` as indented JSON (Dates become ISO strings, a Context its entries). */
export function printJson(value: unknown): void {
  print(JSON.stringify(value, null, 2));
}

/**
 * What `executions show` and `--watch` print of an execution: its result, and what the result
 * leaves out: the stored tasks (a retry's last error and next attempt time) and the pause
 * reason.
 */
export interface ExecutionView {
  readonly result: WorkflowExecutionResult;
  readonly tasks: readonly ExecutionTask[];
  /** The reason given to pause it, while Paused. */
  readonly pauseReason: string | null;
}

/** The running time of a task: until now when it has not finished. */
function taskDuration(task: TaskResult, nowMs: number): string {
  if (task.durationMs !== undefined) return duration(task.durationMs);
  if (task.startedAt !== undefined && task.status === 'Running') {
    return `${duration(nowMs - task.startedAt.getTime())}…`;
  }
  return '-';
}

/** A task that has not ended after a failed attempt: the error, and when it waits, until when. */
interface Retry {
  /** The error of the failed attempt. */
  readonly lastError: string;
  /** The attempt that follows it. */
  readonly nextAttempt: number;
  /** When the next attempt may start, while the task waits for it (Ready); else null. */
  readonly retryAt: Date | null;
}

/** The retry a stored task is waiting for or running, or null. */
function retryOf(task: ExecutionTask | undefined): Retry | null {
  if (task === undefined || task.errorMessage === null) return null;
  const waiting = task.status === 'Ready';
  if (!waiting && task.status !== 'Running' && task.status !== 'Deferred') return null;
  return {
    lastError: task.errorMessage,
    nextAttempt: task.attempt,
    retryAt: waiting ? task.readyAt : null,
  };
}

/** The DETAIL of a task waiting for or running a retry. */
function retryDetail(retry: Retry | null): string | null {
  if (retry === null) return null;
  const failed = `attempt ${retry.nextAttempt - 1} failed: ${retry.lastError}`;
  return retry.retryAt === null
    ? failed
    : `retry: attempt ${retry.nextAttempt} at ${preciseTime(retry.retryAt)}; ${failed}`;
}

/**
 * The task table of an execution: status, attempts, start time, duration, and why it failed,
 * was skipped or waits to retry.
 */
export function taskTable(view: ExecutionView, nowMs = Date.now()): string {
  const stored = new Map(view.tasks.map((t) => [t.taskId, t]));
  return table(
    ['TASK', 'STATUS', 'ATTEMPTS', 'STARTED', 'DURATION', 'DETAIL'],
    view.result.taskResults.map((task) => [
      task.taskId,
      task.status,
      task.attempts,
      preciseTime(task.startedAt),
      taskDuration(task, nowMs),
      task.errorMessage ??
        (task.skipReason !== undefined
          ? `skipped: ${task.skipReason}`
          : retryDetail(retryOf(stored.get(task.taskId)))),
    ]),
  );
}

/** The status of an execution, with the reason it was paused. */
export function statusLine(view: ExecutionView): string {
  if (view.result.status !== 'Paused') return view.result.status;
  return `Paused (${view.pauseReason === null ? 'no reason given' : `reason: ${view.pauseReason}`})`;
}

/** The concurrency group of an execution, for people: `key 'c-42', limit 1` or `limit 3`. */
function concurrencyLine(group: { key: string; limit: number }): string {
  return group.key === '' ? `limit ${group.limit}` : `key '${group.key}', limit ${group.limit}`;
}

/** The rate group of an execution, for people: `key 'eu', 10 per 1s` or `10 per 1m`. */
function rateLimitLine(group: { key: string; limit: number; periodMs: number }): string {
  const rate = `${group.limit} per ${formatDuration(group.periodMs)}`;
  return group.key === '' ? rate : `key '${group.key}', ${rate}`;
}

/** A finished or running execution for people: summary, task table and final context. */
export function executionReport(view: ExecutionView): string {
  const { result } = view;
  const summary = fields([
    ['execution', result.executionId],
    ['workflow', `${result.workflowName} (version ${result.workflowVersion})`],
    ['status', statusLine(view)],
    ...(result.runAt !== undefined ? [['run at', preciseTime(result.runAt)] as const] : []),
    ['started', preciseTime(result.startedAt)],
    ['completed', preciseTime(result.completedAt)],
    ['duration', duration(result.durationMs)],
    ...(result.errorMessage !== undefined ? [['error', result.errorMessage] as const] : []),
    ...(result.rerunOf !== undefined ? [['rerun of', result.rerunOf] as const] : []),
    ...(result.rerunBy !== undefined ? [['rerun by', result.rerunBy] as const] : []),
    ...(result.idempotencyKey !== undefined
      ? [['idempotency key', result.idempotencyKey] as const]
      : []),
    ...(result.concurrency !== undefined
      ? [['concurrency', concurrencyLine(result.concurrency)] as const]
      : []),
    ...(result.rateLimit !== undefined
      ? [['rate limit', rateLimitLine(result.rateLimit)] as const]
      : []),
    ...(result.priority !== 0 ? [['priority', String(result.priority)] as const] : []),
  ]);
  const context = JSON.stringify(result.finalContext, null, 2);
  return `${summary}\n\n${taskTable(view)}\n\nfinal context:\n${context}`;
}

/** The JSON form of an execution result (plain data, stable field names). */
export function executionJson(result: WorkflowExecutionResult): unknown {
  return { ...result, finalContext: result.finalContext.toJSON() };
}

/**
 * The JSON form of `executions show`: the result, its `pauseReason` (null unless Paused), and on
 * each task waiting for or running a retry, `lastError` and `retryAt` (null while it runs).
 */
export function executionViewJson(view: ExecutionView): unknown {
  const stored = new Map(view.tasks.map((t) => [t.taskId, t]));
  return {
    ...view.result,
    finalContext: view.result.finalContext.toJSON(),
    pauseReason: view.pauseReason,
    taskResults: view.result.taskResults.map((task) => {
      const retry = retryOf(stored.get(task.taskId));
      return retry === null
        ? task
        : { ...task, lastError: retry.lastError, retryAt: retry.retryAt };
    }),
  };
}
