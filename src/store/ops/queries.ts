/** Read-side queries: executions, tasks, events, and event pruning (lists: `execution-pages.ts`). */
import type { JsonObject } from '../../core/json.js';
import type { SqlValue, Tx } from '../db.js';
import type { EndedExecution } from '../records.js';
import {
  ACTIVE_STATUS_SQL,
  SCHEDULE_EVENT_TYPES,
  toExecutionEvent,
  toExecutionRecord,
  toTaskRecord,
  type EventRow,
  type ExecutionEvent,
  type ExecutionRecord,
  type ExecutionRow,
  type TaskRecord,
  type TaskRow,
} from '../rows.js';
import { EVENT_RUNNER, EVENT_RUNNER_JOIN, placeholders } from './events.js';
import { recheck } from './filters.js';

/** One execution, or null. */
export async function getExecution(tx: Tx, executionId: string): Promise<ExecutionRecord | null> {
  const row = await tx.get<ExecutionRow>('SELECT * FROM workflow_executions WHERE id = ?', [
    executionId,
  ]);
  return row === undefined ? null : toExecutionRecord(row);
}

/**
 * The tasks of the executions among `ids`, by execution id and then in topological order: the
 * tasks of a list of executions in one statement (a range of the `(execution_id, task_id)`
 * key per execution), not one round trip per execution.
 */
export async function getTasksOf(tx: Tx, ids: readonly string[]): Promise<TaskRecord[]> {
  if (ids.length === 0) return [];
  const rows = await tx.all<TaskRow>(
    `SELECT * FROM task_executions WHERE execution_id IN (${placeholders(ids.length)})
     ORDER BY execution_id, position`,
    ids,
  );
  return rows.map(toTaskRecord);
}

/** Executions that have ended, checked again where the status is read. */
const TERMINAL = recheck('status', "'Completed', 'Failed', 'Cancelled'");

/**
 * The executions among `ids` that have ended, each with its tasks: the terminal records and the
 * task rows of the terminal ones, in two statements asked for together (one round trip on
 * PostgreSQL; under autocommit each reads its own snapshot, which changes nothing here: the
 * task rows of an ended execution no longer change).
 */
export function getEndedExecutions(tx: Tx, ids: readonly string[]): Promise<EndedExecution[]> {
  return endedWithTasks(
    ids,
    (sql, params) => tx.all(sql, params),
    (list) => `SELECT id FROM workflow_executions WHERE id IN (${list}) AND ${TERMINAL}`,
  );
}

/**
 * Executions `tx` ended, as {@link getEndedExecutions} reads them, read as it commits
 * ({@link Tx.readAtCommit}) for callers of this process that wait for them. Their tasks are
 * read without the second look at the status, which they need no more: `ids` ended here.
 * Await it only after the transaction resolved.
 */
export function getEndedAtCommit(tx: Tx, ids: readonly string[]): Promise<EndedExecution[]> {
  return endedWithTasks(
    ids,
    (sql, params) => tx.readAtCommit(sql, params),
    (list) => list,
  );
}

/**
 * The terminal records among `ids` and the task rows of `tasksOf` (an IN list of executions,
 * given the placeholders of `ids`), read through `read`, each task under its execution.
 */
async function endedWithTasks(
  ids: readonly string[],
  read: <T>(sql: string, params: readonly SqlValue[]) => Promise<T[]>,
  tasksOf: (list: string) => string,
): Promise<EndedExecution[]> {
  if (ids.length === 0) return [];
  const list = placeholders(ids.length);
  const [rows, taskRows] = await Promise.all([
    read<ExecutionRow>(
      `SELECT * FROM workflow_executions WHERE id IN (${list}) AND ${TERMINAL}`,
      ids,
    ),
    read<TaskRow>(
      `SELECT * FROM task_executions WHERE execution_id IN (${tasksOf(list)})
       ORDER BY execution_id, position`,
      ids,
    ),
  ]);
  const records = rows.map(toExecutionRecord);
  // Task rows of an execution the first statement did not return (one that ended between the
  // two statements, or had not ended) are left out with it.
  const tasks = new Map<string, TaskRecord[]>(records.map((r) => [r.id, []]));
  for (const row of taskRows) tasks.get(row.execution_id)?.push(toTaskRecord(row));
  return records.map((record) => ({ record, tasks: tasks.get(record.id)! }));
}

/** Tasks of an execution in topological order. */
export async function getTasks(tx: Tx, executionId: string): Promise<TaskRecord[]> {
  const rows = await tx.all<TaskRow>(
    'SELECT * FROM task_executions WHERE execution_id = ? ORDER BY position',
    [executionId],
  );
  return rows.map(toTaskRecord);
}

/** A task with the context a claim of it hands over (see {@link getTask}). */
export interface TaskWithInput extends TaskRecord {
  /**
   * `COALESCE(input_context, initial_context)`, what the claim statement (`claims.ts`) gives
   * the task to run with: the smart merge of its completed dependencies' outputs that
   * `inputContextFor` (`progress.ts`) stored when it made the task Ready, or the execution's
   * initial context when none completed (and for a root). Read back, not merged again, so it
   * is exactly what the task started from. It means something only once the task has been
   * Ready: before that it is the initial context whatever the dependencies will give.
   */
  readonly inputContext: JsonObject;
}

