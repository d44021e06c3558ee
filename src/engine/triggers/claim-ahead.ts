/**
 * How many polls the trigger loop may claim beyond its free slots. Each claim is one durable
 * commit; claiming only as many triggers as slots are free made a burst of due triggers cost a
 * commit per `maxConcurrentPolls` polls, and the commits, not the polls, set the pace. Polls
 * claimed beyond the free slots wait in memory and start, in claim order, as slots free.
 *
 * A claimed poll's `lastPollAt` is its claim time, so the wait must stay short: the loop claims
 * ahead only as many polls as its slots are expected to finish within {@link HORIZON_MS},
 * judged from how long recent polls held a slot. Slow polls (a network call) leave no room to
 * claim ahead; quick ones (a cheap check that skips) let one commit claim hundreds. A wait that
 * still runs long (a poll ahead of it hangs) is corrected when the poll is recorded.
 */

/** How long, in real time, a poll claimed ahead is expected to wait for a slot at most. */
export const HORIZON_MS = 20;

/** The most polls one claim takes beyond the free slots (bounds one statement and one batch). */
export const MAX_AHEAD = 256;

/** Weight of the newest duration in the moving average (the rest is the history's). */
const WEIGHT = 0.1;

/** The loop's estimate of how many polls it may claim beyond its free slots. */
export class ClaimAhead {
  readonly #slots: number;
  /** Moving average of how long a poll held its slot (ms); undefined before the first. */
  #averageMs: number | undefined;

  /** `slots` is `maxConcurrentPolls`. */
  constructor(slots: number) {
    this.#slots = slots;
  }

  /** Takes the time a poll held its slot (ms, real time). */
  observe(durationMs: number): void {
    const ms = Math.max(0, durationMs);
    this.#averageMs =
      this.#averageMs === undefined ? ms : this.#averageMs + WEIGHT * (ms - this.#averageMs);
  }

  /**
   * Polls to claim beyond the free slots: what the slots finish within {@link HORIZON_MS} at
   * the average duration, at most {@link MAX_AHEAD}; none before a poll has been timed.
   */
  extra(): number {
    if (this.#averageMs === undefined) return 0;
    // A poll finishing in microseconds still costs the loop some work: at most one per 0.01 ms.
    const perSlot = HORIZON_MS / Math.max(this.#averageMs, 0.01);
    return Math.min(MAX_AHEAD, Math.floor(this.#slots * perSlot));
  }
}
