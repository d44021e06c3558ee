/**
 * Claim-guarded task writes. Each write names the claim it holds (`claimId`); a runner whose claim
 * was swept, released or cancelled writes nothing, so no attempt's outcome is recorded twice.
 */
import type { SqlValue, Tx } from '../db.js';
import { EventType } from '../rows.js';
import type { ClaimWrite, Completion } from '../records.js';
import { freeText } from '../text.js';
import { appendEvent } from './events.js';
import { recheck } from './filters.js';
import {
  closeTasks,
  compare,
  finishClosed,
  propagateAll,
  recordFinished,
  type Closed,
  type KnownResult,
  type SettledTask,
} from './progress.js';
import { mayGuessSoleEnds, writeSoleEnds } from './sole-ends.js';

const HELD = `id = ? AND claim_id = ? AND status IN ('Running', 'Deferred')`;

interface FinishedRow {
  execution_id: string;
  task_id: string;
  dependents: string;
  attempt: number;
  attempt_started_at_ms: number | null;
}

const FINISHED_COLUMNS = 'execution_id, task_id, dependents, attempt, attempt_started_at_ms';

interface CompletedRow extends FinishedRow {
  id: string;
}

/**
 * The claim-guarded update of a batch of completions, returning the rows it changed. With
 * `countLeaves` (where writes chain: `Capabilities.chainedWrites`), the same statement also
 * takes the tasks without dependents off their executions' open-task counters: a data-modifying CTE, so that a batch of such tasks
 * needs no round trip between the update and the read of the executions it may close.
 */
function completionStatement(count: number, lockWhere: string, countLeaves: boolean): string {
  const update = `UPDATE task_executions
     SET status = 'Completed', output_context = v.column3, error_message = NULL,
         completed_at_ms = ?, claimed_by = NULL, claim_id = NULL, heartbeat_at_ms = NULL
     FROM (VALUES ${new Array<string>(count).fill('(?, ?, ?)').join(', ')}) AS v
     WHERE ${lockWhere}id = v.column1 AND claim_id = v.column2
       AND ${recheck('status', "'Running', 'Deferred'")}
     RETURNING id, ${FINISHED_COLUMNS}`;
  if (!countLeaves) return update;
  return `WITH done AS (${update}),
     counted AS (
       UPDATE workflow_executions e SET open_tasks = open_tasks - d.n, updated_at_ms = ?
       FROM (SELECT execution_id, COUNT(*) AS n FROM done WHERE dependents = '[]'
             GROUP BY execution_id) AS d
       WHERE e.id = d.execution_id)
     SELECT * FROM done`;
}

/**
 * Records successful attempts with their outputs, several in a few set-based statements:
 * the claim-guarded update of every task at once, the dependents of each task that has some,
 * then one counter update and one outcome update for all the executions involved. Returns,
 * in input order, whether each claim was still held (a lost claim writes nothing), and what
 * `alongside` returned: it runs once, after the dependents are settled and next to the read of
 * the closing executions, so that where statements cost round trips a read it makes (the claim of the next tasks)
 * shares that round trip.
 *
 * Where writes chain, the counters of tasks without dependents move with the update itself (see
 * {@link completionStatement}); when no task of the batch has dependents, the read of the
 * closing executions and `alongside` are sent with the update, so such a batch costs two round
 * trips: update, closing read and claim; outcome with COMMIT. When every task is the only one
 * of its execution, the outcomes are guessed instead of read (see `sole-ends.ts`): one round
 * trip, or two with a claim.
 */
