/**
 * Delayed starts: `runAt` (a time) or `delay` (a duration from now) on `executeAsync`. The
 * execution is written at once, so it is durable from the call, and starts at that time.
 */
import { ConfigError } from '../errors.js';
import { describeValue } from './describe.js';
import { parseDuration, type Duration } from './duration.js';
import { MAX_DURATION_MS } from './limits.js';

/** The start-time options of `executeAsync`. */
export interface StartTimeOptions {
  /**
   * Starts the execution at this time (a `Date` or epoch milliseconds) instead of now: it is
   * `Scheduled` until then. A time not in the future starts it at once.
   */
  runAt?: Date | number;
  /** Starts the execution this long from now (see {@link Duration}); `runAt` relative. */
  delay?: Duration;
}

/**
 * The epoch-ms start time asked for by `options`, or `undefined` for a start at once (neither
 * option given).
 *
 * @throws {ConfigError} when both are given, or for a `runAt` that is not a valid `Date` or a
 *   finite number of epoch milliseconds, or a `delay` that is not a duration; the message names
 *   the value received.
 */
export function startTimeOf(options: StartTimeOptions, nowMs: number): number | undefined {
  const { runAt, delay } = options;
  if (runAt !== undefined && delay !== undefined) {
    throw new ConfigError(
      'Give runAt or delay, not both: runAt is a time, delay is a duration from now.',
    );
  }
  if (delay !== undefined) return nowMs + parseDuration(delay, 'delay');
  if (runAt === undefined) return undefined;
  const ms = runAt instanceof Date ? runAt.getTime() : runAt;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || Math.abs(ms - nowMs) > MAX_DURATION_MS) {
    throw new ConfigError(
      `runAt must be a valid Date or a finite number of epoch milliseconds within ` +
        `${MAX_DURATION_MS / 86_400_000} days of now; received ${describeValue(runAt)}.`,
    );
  }
  return Math.round(ms);
}
