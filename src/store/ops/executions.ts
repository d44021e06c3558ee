/** Creating executions and the operator controls: cancel, pause, resume. */
import { InvalidStateError, NotFoundError } from '../../errors.js';
import type { Tx } from '../db.js';
import { EventType, toExecutionRecord, type ExecutionRecord, type ExecutionRow } from '../rows.js';
import type { NewExecution } from '../store.js';
import { appendEvent } from './events.js';
import { finalContextOf } from './progress.js';
import { closeScheduleRuns } from './schedule-links.js';

/** Rows inserted per multi-row INSERT, well under both dialects' parameter limits. */
const INSERT_CHUNK = 50;

/**
 * Writes the execution row, its initial context and one row per task in the caller's
 * transaction. Roots are marked Ready here, so no separate scan is needed to start them.
 */
export async function insertExecution(tx: Tx, input: NewExecution): Promise<ExecutionRecord> {
  const row = await tx.get<ExecutionRow>(
    `INSERT INTO workflow_executions
       (id, workflow_name, workflow_version, status, initial_context, open_tasks, failed_tasks,
        created_at_ms, updated_at_ms)
     VALUES (?, ?, ?, 'Pending', ?, ?, 0, ?, ?) RETURNING *`,
    [
      input.id,
      input.workflowName,
      input.workflowVersion,
      JSON.stringify(input.initialContext),
      input.tasks.length,
      input.nowMs,
      input.nowMs,
    ],
  );
  for (let start = 0; start < input.tasks.length; start += INSERT_CHUNK) {
    const chunk = input.tasks.slice(start, start + INSERT_CHUNK);
    const values: (string | number | null)[] = [];
    for (const task of chunk) {
      const root = task.dependencies.length === 0;
      values.push(
        `${input.id}:${task.taskId}`,
        input.id,
        input.workflowName,
        task.taskId,
        task.position,
        JSON.stringify(task.dependencies),
        JSON.stringify(task.dependents),
        JSON.stringify(task.triggerRule),
        root ? 'Ready' : 'NotStarted',
        task.dependencies.length,
        root ? input.nowMs : null,
      );
    }
    await tx.run(
      `INSERT INTO task_executions
         (id, execution_id, workflow_name, task_id, position, dependencies, dependents, trigger_rule,
          status, pending_deps, ready_at_ms)
       VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      values,
    );
  }
  for (const task of input.tasks) {
    if (task.dependencies.length > 0) continue;
    await appendEvent(tx, {
      executionId: input.id,
      taskId: task.taskId,
      type: EventType.TaskReady,
      runnerId: input.runnerId,
      nowMs: input.nowMs,
    });
  }
  tx.signal('tasks');
  return toExecutionRecord(row!);
}

async function loadForUpdate(tx: Tx, executionId: string): Promise<ExecutionRow> {
  const lock = tx.capabilities.skipLocked ? ' FOR UPDATE' : '';
  const row = await tx.get<ExecutionRow>(`SELECT * FROM workflow_executions WHERE id = ?${lock}`, [
    executionId,
  ]);
  if (row === undefined) {
    throw new NotFoundError(
      `No workflow execution with id '${executionId}'. Check the id (listExecutions() shows recent ones).`,
    );
  }
  return row;
}

const TERMINAL = new Set(['Completed', 'Failed', 'Cancelled']);

/**
 * Hard cancel: every unfinished task becomes Cancelled (so a running task's late write is refused
 * by the claim guard), and the execution becomes Cancelled for good.
 */
export async function cancelExecution(
  tx: Tx,
  input: { executionId: string; nowMs: number; runnerId: string },
): Promise<ExecutionRecord> {
  const current = await loadForUpdate(tx, input.executionId);
  if (TERMINAL.has(current.status)) {
    throw new InvalidStateError(
      `Execution '${input.executionId}' is already ${current.status}; only an unfinished execution can be cancelled.`,
      current.status,
    );
  }
  await tx.run(
    `UPDATE task_executions
     SET status = 'Cancelled', completed_at_ms = ?, claimed_by = NULL, claim_id = NULL, heartbeat_at_ms = NULL
     WHERE execution_id = ? AND status IN ('NotStarted', 'Ready', 'Running', 'Deferred')`,
    [input.nowMs, input.executionId],
  );
  const { context } = await finalContextOf(tx, input.executionId);
  const row = await tx.get<ExecutionRow>(
    `UPDATE workflow_executions
     SET status = 'Cancelled', final_context = ?, error_message = ?, completed_at_ms = ?, updated_at_ms = ?
     WHERE id = ? RETURNING *`,
    [JSON.stringify(context), 'Execution cancelled', input.nowMs, input.nowMs, input.executionId],
  );
  await appendEvent(tx, {
    executionId: input.executionId,
    type: EventType.WorkflowCancelled,
    runnerId: input.runnerId,
    nowMs: input.nowMs,
  });
  await closeScheduleRuns(tx, input.executionId, 'Cancelled', input.nowMs);
  tx.signal('executions');
  return toExecutionRecord(row!);
}

/** Pending/Running → Paused: running tasks finish, no new task starts. */
export async function pauseExecution(
  tx: Tx,
  input: { executionId: string; reason: string | null; nowMs: number; runnerId: string },
): Promise<ExecutionRecord> {
  const current = await loadForUpdate(tx, input.executionId);
  if (current.status !== 'Pending' && current.status !== 'Running') {
    throw new InvalidStateError(
      `Execution '${input.executionId}' is ${current.status}; only a Pending or Running execution can be paused.`,
      current.status,
    );
  }
  const row = await tx.get<ExecutionRow>(
    `UPDATE workflow_executions SET status = 'Paused', pause_reason = ?, updated_at_ms = ?
     WHERE id = ? RETURNING *`,
    [input.reason, input.nowMs, input.executionId],
  );
  await appendEvent(tx, {
    executionId: input.executionId,
    type: EventType.WorkflowPaused,
    data: input.reason === null ? null : { reason: input.reason },
    runnerId: input.runnerId,
    nowMs: input.nowMs,
  });
  return toExecutionRecord(row!);
}

/** Paused → Running (or Pending if no task ever started). */
export async function resumeExecution(
  tx: Tx,
  input: { executionId: string; nowMs: number; runnerId: string },
): Promise<ExecutionRecord> {
  const current = await loadForUpdate(tx, input.executionId);
  if (current.status !== 'Paused') {
    throw new InvalidStateError(
      `Execution '${input.executionId}' is ${current.status}; only a Paused execution can be resumed.`,
      current.status,
    );
  }
  const row = await tx.get<ExecutionRow>(
    `UPDATE workflow_executions
     SET status = CASE WHEN started_at_ms IS NULL THEN 'Pending' ELSE 'Running' END,
         pause_reason = NULL, updated_at_ms = ?
     WHERE id = ? RETURNING *`,
    [input.nowMs, input.executionId],
  );
  await appendEvent(tx, {
    executionId: input.executionId,
    type: EventType.WorkflowResumed,
    runnerId: input.runnerId,
    nowMs: input.nowMs,
  });
  tx.signal('tasks');
  return toExecutionRecord(row!);
}
