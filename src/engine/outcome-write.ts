/**
 * Writing an attempt's outcome through database trouble: transient failures are retried for as
 * long as the claim is ours, and an outcome the database refuses is replaced by a failure that
 * says so, so the claim is never left held for the sweeper to run the body again.
 */
import type { Clock, Logger } from '../core/options.js';
import { DatabaseError, toError } from '../errors.js';
import type { EngineMetrics } from './metrics.js';
import { problemOf, standIn, type Outcome } from './outcome.js';
import type { RunningTask } from './running-task.js';
import { sleep } from './timers.js';

/** The first wait before an outcome write that failed transiently is tried again. */
const WRITE_RETRY_FIRST_MS = 100;
/** The longest wait between tries of an outcome write (the waits double up to it). */
const WRITE_RETRY_MAX_MS = 2_000;
/**
 * Tries of an outcome write that fails with an error neither transient nor a refused value
 * before it counts as refused (~7 s of backoff); transient errors are retried for as long as
 * they last.
 */
const PERMANENT_ERROR_TRIES = 8;

/**
 * One try of a write; whether the claim was still held. `alone`: the outcome must not share a
 * transaction with others (a batch it was in was refused).
 */
export type WriteOnce = (task: RunningTask, outcome: Outcome, alone: boolean) => Promise<boolean>;

/** What {@link recordOutcome} needs. */
export interface OutcomeWriteDeps {
  readonly logger: Logger;
  /** Times the retries of a failed write. */
  readonly clock: Clock;
  readonly metrics: EngineMetrics;
  /** Aborted when running tasks are abandoned at shutdown: writes stop retrying. */
  readonly closing: AbortSignal;
  readonly writeOnce: WriteOnce;
}

/**
 * Records the attempt's outcome and returns what was recorded. Whatever goes wrong on the way
 * that a retry of the write cannot mend (a value the database refuses) is recorded as this
 * attempt's failure at once, saying what could not be stored. Rejects only when even that
 * failure is refused.
 */
export async function recordOutcome(
  deps: OutcomeWriteDeps,
  task: RunningTask,
  outcome: Outcome,
): Promise<Outcome> {
  try {
    await write(deps, task, outcome);
    return outcome;
  } catch (error) {
    // A last-resort failure is plain text; if even that cannot be written, the caller logs it.
    if (outcome.kind === 'fail' && outcome.lastResort === true) throw error;
    const problem = problemOf(outcome.kind);
    const { executionId, taskId } = task.claim;
    deps.logger.warn({ err: toError(error), executionId, taskId }, `the attempt's ${problem}`);
    const fallback = standIn(task, problem, error);
    await write(deps, task, fallback);
    return fallback;
  }
}

/**
 * A claim-guarded write of an attempt's outcome. A transient database failure (connection
 * lost, server restarting, pool exhausted, disk full, busy) is retried with backoff for as
 * long as it lasts: the runner still holds the claim and heartbeats it, and giving up would
 * leave the claim for the sweeper, which runs the body again. Writing is always safe to
 * retry: a claim lost meanwhile makes the write a no-op. It stops when the claim is known
 * lost or the task is abandoned at shutdown. Another database error is retried
 * {@link PERMANENT_ERROR_TRIES} times; then it, like a write the database refuses for its
 * values (or that cannot be serialised), is thrown.
 */
async function write(deps: OutcomeWriteDeps, task: RunningTask, outcome: Outcome): Promise<void> {
  const { logger } = deps;
  let held: boolean;
  let alone = false;
  for (let tries = 1; ; tries += 1) {
    try {
      held = await deps.writeOnce(task, outcome, alone);
      break;
    } catch (error) {
      const refused =
        !(error instanceof DatabaseError) ||
        error.refusedValue ||
        // Neither transient nor about the values (a missing privilege, a statement the
        // database rejects): tried for a while, in case it is mended, then taken as refused.
        (!error.retryable && tries >= PERMANENT_ERROR_TRIES);
      if (refused) {
        // A batch refused as a whole: another completion in it may have been the cause.
        if (outcome.kind === 'complete' && !alone) {
          alone = true;
          continue;
        }
        throw error;
      }
      const gone = task.cause === 'cancelled' || task.cause === 'claim_lost';
      if (gone || deps.closing.aborted) {
        logger.warn(
          { err: error, executionId: task.claim.executionId, taskId: task.claim.taskId },
          'writing a task outcome failed and the claim is no longer ours; the outcome was not written',
        );
        return;
      }
      const retryInMs = Math.min(WRITE_RETRY_MAX_MS, WRITE_RETRY_FIRST_MS * 2 ** (tries - 1));
      if (tries === 1 || tries % 10 === 0) {
        logger.warn(
          {
            err: error,
            executionId: task.claim.executionId,
            taskId: task.claim.taskId,
            tries,
            retryInMs,
          },
          'writing a task outcome failed; retrying while the claim is ours',
        );
      }
      await sleep(deps.clock, retryInMs, deps.closing);
    }
  }
  deps.metrics.taskFinished(
    held
      ? ({ complete: 'completed', fail: 'failed', retry: 'retried' } as const)[outcome.kind]
      : 'claim_lost',
    performance.now() - task.startedAt,
  );
  if (!held) {
    logger.warn(
      { executionId: task.claim.executionId, taskId: task.claim.taskId },
      'claim lost before the result was written; the result was discarded',
    );
  }
}
