/**
 * Writing the records of finished trigger polls (skip counters, error-streak resets) so that a
 * record the database refuses costs only its own trigger's counts. Records travel in batches
 * (one statement set per pass, often on the back of a poll claim); without isolation one bad
 * record failed its whole batch, and with it every other trigger's counts and the claim.
 */
import { DatabaseError, toError } from '../../errors.js';
import type { TriggerPollSuccess } from '../../store/store.js';
import type { ServiceContext } from '../service.js';

/** A failure that trying the same write again can cure (busy database, lost connection). */
export function isTransient(error: unknown): boolean {
  return error instanceof DatabaseError && error.retryable;
}

/** Writes poll records, isolating the ones the database refuses. */
export class PollRecordWriter {
  readonly #ctx: ServiceContext;
  /** Triggers whose records could not be written: warned about once, until written again. */
  readonly #failing = new Set<string>();

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx;
  }

  /**
   * Writes `polls` as one batch. When the database refuses the batch (rather than being busy or
   * unreachable), each trigger's records are written on their own, so the others' land. Records
   * that still cannot be written are dropped: their trigger's skip counter misses them, and a
   * warning names it once, not on every pass. Never throws.
   */
  async write(polls: readonly TriggerPollSuccess[], nowMs: number): Promise<void> {
    const names = [...new Set(polls.map((poll) => poll.triggerName))];
    try {
      await this.#ctx.store.recordTriggerPolls({ polls, nowMs });
      for (const name of names) this.#failing.delete(name);
      return;
    } catch (error) {
      if (names.length === 1 || isTransient(error)) return this.#dropped(names, error);
    }
    const refused: string[] = [];
    let cause: unknown;
    await Promise.all(
      names.map(async (name) => {
        try {
          const own = polls.filter((poll) => poll.triggerName === name);
          await this.#ctx.store.recordTriggerPolls({ polls: own, nowMs });
          this.#failing.delete(name);
        } catch (error) {
          refused.push(name);
          cause = error;
        }
      }),
    );
    if (refused.length > 0) this.#dropped(refused, cause);
  }

  /** Warns about the triggers among `names` not warned about yet. */
  #dropped(names: readonly string[], error: unknown): void {
    const fresh = names.filter((name) => !this.#failing.has(name));
    for (const name of names) this.#failing.add(name);
    if (fresh.length === 0) return;
    this.#ctx.logger.warn(
      { triggers: fresh, err: toError(error) },
      'recording trigger polls failed; the skip counters of these triggers miss those polls ' +
        '(warned once per trigger until its polls are recorded again)',
    );
  }
}
