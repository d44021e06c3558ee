/**
 * A clock that owns time: it moves only when told, and every engine timer set through it fires
 * when the clock reaches the timer's time. `createTestRunner` drives one; tests rarely need it
 * directly.
 */
import type { Clock, TimerOptions } from '../core/options.js';

interface Timer {
  readonly at: number;
  /** Order of setting: timers due at one instant fire in the order they were set. */
  readonly seq: number;
  readonly fn: () => void;
  readonly writeBehind: boolean;
}

/** The instant a virtual clock starts at unless told otherwise: 2026-01-01T00:00:00Z. */
export const DEFAULT_START = Date.UTC(2026, 0, 1);

/** A virtual clock: `now()` moves only through {@link VirtualClock.moveTo}. */
export class VirtualClock implements Clock {
  #now: number;
  #seq = 0;
  /** Pending timers sorted by (at, seq); a handful at a time, so a sorted array is enough. */
  readonly #timers: Timer[] = [];

  /** State of the seeded generator behind {@link VirtualClock.random}. */
  #seed: number;

  constructor(start: number | Date = DEFAULT_START, seed = 1) {
    this.#seed = seed >>> 0;
    this.#now = typeof start === 'number' ? start : start.getTime();
    if (!Number.isFinite(this.#now)) {
      throw new RangeError(`A virtual clock needs a finite start time, received ${String(start)}.`);
    }
  }

  /** The virtual time, epoch milliseconds. */
  now(): number {
    return this.#now;
  }

  /**
   * A number in [0, 1) from a seeded generator (mulberry32): retry jitter repeats run to run.
   * Bound, so the engine may call it detached from the clock.
   */
  readonly random = (): number => {
    this.#seed = (this.#seed + 0x6d2b79f5) >>> 0;
    let t = this.#seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  /** Sets a timer at `now() + delayMs` of virtual time; returns its cancel function. */
  setTimer(delayMs: number, fn: () => void, options: TimerOptions = {}): () => void {
    const timer: Timer = {
      at: this.#now + Math.max(0, delayMs),
      seq: this.#seq++,
      fn,
      writeBehind: options.writeBehind === true,
    };
    this.#timers.splice(this.#indexAfter(timer), 0, timer);
    return () => {
      const index = this.#timers.indexOf(timer);
      if (index >= 0) this.#timers.splice(index, 1);
    };
  }

  /** When the earliest pending timer is due (a write-behind timer counts as due now). */
  nextDueAt(): number | undefined {
    if (this.#timers.some((t) => t.writeBehind)) return this.#now;
    return this.#timers[0]?.at;
  }

  /** How many timers are pending. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /**
   * Fires the earliest timer that is due now (write-behind timers first: they are due at once);
   * returns false when none is.
   */
  fireNextDue(): boolean {
    let index = this.#timers.findIndex((t) => t.writeBehind);
    if (index < 0 && (this.#timers[0]?.at ?? Number.POSITIVE_INFINITY) <= this.#now) index = 0;
    if (index < 0) return false;
    const [timer] = this.#timers.splice(index, 1);
    timer!.fn();
    return true;
  }

  /** Moves virtual time to `instant` without firing anything; time never goes back. */
  moveTo(instant: number): void {
    if (instant < this.#now) {
      throw new RangeError(
        `A virtual clock does not go back: it is at ${new Date(this.#now).toISOString()}, ` +
          `asked for ${new Date(instant).toISOString()}.`,
      );
    }
    this.#now = instant;
  }

  /** Where `timer` goes to keep the list sorted by (at, seq): after every earlier-or-equal one. */
  #indexAfter(timer: Timer): number {
    let low = 0;
    let high = this.#timers.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.#timers[mid]!.at <= timer.at) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
