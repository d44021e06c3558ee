/**
 * Claim-guarded task writes. Each write names the claim it holds (`claimId`); a runner whose claim
 * was swept, released or cancelled writes nothing, so no attempt's outcome is recorded twice.
 */
import type { JsonObject } from '../../core/json.js';
import type { Tx } from '../db.js';
import { EventType } from '../rows.js';
import type { ClaimWrite } from '../store.js';
import { appendEvent } from './events.js';
import { recordFinished } from './progress.js';

const HELD = `id = ? AND claim_id = ? AND status IN ('Running', 'Deferred')`;

interface FinishedRow {
  execution_id: string;
  task_id: string;
  dependents: string;
  attempt: number;
  attempt_started_at_ms: number | null;
}

const FINISHED_COLUMNS = 'execution_id, task_id, dependents, attempt, attempt_started_at_ms';

/** Records success with its output; dependents are evaluated in the same transaction. */
export async function completeTask(
  tx: Tx,
  input: ClaimWrite & { output: JsonObject },
): Promise<boolean> {
  const row = await tx.get<FinishedRow>(
    `UPDATE task_executions
     SET status = 'Completed', output_context = ?, error_message = NULL, completed_at_ms = ?,
         claimed_by = NULL, claim_id = NULL, heartbeat_at_ms = NULL
     WHERE ${HELD} RETURNING ${FINISHED_COLUMNS}`,
    [JSON.stringify(input.output), input.nowMs, input.taskExecutionId, input.claimId],
  );
  if (row === undefined) return false;
  await recordFinished(tx, {
    executionId: row.execution_id,
    taskId: row.task_id,
    dependentsJson: row.dependents,
    failed: false,
    event: EventType.TaskCompleted,
    data: { attempt: Number(row.attempt), durationMs: durationOf(row, input.nowMs) },
    nowMs: input.nowMs,
    runnerId: input.runnerId,
  });
  return true;
}

/** Records final failure; dependents are evaluated in the same transaction. */
export async function failTask(
  tx: Tx,
  input: ClaimWrite & { errorMessage: string },
): Promise<boolean> {
  const row = await tx.get<FinishedRow>(
    `UPDATE task_executions
     SET status = 'Failed', error_message = ?, completed_at_ms = ?,
         claimed_by = NULL, claim_id = NULL, heartbeat_at_ms = NULL
     WHERE ${HELD} RETURNING ${FINISHED_COLUMNS}`,
    [input.errorMessage, input.nowMs, input.taskExecutionId, input.claimId],
  );
  if (row === undefined) return false;
  await recordFinished(tx, {
    executionId: row.execution_id,
    taskId: row.task_id,
    dependentsJson: row.dependents,
    failed: true,
    event: EventType.TaskFailed,
    data: {
      attempt: Number(row.attempt),
      error: input.errorMessage,
      durationMs: durationOf(row, input.nowMs),
    },
    nowMs: input.nowMs,
    runnerId: input.runnerId,
  });
  return true;
}

/** Records a failed attempt; the task waits durably for `retryAtMs` as Ready with `attempt + 1`. */
export async function scheduleRetry(
  tx: Tx,
  input: ClaimWrite & { errorMessage: string; retryAtMs: number },
): Promise<boolean> {
  const row = await tx.get<FinishedRow>(
    `UPDATE task_executions
     SET status = 'Ready', attempt = attempt + 1, error_message = ?, ready_at_ms = ?,
         claimed_by = NULL, claim_id = NULL, heartbeat_at_ms = NULL
     WHERE ${HELD} RETURNING ${FINISHED_COLUMNS}`,
    [input.errorMessage, input.retryAtMs, input.taskExecutionId, input.claimId],
  );
  if (row === undefined) return false;
  appendEvent(tx, {
    executionId: row.execution_id,
    taskId: row.task_id,
    type: EventType.TaskRetryScheduled,
    data: {
      failedAttempt: Number(row.attempt) - 1,
      nextAttempt: Number(row.attempt),
      retryAtMs: input.retryAtMs,
      error: input.errorMessage,
    },
    runnerId: input.runnerId,
    nowMs: input.nowMs,
  });
  tx.signal('tasks');
  return true;
}

/** Marks a held task Deferred (its slot is free) or Running again. */
export async function setDeferred(
  tx: Tx,
  input: ClaimWrite & { deferred: boolean },
): Promise<boolean> {
  const row = await tx.get<FinishedRow>(
    `UPDATE task_executions SET status = ?, heartbeat_at_ms = ?
     WHERE ${HELD} RETURNING ${FINISHED_COLUMNS}`,
    [input.deferred ? 'Deferred' : 'Running', input.nowMs, input.taskExecutionId, input.claimId],
  );
  if (row === undefined) return false;
  appendEvent(tx, {
    executionId: row.execution_id,
    taskId: row.task_id,
    type: input.deferred ? EventType.TaskDeferred : EventType.TaskResumed,
    runnerId: input.runnerId,
    nowMs: input.nowMs,
  });
  return true;
}

function durationOf(row: FinishedRow, nowMs: number): number | null {
  return row.attempt_started_at_ms === null ? null : nowMs - Number(row.attempt_started_at_ms);
}
