/** Creating executions and the operator controls: cancel, pause, resume. */
import { randomUUID } from 'node:crypto';
import { startOf } from '../../core/start.js';
import { InvalidStateError, NotFoundError } from '../../errors.js';
import type { SqlValue, Tx } from '../db.js';
import { EventType, toExecutionRecord, type ExecutionRecord, type ExecutionRow } from '../rows.js';
import type { ClaimedTask, NewExecution, ScheduledExecution } from '../store.js';
import { freeText } from '../text.js';
import { appendEvent } from './events.js';
import { finalContextOf } from './progress.js';
import { closeScheduleRuns, closeScheduleRunsLater } from './schedule-links.js';

/** Rows inserted per multi-row INSERT, well under both dialects' parameter limits. */
const INSERT_CHUNK = 50;

const EXECUTION_COLUMNS = `INSERT INTO workflow_executions
  (id, workflow_name, workflow_version, status, initial_context, final_context, open_tasks,
   failed_tasks, created_at_ms, started_at_ms, completed_at_ms, updated_at_ms, schedule_linked)`;

const TASK_COLUMNS = `INSERT INTO task_executions
  (id, execution_id, workflow_name, task_id, position, dependencies, dependents, trigger_rule,
   status, pending_deps, ready_at_ms, claimed_by, claim_id, heartbeat_at_ms, started_at_ms,
   attempt_started_at_ms, skip_reason, completed_at_ms)`;

/**
 * Writes `rows` (each `width` values) with `head` as multi-row INSERTs of at most
 * {@link INSERT_CHUNK} rows. One statement for many rows: on PostgreSQL, whose pending writes
 * travel as literal SQL, each statement is parsed and planned once, not once per execution.
 */
function insertRows(tx: Tx, head: string, width: number, rows: readonly SqlValue[][]): void {
  const row = `(${new Array<string>(width).fill('?').join(', ')})`;
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    const chunk = rows.slice(start, start + INSERT_CHUNK);
    tx.write(`${head} VALUES ${chunk.map(() => row).join(', ')}`, chunk.flat());
  }
}

/** Writes one execution (see {@link insertExecutions}). */
export function insertExecution(tx: Tx, input: NewExecution): ScheduledExecution {
  return insertExecutions(tx, [input])[0]!;
}

/**
 * Writes the execution rows, their initial contexts and one row per task in the caller's
 * transaction, all executions together. Roots are evaluated here against the initial context
 * (see `core/start.ts`): those whose rule holds are marked Ready, so no separate scan is needed
 * to start them; the others are Skipped, with their dependents settled, and an execution left
 * with no open task ends here. With `claimRoots`, the first Ready tasks are claimed for the
 * scheduling runner right away (Running, with their start events), which saves a claim
 * transaction and its latency. Written with `tx.write` (nothing is read back): on PostgreSQL the
 * whole scheduling transaction then travels in one round trip.
 */
