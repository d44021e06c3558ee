/** Read-side queries: executions, tasks, events, and event pruning. */
import type { Tx } from '../db.js';
import {
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
import type { ExecutionFilter } from '../store.js';
import { placeholders } from './events.js';

/** One execution, or null. */
export async function getExecution(tx: Tx, executionId: string): Promise<ExecutionRecord | null> {
  const row = await tx.get<ExecutionRow>('SELECT * FROM workflow_executions WHERE id = ?', [
    executionId,
  ]);
  return row === undefined ? null : toExecutionRecord(row);
}

/** The executions among `ids` that have reached a terminal status. */
export async function getTerminalExecutions(
  tx: Tx,
  ids: readonly string[],
): Promise<ExecutionRecord[]> {
  if (ids.length === 0) return [];
  const rows = await tx.all<ExecutionRow>(
    `SELECT * FROM workflow_executions
     WHERE id IN (${placeholders(ids.length)}) AND status IN ('Completed', 'Failed', 'Cancelled')`,
    ids,
  );
  return rows.map(toExecutionRecord);
}

/** Tasks of an execution in topological order. */
export async function getTasks(tx: Tx, executionId: string): Promise<TaskRecord[]> {
  const rows = await tx.all<TaskRow>(
    'SELECT * FROM task_executions WHERE execution_id = ? ORDER BY position',
    [executionId],
  );
  return rows.map(toTaskRecord);
}

/** Executions, newest first. */
export async function listExecutions(tx: Tx, filter: ExecutionFilter): Promise<ExecutionRecord[]> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (filter.workflowName !== undefined) {
    where.push('workflow_name = ?');
    params.push(filter.workflowName);
  }
  if (filter.status !== undefined) {
    where.push('status = ?');
    params.push(filter.status);
  }
  const rows = await tx.all<ExecutionRow>(
    `SELECT * FROM workflow_executions ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY created_at_ms DESC, id DESC LIMIT ? OFFSET ?`,
    [...params, filter.limit, filter.offset],
  );
  return rows.map(toExecutionRecord);
}

/** Events of an execution, in the order they were appended. */
export async function getEvents(tx: Tx, executionId: string): Promise<ExecutionEvent[]> {
  const rows = await tx.all<EventRow>(
    'SELECT * FROM execution_events WHERE execution_id = ? ORDER BY id',
    [executionId],
  );
  return rows.map(toExecutionEvent);
}

/** Deletes (or, with `dryRun`, counts) events older than `olderThanMs`. */
export async function cleanupEvents(
  tx: Tx,
  input: { olderThanMs: number; dryRun?: boolean },
): Promise<number> {
  if (input.dryRun === true) {
    const row = await tx.get<{ n: number }>(
      'SELECT COUNT(*) AS n FROM execution_events WHERE created_at_ms < ?',
      [input.olderThanMs],
    );
    return Number(row?.n ?? 0);
  }
  return tx.run('DELETE FROM execution_events WHERE created_at_ms < ?', [input.olderThanMs]);
}

/** Executions not yet ended (Pending, Running or Paused). */
export async function countActiveExecutions(tx: Tx): Promise<number> {
  const row = await tx.get<{ n: number }>(
    `SELECT COUNT(*) AS n FROM workflow_executions WHERE status IN ('Pending', 'Running', 'Paused')`,
  );
  return Number(row?.n ?? 0);
}
