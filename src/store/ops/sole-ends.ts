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
 * for a while (see `PlaceGuesses`). A lone such completion that claims nothing next goes as one
 * statement that commits alone (`Db.writeAlone`): no `BEGIN` or `COMMIT`, one statement for the
 * server to parse instead of nine, and the ended rows returned by its own updates.
 */
import { mergeAll } from '../../core/merge.js';
import { GuardRefusedError, type Db, type SqlValue, type Tx } from '../db.js';
import type { ClaimNext, Completion, CompletionsOutcome, SoleTask } from '../records.js';
import {
  ACTIVE_STATUS_SQL,
  EventType,
  toExecutionRecord,
  toTaskRecord,
  type ExecutionRow,
  type TaskRow,
} from '../rows.js';
import { appendEvent, newEvent, type EventInput } from './events.js';
import { recheck } from './filters.js';
import { compare, markEnded } from './progress.js';
import { mayGuess, type PlaceGuesses } from './place-guesses.js';

/** A completion whose claim said it is the only task of its execution. */
type SoleCompletion = Completion & { readonly soleTask: SoleTask };

/** The key under which refused guesses about the ends of `workflowName` are remembered. */
const guessKey = (workflowName: string): string => `sole-end:${workflowName}`;

/**
 * What the guess assumes of execution row `e` besides its open tasks and start time: still
 * open, no task failed, nothing else to write at its end (a concurrency key gives back a place,
 * a schedule link closes its run), and exactly one task.
 */
const soleEndHolds = (e: string): string =>
  `${e}.status IN (${ACTIVE_STATUS_SQL}) AND ${e}.failed_tasks = 0
       AND ${e}.concurrency_key IS NULL AND ${e}.schedule_linked = 0
       AND (SELECT COUNT(*) FROM task_executions t WHERE t.execution_id = ${e}.id) = 1`;

/** The events of a sole task's end: the task's, then its execution's, as the reading path. */
function soleEndEvents(
  c: SoleCompletion,
  nowMs: number,
  runnerId: string,
): { readonly task: EventInput; readonly execution: EventInput } {
  // From the start as stored (a whole number), as the reading path measures it.
  const durationMs = nowMs - Math.round(c.soleTask.claimedAtMs);
  return {
    task: {
      executionId: c.executionId,
      taskId: c.soleTask.taskId,
      type: EventType.TaskCompleted,
      data: { attempt: 1, durationMs },
      runnerId,
      nowMs,
    },
    execution: {
      executionId: c.executionId,
      type: EventType.WorkflowCompleted,
      data: { durationMs },
      runnerId,
      nowMs,
    },
  };
}

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
  const workflows = new Set(completions.map((c) => guessKey(c.soleTask.workflowName)));
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
     WHERE id = v.column1 AND open_tasks <= 0
       AND COALESCE(started_at_ms, created_at_ms) = v.column3
       AND ${soleEndHolds('workflow_executions')}`,
    [nowMs, nowMs, ...values],
    sorted.length,
  );
  tx.signal('executions');
  // In the order of the reading path: the tasks' events, then their executions'.
  const events = sorted.map((c) => soleEndEvents(c, nowMs, runnerId));
  for (const { task } of events) appendEvent(tx, task);
  for (const { execution } of events) appendEvent(tx, execution);
}

/**
 * The end of one sole task's execution as one statement that commits alone, where the adapter
 * folds statements so (`Db.writeAlone`, PostgreSQL) and the completion claims nothing next:
 * the outcome, checked by its own `WHERE` as in {@link writeSoleEnds}, the task's update
 * guarded by its claim, their events and the notice, with the ended rows returned by the
 * updates themselves instead of read back. A wrong guess (the claim lost, the execution not as
 * assumed) rolls the statement back: the guess is remembered as refused, and undefined tells
 * the caller to write the completion the usual way, as it does where this path does not apply.
 */
export async function endSoleTaskAlone(
  writeAlone: NonNullable<Db['writeAlone']>,
  guesses: PlaceGuesses,
  input: {
    readonly completions: readonly Completion[];
    readonly nowMs: number;
    readonly runnerId: string;
    readonly claimNext?: ClaimNext | undefined;
    readonly readEnded?: readonly string[] | undefined;
  },
): Promise<CompletionsOutcome | undefined> {
  const [first] = input.completions;
  if (input.completions.length !== 1 || first?.soleTask === undefined) return undefined;
  const c: SoleCompletion = { ...first, soleTask: first.soleTask };
  if ((input.claimNext?.limit ?? 0) > 0) return undefined;
  const key = guessKey(c.soleTask.workflowName);
  if (!guesses.allows(key)) return undefined;
  const { runnerId } = input;
  // Bound values of BIGINT columns must be whole: a clock may give fractions, which the usual
  // way's literals have the server round, so they are rounded here the same way. The events'
  // durations are measured as the usual way's are.
  const nowMs = Math.round(input.nowMs);
  const claimedAtMs = Math.round(c.soleTask.claimedAtMs);
  const output = JSON.stringify(c.output);
  const events = soleEndEvents(c, input.nowMs, runnerId);
  let rows: { execution: ExecutionRow; task: TaskRow }[] | undefined;
  try {
    rows = await writeAlone({
      // The execution first, as every writer locks it before its tasks; its open task is this
      // one, counted off here as the reading path's task update does.
      ctes: `ended AS (
         UPDATE workflow_executions e
         SET status = 'Completed', final_context = ?, error_message = NULL,
             open_tasks = e.open_tasks - 1, completed_at_ms = ?, updated_at_ms = ?
         WHERE e.id = ? AND e.open_tasks = 1
           AND COALESCE(e.started_at_ms, e.created_at_ms) = ? AND ${soleEndHolds('e')}
         RETURNING e.*),
       done AS (
         UPDATE task_executions t
         SET status = 'Completed', output_context = ?, error_message = NULL,
             completed_at_ms = ?, claimed_by = NULL, claim_id = NULL, heartbeat_at_ms = NULL
         FROM ended
         WHERE t.id = ? AND t.execution_id = ended.id AND t.claim_id = ?
           AND ${recheck('t.status', "'Running', 'Deferred'")}
         RETURNING t.*)`,
      cteParams: [
        JSON.stringify(mergeAll([c.output])),
        nowMs,
        nowMs,
        c.executionId,
        claimedAtMs,
        output,
        nowMs,
        c.taskExecutionId,
        c.claimId,
      ],
      select: `(SELECT row_to_json(ended) FROM ended) AS execution,
               (SELECT row_to_json(done) FROM done) AS task`,
      selectParams: [],
      exactly: { cte: 'done', rows: 1 },
      events: [events.task, events.execution].map((e) => newEvent({ ...e, nowMs })),
      channels: ['executions'],
    });
  } catch (error) {
    if (!(error instanceof GuardRefusedError)) throw error;
    guesses.refuse(key);
    return undefined;
  }
  if (rows === undefined) return undefined;
  const { execution, task } = rows[0]!;
  const asked = input.readEnded?.includes(c.executionId) === true;
  const ended = { record: toExecutionRecord(execution), tasks: [toTaskRecord(task)] };
  return { held: [true], claimed: [], moreReady: false, ...(asked ? { ended: [ended] } : {}) };
}
