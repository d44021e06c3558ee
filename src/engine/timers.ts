/**
 * Timer helpers that every engine timer goes through, so that a clock which owns time (the
 * virtual clock of `cloacina/testing`) drives them all. On a real clock they are Node timers.
 * Node's timers take at most 2^31−1 ms (~24.8 days): a longer delay fires after 1 ms, with only
 * a warning. Durations of the API accept more than that (`'30d'`), so long delays are reached
 * here by re-arming one timer in steps of at most {@link MAX_TIMER_STEP_MS}.
 */
import type { Clock } from '../core/options.js';

/** The longest delay one Node timer can wait (2^31−1 ms). */
export const MAX_TIMER_STEP_MS = 2 ** 31 - 1;

/** Options of {@link after}. */
export interface AfterOptions {
  /**
   * Whether the timer may keep the process alive. Background loops never should; a timer that
   * bounds work in flight (a task's timeout) may.
   * @default false
   */
  keepAlive?: boolean;
  /** The timer only batches writes (see `TimerOptions.writeBehind`). @default false */
  writeBehind?: boolean;
}

/**
 * Calls `fn` once after `ms` milliseconds of `clock`'s time, however long that is; returns a
 * function that cancels it (safe to call at any time, more than once).
 */
export function after(
  clock: Clock,
  ms: number,
  fn: () => void,
  options: AfterOptions = {},
): () => void {
  if (clock.setTimer !== undefined) {
    return clock.setTimer(Math.max(0, ms), fn, { writeBehind: options.writeBehind === true });
  }
  const deadline = performance.now() + Math.max(0, ms);
  let handle: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    const left = deadline - performance.now();
    if (left > MAX_TIMER_STEP_MS) {
      handle = setTimeout(arm, MAX_TIMER_STEP_MS);
    } else {
      handle = setTimeout(
        () => {
          handle = undefined;
          fn();
        },
        Math.max(0, left),
      );
    }
    if (options.keepAlive !== true) handle.unref();
  };
  arm();
  return () => {
    if (handle !== undefined) clearTimeout(handle);
    handle = undefined;
  };
}

/**
 * Runs `fn` every `ms` of `clock`'s time until the returned function is called. Each run is
 * scheduled from the previous one's start, so a long interval is as exact as {@link after}
 * makes it.
 */
export function every(clock: Clock, ms: number, fn: () => void): () => void {
  if (clock.setTimer === undefined && ms <= MAX_TIMER_STEP_MS) {
    const handle = setInterval(fn, ms);
    handle.unref();
    return () => clearInterval(handle);
  }
  let stopped = false;
  let cancel = (): void => undefined;
  const schedule = (): void => {
    cancel = after(clock, ms, () => {
      if (stopped) return;
      schedule();
      fn();
    });
  };
  schedule();
  return () => {
    stopped = true;
    cancel();
  };
}

/** Resolves after `ms` of `clock`'s time (any length), or at once when `signal` aborts. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const cancel = after(clock, ms, done, { keepAlive: true });
    function done(): void {
      cancel();
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
