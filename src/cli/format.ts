/** Output of `cloacinactl`: aligned tables for people, JSON for scripts. */
import { formatDuration, type TaskResult, type WorkflowExecutionResult } from '../index.js';

/** A cell value; null and undefined print as `-`. */
export type Cell = string | number | boolean | Date | null | undefined;

/** One cell as text: dates in ISO 8601 without milliseconds, booleans as yes/no. */
export function cell(value: Cell): string {
  if (value === null || value === undefined || value === '') return '-';
  if (value instanceof Date) return value.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value).replace(/\s+/g, ' ');
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

/** The running time of a task: until now when it has not finished. */
function taskDuration(task: TaskResult, nowMs: number): string {
  if (task.durationMs !== undefined) return duration(task.durationMs);
  if (task.startedAt !== undefined && task.status === 'Running') {
    return `${duration(nowMs - task.startedAt.getTime())}…`;
  }
  return '-';
}

/** The task table of an execution: status, attempts, duration, and why it failed or skipped. */
export function taskTable(result: WorkflowExecutionResult, nowMs = Date.now()): string {
  return table(
    ['TASK', 'STATUS', 'ATTEMPTS', 'DURATION', 'DETAIL'],
    result.taskResults.map((task) => [
      task.taskId,
      task.status,
      task.attempts,
      taskDuration(task, nowMs),
      task.errorMessage ?? (task.skipReason !== undefined ? `skipped: ${task.skipReason}` : null),
    ]),
  );
}

/** A finished or running execution for people: summary, task table and final context. */
export function executionReport(result: WorkflowExecutionResult): string {
  const summary = fields([
    ['execution', result.executionId],
    ['workflow', `${result.workflowName} (version ${result.workflowVersion})`],
    ['status', result.status],
    ...(result.runAt !== undefined ? [['run at', result.runAt] as const] : []),
    ['started', result.startedAt],
    ['completed', result.completedAt],
    ['duration', duration(result.durationMs)],
    ...(result.errorMessage !== undefined ? [['error', result.errorMessage] as const] : []),
    ...(result.rerunOf !== undefined ? [['rerun of', result.rerunOf] as const] : []),
    ...(result.rerunBy !== undefined ? [['rerun by', result.rerunBy] as const] : []),
    ...(result.idempotencyKey !== undefined
      ? [['idempotency key', result.idempotencyKey] as const]
      : []),
  ]);
  const context = JSON.stringify(result.finalContext, null, 2);
  return `${summary}\n\n${taskTable(result)}\n\nfinal context:\n${context}`;
}

/** The JSON form of an execution result (plain data, stable field names). */
export function executionJson(result: WorkflowExecutionResult): unknown {
  return { ...result, finalContext: result.finalContext.toJSON() };
}