export function insertExecutions(tx: Tx, inputs: readonly NewExecution[]): ScheduledExecution[] {
  const executionRows: SqlValue[][] = [];
  const taskRows: SqlValue[][] = [];
  const scheduled = inputs.map((input) => {
    const claimId = randomUUID();
    const start = startOf(input.tasks, input.initialContext);
    const ready = new Set(start.ready);
    const claimedIds = new Set(start.ready.slice(0, Math.max(0, input.claimRoots ?? 0)));
    // Every task skipped by its rule: the execution ends as it is written, with its input.
    const ended = start.skipped.size === input.tasks.length;
    const started = claimedIds.size > 0 || ended;
    const initialContext = JSON.stringify(input.initialContext);
    const row: ExecutionRow = {
      id: input.id,
      workflow_name: input.workflowName,
      workflow_version: input.workflowVersion,
      status: ended ? 'Completed' : started ? 'Running' : 'Pending',
      initial_context: initialContext,
      final_context: ended ? initialContext : null,
      error_message: null,
      pause_reason: null,
      open_tasks: input.tasks.length - start.skipped.size,
      failed_tasks: 0,
      created_at_ms: input.nowMs,
      started_at_ms: started ? input.nowMs : null,
      completed_at_ms: ended ? input.nowMs : null,
      updated_at_ms: input.nowMs,
      schedule_linked: input.scheduleLinked === true ? 1 : 0,
    };
    executionRows.push([
      row.id,
      row.workflow_name,
      row.workflow_version,
      row.status,
      row.initial_context,
      row.final_context,
      row.open_tasks,
      row.failed_tasks,
      row.created_at_ms,
      row.started_at_ms,
      row.completed_at_ms,
      row.updated_at_ms,
      row.schedule_linked ?? 0,
    ]);
    for (const task of input.tasks) {
      const isReady = ready.has(task.taskId);
      const skipReason = freeText(start.skipped.get(task.taskId) ?? null);
      const claimed = claimedIds.has(task.taskId);
      taskRows.push([
        `${input.id}:${task.taskId}`,
        input.id,
        input.workflowName,
        task.taskId,
        task.position,
        JSON.stringify(task.dependencies),
        JSON.stringify(task.dependents),
        JSON.stringify(task.triggerRule),
        claimed ? 'Running' : isReady ? 'Ready' : skipReason !== null ? 'Skipped' : 'NotStarted',
        start.pendingOf(task),
        isReady ? input.nowMs : null,
        claimed ? input.runnerId : null,
        claimed ? claimId : null,
        claimed ? input.nowMs : null,
        claimed ? input.nowMs : null,
        claimed ? input.nowMs : null,
        skipReason,
        skipReason !== null ? input.nowMs : null,
      ]);
    }
    const base = { executionId: input.id, runnerId: input.runnerId, nowMs: input.nowMs };
    const claimed: ClaimedTask[] = [];
    for (const [taskId, reason] of start.skipped) {
      appendEvent(tx, {
        ...base,
        taskId,
        type: EventType.TaskSkipped,
        data: { reason: freeText(reason) },
      });
    }
    for (const taskId of start.ready) {
      appendEvent(tx, { ...base, taskId, type: EventType.TaskReady });
    }
    if (started) appendEvent(tx, { ...base, type: EventType.WorkflowStarted });
    if (ended) {
      appendEvent(tx, { ...base, type: EventType.WorkflowCompleted, data: { durationMs: 0 } });
      if (input.scheduleLinked === true)
        closeScheduleRunsLater(tx, input.id, 'Completed', input.nowMs);
      tx.signal('executions');
    }
    for (const task of input.tasks) {
      if (!claimedIds.has(task.taskId)) continue;
      appendEvent(tx, {
        ...base,
        taskId: task.taskId,
        type: EventType.TaskStarted,
        data: { attempt: 1 },
      });
      claimed.push({
        taskExecutionId: `${input.id}:${task.taskId}`,
        claimId,
        executionId: input.id,
        workflowName: input.workflowName,
        workflowVersion: input.workflowVersion,
        taskId: task.taskId,
        attempt: 1,
        input: input.initialContext,
        hasDependents: task.dependents.length > 0,
      });
    }
    // Tasks left Ready wake the claimers (in this process and, on Postgres, the others).
    if (claimed.length < start.ready.length) tx.signal('tasks');
    return { record: toExecutionRecord(row), claimed };
  });
  insertRows(tx, EXECUTION_COLUMNS, 13, executionRows);
  insertRows(tx, TASK_COLUMNS, 18, taskRows);
  return scheduled;
}

async function loadForUpdate(tx: Tx, executionId: string): Promise<ExecutionRow> {
  const lock = tx.capabilities.rowLocks ? ' FOR UPDATE' : '';
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
  appendEvent(tx, {
    executionId: input.executionId,
    type: EventType.WorkflowCancelled,
    runnerId: input.runnerId,
    nowMs: input.nowMs,
  });
  if (Number(current.schedule_linked ?? 0) === 1) {
    await closeScheduleRuns(tx, input.executionId, 'Cancelled', input.nowMs);
  }
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
  const reason = freeText(input.reason);
  const row = await tx.get<ExecutionRow>(
    `UPDATE workflow_executions SET status = 'Paused', pause_reason = ?, updated_at_ms = ?
     WHERE id = ? RETURNING *`,
    [reason, input.nowMs, input.executionId],
  );
  appendEvent(tx, {
    executionId: input.executionId,
    type: EventType.WorkflowPaused,
    data: reason === null ? null : { reason },
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
  appendEvent(tx, {
    executionId: input.executionId,
    type: EventType.WorkflowResumed,
    runnerId: input.runnerId,
    nowMs: input.nowMs,
  });
  tx.signal('tasks');
  return toExecutionRecord(row!);
}
