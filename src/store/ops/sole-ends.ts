/**
 * Guessed ends (PostgreSQL). When the only task of an execution completes on its first attempt,
 * the execution ends with it: Completed, the task's output as its final context, timed from the
 * claim that started both. Nothing needs to be read to know that, so such a completion writes
 * the task, the outcome and their events at once, the outcome as a write whose WHERE checks
 * what was assumed and which must change every execution (`Tx.writeExactly`): the transaction
 * is one round trip instead of two (a claim of the next tasks adds its own). When the check
 * finds the guess wrong (the claim was lost, the execution was cancelled, has a concurrency key
 * or was started by a schedule, whose ends write more), the transaction rolls back whole and
 * runs again reading first, as without the guess; that workflow's completions then read first
 * for a while (see `PlaceGuesses`).
 */
import { mergeAll } from '../../core/merge.js';
import type { SqlValue, Tx } from '../db.js';
import type { Completion, SoleTask } from '../records.js';
import { ACTIVE_STATUS_SQL, EventType } from '../rows.js';
import { appendEvent } from './events.js';
import { compare, markEnded } from './progress.js';
import { mayGuess } from './place-guesses.js';

/** A completion whose claim said it is the only task of its execution. */
type SoleCompletion = Completion & { readonly soleTask: SoleTask };

/**
 * Whether `tx` may end the executions of `completions` by guessing: every one is a sole task's,
 * of distinct executions, and no guess about their workflows was refused recently.
 */
export function mayGuessSoleEnds(
  tx: Tx,
  completions: readonly Completion[],
): completions is readonly SoleCompletion[] {
  if (!completions.every((c): c is SoleCompletion => c.soleTask !== undefined)) return false;
  if (new Set(completions.map((c) => c.executionId)).size !== completions.length) return false;
  const workflows = new Set(completions.map((c) => `sole-end:${c.soleTask.workflowName}`));
  return mayGuess(tx, [...workflows]);
}

/**
 * After the claim-guarded update of `completions` (sent, not read): the outcomes of their
 * executions, checked as they are written, and the events of the tasks and the executions; all
 * writes nobody reads back.
 */
export function writeSoleEnds(
  tx: Tx,
  completions: readonly SoleCompletion[],
  nowMs: number,
  runnerId: string,
): void {
  const sorted = [...completions].sort((a, b) => compare(a.executionId, b.executionId));
  const values: SqlValue[] = [];
  for (const c of sorted) {
    values.push(c.executionId, JSON.stringify(mergeAll([c.output])), c.soleTask.claimedAtMs);
  }
  const ended = sorted.map((c) => c.executionId);
  markEnded(tx, ended);
  // The guess, checked by the outcome's own WHERE: each execution is still open, with no task
  // left open or failed (so the claim was held and this completion closed it), nothing else to
  // write at its end, the start time the events are timed from, and exactly one task.
  tx.writeExactly(
    `UPDATE workflow_executions
     SET status = 'Completed', final_context = v.column2, error_message = NULL,
         completed_at_ms = ?, updated_at_ms = ?
     FROM (VALUES ${sorted.map(() => '(?, ?, CAST(? AS BIGINT))').join(', ')}) AS v
     WHERE id = v.column1 AND status IN (${ACTIVE_STATUS_SQL})
       AND open_tasks <= 0 AND failed_tasks = 0
       AND concurrency_key IS NULL AND schedule_linked = 0
       AND COALESCE(started_at_ms, created_at_ms) = v.column3
       AND (SELECT COUNT(*) FROM task_executions t
            WHERE t.execution_id = workflow_executions.id) = 1`,
    [nowMs, nowMs, ...values],
    sorted.length,
  );
  tx.signal('executions');
  // In the order of the reading path: the tasks' events, then their executions'.
  for (const c of sorted) {
    appendEvent(tx, {
      executionId: c.executionId,
      taskId: c.soleTask.taskId,
      type: EventType.TaskCompleted,
      data: { attempt: 1, durationMs: nowMs - c.soleTask.claimedAtMs },
      runnerId,
      nowMs,
    });
  }
  for (const c of sorted) {
    appendEvent(tx, {
      executionId: c.executionId,
      type: EventType.WorkflowCompleted,
      data: { durationMs: nowMs - c.soleTask.claimedAtMs },
      runnerId,
      nowMs,
    });
  }
}