/** One task of an execution, with its input (one look-up of the unique key), or null. */
export async function getTask(
  tx: Tx,
  executionId: string,
  taskId: string,
): Promise<TaskWithInput | null> {
  const row = await tx.get<TaskRow & { input: string }>(
    `SELECT t.*, COALESCE(t.input_context, e.initial_context) AS input
     FROM task_executions t JOIN workflow_executions e ON e.id = t.execution_id
     WHERE t.execution_id = ? AND t.task_id = ?`,
    [executionId, taskId],
  );
  if (row === undefined) return null;
  return { ...toTaskRecord(row), inputContext: JSON.parse(row.input) as JsonObject };
}

/**
 * Types left out of an execution's history, as a SQL list: trigger and cron events (see
 * `SCHEDULE_EVENT_TYPES`), and the lines its tasks logged (read those per attempt, see
 * `getTaskLog`).
 */
const HIDDEN_TYPES = [...SCHEDULE_EVENT_TYPES, 'task_log'].map((type) => `'${type}'`).join(', ');

/** The columns of an event row `ev` (an {@link EventRow}), its writer's id read back. */
const EVENT_COLUMNS = `ev.id, ev.execution_id, ev.task_id, ev.event_type, ev.data,
  ${EVENT_RUNNER} AS runner_id, ev.created_at_ms`;

/**
 * Execution and task events of an execution, in the order they were appended. Trigger and cron
 * events naming it (its fire, fires it suppressed) are in the event feed, not in its history;
 * its tasks' log lines are read per attempt.
 */
export async function getEvents(tx: Tx, executionId: string): Promise<ExecutionEvent[]> {
  const rows = await tx.all<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM execution_events ev ${EVENT_RUNNER_JOIN}
     WHERE ev.execution_id = ? AND ev.event_type NOT IN (${HIDDEN_TYPES})
     ORDER BY ev.id`,
    [executionId],
  );
  return rows.map(toExecutionEvent);
}

/** Input of {@link getEventsPage}. */
export interface EventPageFilter {
  readonly executionId: string;
  /** Events with a greater id only; from the first when null. */
  readonly afterId: number | null;
  /** Event types left out of the page (e.g. log lines, read elsewhere). */
  readonly excludeTypes: readonly string[];
  readonly limit: number;
}

/**
 * Up to `limit` events of an execution after `afterId`, oldest first: a range of
 * `execution_events_by_execution`, whose order is the page's.
 */
export async function getEventsPage(tx: Tx, filter: EventPageFilter): Promise<ExecutionEvent[]> {
  const where = ['ev.execution_id = ?'];
  const params: (string | number)[] = [filter.executionId];
  if (filter.afterId !== null) {
    where.push('ev.id > ?');
    params.push(filter.afterId);
  }
  if (filter.excludeTypes.length > 0) {
    where.push(`ev.event_type NOT IN (${placeholders(filter.excludeTypes.length)})`);
    params.push(...filter.excludeTypes);
  }
  const rows = await tx.all<EventRow>(
    `SELECT ${EVENT_COLUMNS} FROM execution_events ev ${EVENT_RUNNER_JOIN}
     WHERE ${where.join(' AND ')} ORDER BY ev.id LIMIT ?`,
    [...params, filter.limit],
  );
  return rows.map(toExecutionEvent);
}

/**
 * Events a cleanup may remove: older than the cut, and not of an execution that has not ended
 * (its history is still being written, and pages and streams read it). Ended means one of the
 * terminal statuses, named: an execution in any other status, including one added later, keeps
 * its events. Events of no execution, or of one already pruned, have no such row.
 */
const PRUNABLE_EVENTS = `created_at_ms < ?
  AND NOT EXISTS (SELECT 1 FROM workflow_executions e
                  WHERE e.id = execution_events.execution_id
                    AND e.status NOT IN ('Completed', 'Failed', 'Cancelled'))`;

/**
 * Deletes (or, with `dryRun`, counts) events older than `olderThanMs`, except those of
 * executions that have not ended; with `limit`, deletes at most that many. A batch takes the
 * first prunable rows the age index yields, without sorting them, so it reads about what it
 * deletes (plus the kept events of old executions that have not ended).
 */
export async function cleanupEvents(
  tx: Tx,
  input: { olderThanMs: number; dryRun?: boolean; limit?: number },
): Promise<number> {
  if (input.dryRun === true) {
    const row = await tx.get<{ n: number }>(
      `SELECT COUNT(*) AS n FROM execution_events WHERE ${PRUNABLE_EVENTS}`,
      [input.olderThanMs],
    );
    return row?.n ?? 0;
  }
  if (input.limit === undefined) {
    return tx.run(`DELETE FROM execution_events WHERE ${PRUNABLE_EVENTS}`, [input.olderThanMs]);
  }
  return tx.run(
    `DELETE FROM execution_events WHERE id IN (
       SELECT id FROM execution_events WHERE ${PRUNABLE_EVENTS} LIMIT ?)`,
    [input.olderThanMs, input.limit],
  );
}

/** Executions not yet ended (Scheduled, Pending, Running or Paused). */
/** Queued executions by workflow (the status's range of `workflow_executions_by_status`). */
export async function countQueuedExecutions(
  tx: Tx,
): Promise<{ workflowName: string; count: number }[]> {
  const rows = await tx.all<{ workflow_name: string; n: number }>(
    `SELECT workflow_name, COUNT(*) AS n FROM workflow_executions WHERE status = 'Queued'
     GROUP BY workflow_name ORDER BY workflow_name`,
  );
  return rows.map((row) => ({ workflowName: row.workflow_name, count: Number(row.n) }));
}

export async function countActiveExecutions(tx: Tx): Promise<number> {
  const row = await tx.get<{ n: number }>(
    `SELECT COUNT(*) AS n FROM workflow_executions WHERE status IN (${ACTIVE_STATUS_SQL})`,
  );
  return row?.n ?? 0;
}
