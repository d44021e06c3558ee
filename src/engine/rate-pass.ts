/**
 * A runner's rate pass: admits the executions waiting for a rate window (see
 * `ops/rate-admission.ts`) and keeps one timer armed for the earliest window still holding
 * waiters, so work starts as its window opens, whatever the period, and nothing polls in
 * between. The once-a-second admission pass of a runner with a rate-limited workflow runs it
 * too, which covers executions queued by other processes (their commits carry no events here).
 */
import type { Clock } from './clock.js';
import type { Store } from '../store/store.js';
import { after } from './timers.js';

/** Runs the rate pass on demand, one at a time, and re-arms its timer after each. */
export class RatePass {
  #cancelTimer: (() => void) | undefined;
  #timerAtMs = Number.POSITIVE_INFINITY;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly runnerId: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Runs the pass now, or once more after the one in flight (pokes in between coalesce). */
  poke(): void {
    if (this.#stopped) return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    this.#running = this.#loop().finally(() => {
      this.#running = undefined;
    });
  }

  /** Cancels the timer; later pokes do nothing. */
  stop(): void {
    this.#stopped = true;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
  }

  async #loop(): Promise<void> {
    do {
      this.#again = false;
      try {
        const { nextOpeningMs } = await this.store.admitRateLimited({
          nowMs: this.clock.now(),
          runnerId: this.runnerId,
        });
        if (nextOpeningMs !== null) this.#arm(nextOpeningMs);
      } catch (error) {
        this.onError(error);
      }
    } while (this.#again && !this.#stopped);
  }

  /** Arms the timer for `atMs`, unless one is armed for that time or earlier. */
  #arm(atMs: number): void {
    if (this.#stopped || (this.#cancelTimer !== undefined && this.#timerAtMs <= atMs)) return;
    this.#cancelTimer?.();
    this.#timerAtMs = atMs;
    // At least 1 ms: a timer that fires a hair early finds the window still full and re-arms.
    this.#cancelTimer = after(this.clock, Math.max(1, atMs - this.clock.now()), () => {
      this.#cancelTimer = undefined;
      this.#timerAtMs = Number.POSITIVE_INFINITY;
      this.poke();
    });
  }
}
