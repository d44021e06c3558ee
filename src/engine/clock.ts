/** Time sources: the system clock, and a manual clock for deterministic tests. */
import type { Clock } from '../core/options.js';

export type { Clock };

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * `clock` as the engine reads it: `now()` rounded to a whole millisecond. Every time the stores
 * keep is a whole number of milliseconds, and PostgreSQL refuses a fraction bound to such a
 * column, so a clock built on `performance.now()` or a test clock moved by fractions would
 * fail writes (trigger polls, cron fires, stored definitions) instead of being read to the
 * millisecond. Its timers and random numbers are the clock's own.
 */
export function toWholeMilliseconds(clock: Clock): Clock {
  if (clock === systemClock) return clock;
  return {
    now: () => Math.round(clock.now()),
    ...(clock.setTimer === undefined
      ? {}
      : { setTimer: (delayMs, fn, options) => clock.setTimer!(delayMs, fn, options) }),
    ...(clock.random === undefined ? {} : { random: () => clock.random!() }),
  };
}

/**
 * A clock that moves only when told to. Only what the engine *records* uses it (timestamps,
 * due checks); timers still run in real time, so tests advance it and then await events.
 */
export class ManualClock implements Clock {
  private current: number;
  constructor(start: number | Date = 0) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }
  now(): number {
    return this.current;
  }
  /** Moves the clock forward by `ms`. */
  advance(ms: number): void {
    this.current += ms;
  }
  /** Sets the clock to an instant. */
  set(instant: number | Date): void {
    this.current = typeof instant === 'number' ? instant : instant.getTime();
  }
}