export async function completeTasks<T>(
  tx: Tx,
  input: { completions: readonly Completion[]; nowMs: number; runnerId: string },
  alongside: () => Promise<T>,
): Promise<{ held: boolean[]; alongside: T }> {
  if (input.completions.length === 0) return { held: [], alongside: await alongside() };
  const executionIds = input.completions.map((c) => c.executionId);
  tx.locks.rowsInIdOrder(tx, 'workflow_executions', executionIds);
  const values: SqlValue[] = [];
  for (const c of input.completions) {
    values.push(c.taskExecutionId, c.claimId, JSON.stringify(c.output));
  }
  // Task rows are locked in id order, as heartbeats lock them (see `heartbeat`).
  const lock = tx.locks.idOrderPrefix(
    'task_executions',
    input.completions.map((c) => c.taskExecutionId),
  );
  const countLeaves = tx.capabilities.chainedWrites;
  const statement = completionStatement(input.completions.length, lock.where, countLeaves);
  const params = [input.nowMs, ...values, ...lock.params, ...(countLeaves ? [input.nowMs] : [])];
  // Where writes chain, the ends of sole tasks need no read: the whole write goes with COMMIT.
  if (countLeaves && mayGuessSoleEnds(tx, input.completions)) {
    tx.write(statement, params);
    writeSoleEnds(tx, input.completions, input.nowMs, input.runnerId);
    return { held: input.completions.map(() => true), alongside: await alongside() };
  }
  const updated = tx.all<CompletedRow>(statement, params);
  // Issued in this turn, after the update: they travel in its round trip, and their results
  // settle after the update's, so the task events are recorded before any outcome's.
  const early =
    countLeaves && input.completions.every((c) => c.hasDependents === false)
      ? Promise.all([
          finishClosed(tx, [...new Set(executionIds)], input.nowMs, input.runnerId),
          alongside(),
        ])
      : undefined;
  let rows: CompletedRow[];
  try {
    rows = await updated;
  } catch (error) {
    early?.catch(() => undefined); // the same failure; reported once
    throw error;
  }
  const closed: Closed[] = [];
  // In a fixed order, like the locks: dependents of one execution are updated together.
  rows.sort((a, b) => compare(a.execution_id, b.execution_id) || compare(a.task_id, b.task_id));
  // What this batch completed, by execution: dependents read these outputs from memory.
  const outputById = new Map(input.completions.map((c) => [c.taskExecutionId, c.output]));
  const known = new Map<string, Map<string, KnownResult>>();
  for (const row of rows) {
    const results = known.get(row.execution_id) ?? new Map<string, KnownResult>();
    results.set(row.task_id, { status: 'Completed', output: outputById.get(row.id) ?? null });
    known.set(row.execution_id, results);
  }
  const settled: SettledTask[] = [];
  for (const row of rows) {
    appendEvent(tx, {
      executionId: row.execution_id,
      taskId: row.task_id,
      type: EventType.TaskCompleted,
      data: { attempt: row.attempt, durationMs: durationOf(row, input.nowMs) },
      runnerId: input.runnerId,
      nowMs: input.nowMs,
    });
    const dependents = JSON.parse(row.dependents) as string[];
    if (dependents.length === 0)
      // Counted by the update already where it counts leaves: only the closing check is left.
      closed.push({ executionId: row.execution_id, closed: countLeaves ? 0 : 1, failed: 0 });
    else
      settled.push({
        executionId: row.execution_id,
        taskId: row.task_id,
        failed: false,
        dependents,
      });
  }
  const held = new Set(rows.map((row) => row.id));
  const heldInOrder = input.completions.map((c) => held.has(c.taskExecutionId));
  if (early !== undefined) {
    const [, extra] = await early;
    if (settled.length > 0) {
      // A task said to have no dependents had some: settle them as usual; `alongside` already
      // ran, and a dependent made Ready here is claimed by the next pass.
      closed.push(...(await propagateAll(tx, settled, input.nowMs, input.runnerId, known)));
      await closeTasks(tx, closed, input.nowMs, input.runnerId);
    }
    return { held: heldInOrder, alongside: extra };
  }
  closed.push(...(await propagateAll(tx, settled, input.nowMs, input.runnerId, known)));
  // Both issue their reads in this turn, before either awaits.
  const [, extra] = await Promise.all([
    closeTasks(tx, closed, input.nowMs, input.runnerId),
    alongside(),
  ]);
  return { held: heldInOrder, alongside: extra };
}

/** Records final failure; dependents are evaluated in the same transaction. */
export async function failTask(
  tx: Tx,
  input: ClaimWrite & { executionId: string; errorMessage: string },
): Promise<boolean> {
  const errorMessage = freeText(input.errorMessage);
  tx.locks.rowsInIdOrder(tx, 'workflow_executions', [input.executionId]);
  const row = await tx.get<FinishedRow>(
    `UPDATE task_executions
     SET status = 'Failed', error_message = ?, completed_at_ms = ?,
         claimed_by = NULL, claim_id = NULL, heartbeat_at_ms = NULL
     WHERE ${HELD} RETURNING ${FINISHED_COLUMNS}`,
    [errorMessage, input.nowMs, input.taskExecutionId, input.claimId],
  );
  if (row === undefined) return false;
  await recordFinished(tx, {
    executionId: row.execution_id,
    taskId: row.task_id,
    dependentsJson: row.dependents,
    failed: true,
    event: EventType.TaskFailed,
    data: {
      attempt: row.attempt,
      error: errorMessage,
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
  const errorMessage = freeText(input.errorMessage);
  const row = await tx.get<FinishedRow>(
    `UPDATE task_executions
     SET status = 'Ready', attempt = attempt + 1, error_message = ?, ready_at_ms = ?,
         claimed_by = NULL, claim_id = NULL, heartbeat_at_ms = NULL
     WHERE ${HELD} RETURNING ${FINISHED_COLUMNS}`,
    [errorMessage, input.retryAtMs, input.taskExecutionId, input.claimId],
  );
  if (row === undefined) return false;
  appendEvent(tx, {
    executionId: row.execution_id,
    taskId: row.task_id,
    type: EventType.TaskRetryScheduled,
    data: {
      failedAttempt: row.attempt - 1,
      nextAttempt: row.attempt,
      retryAtMs: input.retryAtMs,
      error: errorMessage,
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
  return row.attempt_started_at_ms === null ? null : nowMs - row.attempt_started_at_ms;
}
