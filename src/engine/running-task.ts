/**
 * One task attempt in flight in this runner: its claim, its slot, where it is in its life, and
 * how it is aborted.
 */
import type { ClaimRef, ClaimedTask } from '../store/store.js';
import type { Reservation } from './slots.js';
import type { TaskLogWriter } from './task-log.js';

/** Why a running task's signal was aborted. */
export type AbortCause = 'timeout' | 'cancelled' | 'claim_lost' | 'shutdown';

/**
 * Where an attempt is: its body runs (`running`) or waits in `deferUntil` without a slot
 * (`deferred`); its body returned and its outcome is being written (`settling`); its
 * bookkeeping is done (`finished`). The dispatcher makes every transition.
 */
export type TaskState = 'running' | 'deferred' | 'settling' | 'finished';

/** The key of an attempt: a task's row is claimed again by each attempt, under a new claim. */
export function attemptKey(ref: ClaimRef): string {
  return `${ref.taskExecutionId}/${ref.claimId}`;
}

/**
 * One task attempt in flight. Its AbortSignal is made only when something asks for it (most
 * no-op-fast tasks never do): an AbortController and its listener are a measurable share of a
 * short task's cost.
 */
export class RunningTask {
  state: TaskState = 'running';
  cause: AbortCause | undefined;
  /** Why the attempt was aborted, once it was. */
  reason: Error | undefined;
  /**
   * The runner slot it runs in: one while running, none while deferred, and none once given
   * up or passed on after its body returned (see `Dispatcher`).
   */
  slot: Reservation;
  done: Promise<void> = Promise.resolve();
  /** The attempt's log writer, made by its first `handle.log` line. */
  taskLog: TaskLogWriter | undefined;
  /** Monotonic start, for the duration metric (independent of an injected clock). */
  readonly startedAt = performance.now();
  /** Rejects with the reason when the attempt is aborted; the body races against it. */
  readonly aborted: Promise<never>;
  #rejectAborted: (reason: Error) => void = () => undefined;
  #controller: AbortController | undefined;

  constructor(
    readonly claim: ClaimedTask,
    slot: Reservation,
  ) {
    this.slot = slot;
    this.aborted = new Promise<never>((_, reject) => {
      this.#rejectAborted = reject;
    });
    // Nobody may be racing it any more when it rejects (the body already finished).
    this.aborted.catch(() => undefined);
  }

  get ref(): ClaimRef {
    return { taskExecutionId: this.claim.taskExecutionId, claimId: this.claim.claimId };
  }

  /** The attempt's signal, aborted with {@link reason}; created on first use. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.reason !== undefined) this.#controller.abort(this.reason);
    }
    return this.#controller.signal;
  }

  /** Aborts the attempt, once, with a reason the task can read. */
  abort(cause: AbortCause, reason: Error): void {
    if (this.state === 'finished' || this.reason !== undefined) return;
    this.cause = cause;
    this.reason = reason;
    this.#controller?.abort(reason);
    this.#rejectAborted(reason);
  }
}
