/**
 * The trigger polling loop (SPEC §4.3). Each tick finds enabled, due schedules whose trigger
 * object lives in this process, claims them with a compare-and-set on the durable
 * `last_poll_at_ms`, and starts their polls without awaiting them: a slow or hung poll holds
 * only its own slot of `maxConcurrentPolls` and only until `triggerPollTimeout`, so it never
 * delays other triggers, cron or task execution. A fire is one store transaction; the loop
 * never waits for the workflow it starts.
 */
import { normalizePollResult, type Trigger, type TriggerResult } from '../core/trigger.js';
import { TriggerError, isCloacinaError, toError } from '../errors.js';
import type { TriggerScheduleRecord } from '../store/trigger-store.js';
import type { PollOutcome } from './metrics.js';
import type { ServiceContext } from './service.js';
import { every } from './timers.js';
import { fireTarget } from './trigger-fire.js';
import { Wakeup } from './wakeup.js';

/** Finds the trigger object for a schedule row in this process, if any. */
export type TriggerLookup = (name: string) => Trigger | undefined;

/** The message stored for a poll error: code first when it has one, so operators can grep it. */
export function describePollError(error: unknown): string {
  const err = toError(error);
  return isCloacinaError(err) ? `${err.code}: ${err.message}` : err.message;
}

/** The polling loop of one runner. */
export class TriggerLoop {
  readonly #ctx: ServiceContext;
  readonly #lookup: TriggerLookup;
  readonly #wakeup: Wakeup;
  /** Polls in flight, by trigger name, with the controller that aborts them. */
  readonly #inFlight = new Map<string, AbortController>();
  /** Settles when the poll and its recording are done (awaited at shutdown). */
  readonly #settling = new Set<Promise<void>>();
  /** Schedule rows without a registered object, warned about once each. */
  readonly #warnedUnregistered = new Set<string>();
  #stopTicks: (() => void) | undefined;
  #stopCommits: (() => void) | undefined;
  #backlog = false;
  #tickFailing = false;
  #stopped = false;

  constructor(ctx: ServiceContext, lookup: TriggerLookup) {
    this.#ctx = ctx;
    this.#lookup = lookup;
    this.#wakeup = new Wakeup(() => this.#pass());
  }

  /** Starts ticking every `triggerBasePollInterval` and on schedule changes. */
  start(): void {
    if (this.#stopped || this.#stopTicks !== undefined) return;
    this.#stopTicks = every(this.#ctx.config.triggerBasePollIntervalMs, () => this.wake());
    // Another process's enable/register arrives as a 'triggers' wake-up (Postgres NOTIFY).
    this.#stopCommits = this.#ctx.store.onCommit((notice) => {
      if (notice.remote && notice.channels.has('triggers')) this.wake();
    });
    this.wake();
  }

  /** Runs a pass now (coalesced with one already running); a no-op unless started. */
  wake(): void {
    // Registration wakes the loop; with trigger scheduling off it must stay asleep.
    if (!this.#stopped && this.#stopTicks !== undefined) this.#wakeup.wake();
  }

  /** A schedule row changed owner (registered here now): it may warn again if orphaned later. */
  forgetWarning(name: string): void {
    this.#warnedUnregistered.delete(name);
  }

  /** Stops ticking, aborts polls in flight and waits until their recording settles. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wakeup.stop();
    this.#stopTicks?.();
    this.#stopCommits?.();
    for (const controller of this.#inFlight.values()) {
      controller.abort(
        new TriggerError('POLL_TIMEOUT', 'shutdown', 'The runner is shutting down.'),
      );
    }
    await Promise.allSettled([...this.#settling]);
  }

  async #pass(): Promise<boolean> {
    if (this.#stopped) return false;
    const free = this.#ctx.config.maxConcurrentPolls - this.#inFlight.size;
    if (free <= 0) {
      this.#backlog = true;
      return false;
    }
    try {
      const nowMs = this.#ctx.clock.now();
      const due = await this.#ctx.store.findDueTriggers({ nowMs });
      const candidates: { row: TriggerScheduleRecord; trigger: Trigger }[] = [];
      for (const row of due) {
        if (this.#inFlight.has(row.triggerName)) continue;
        const trigger = this.#lookup(row.triggerName);
        if (trigger === undefined) {
          this.#warnUnregistered(row);
          continue;
        }
        candidates.push({ row, trigger });
      }
      this.#backlog = candidates.length > free;
      const chosen = candidates.slice(0, free);
      if (chosen.length === 0 || this.#stopped) return false;
      // "now" is read inside the claim transaction: `lastPollAt` then records when the poll
      // really starts, not when the due query began or the write lock was requested, which
      // keeps the spacing between actual polls close to the interval.
      const claimed = await this.#ctx.store.claimTriggerPolls({
        triggerNames: chosen.map((c) => c.row.triggerName),
        now: () => this.#ctx.clock.now(),
      });
      if (this.#tickFailing) {
        this.#tickFailing = false;
        this.#ctx.logger.info('trigger loop recovered');
      }
      for (const row of claimed) {
        const trigger = chosen.find((c) => c.row.triggerName === row.triggerName)?.trigger;
        if (trigger !== undefined && !this.#stopped) this.#startPoll(row, trigger);
      }
    } catch (error) {
      // A database hiccup: log once per streak, try again on the next tick.
      if (!this.#tickFailing) {
        this.#tickFailing = true;
        this.#ctx.logger.warn(
          { err: toError(error) },
          'trigger loop tick failed; retrying on the next tick',
        );
      }
    }
    return false;
  }

  #warnUnregistered(row: TriggerScheduleRecord): void {
    if (this.#warnedUnregistered.has(row.triggerName)) return;
    this.#warnedUnregistered.add(row.triggerName);
    this.#ctx.logger.warn(
      { trigger: row.triggerName, workflow: row.workflowName },
      `trigger schedule '${row.triggerName}' has no trigger object registered in this process, ` +
        'so this runner does not poll it (another process may own it). Register it with ' +
        'runner.registerTrigger(trigger) or registerTrigger(trigger) to poll it here.',
    );
  }

  #startPoll(row: TriggerScheduleRecord, trigger: Trigger): void {
    const controller = new AbortController();
    this.#inFlight.set(row.triggerName, controller);
    const done = this.#runPoll(row, trigger, controller)
      .catch((error: unknown) => {
        this.#ctx.logger.warn(
          { trigger: row.triggerName, err: toError(error) },
          'recording a trigger poll failed',
        );
      })
      .finally(() => {
        this.#settling.delete(done);
      });
    this.#settling.add(done);
  }

  /** Calls `poll()` under the timeout; the slot is freed at the timeout even if it never settles. */
  async #poll(
    row: TriggerScheduleRecord,
    trigger: Trigger,
    controller: AbortController,
  ): Promise<TriggerResult> {
    const name = row.triggerName;
    const timeoutMs = this.#ctx.config.triggerPollTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const aborted = new Promise<never>((_, reject) => {
      const onAbort = (): void => reject(toError(controller.signal.reason));
      controller.signal.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(() => {
        controller.abort(
          new TriggerError(
            'POLL_TIMEOUT',
            name,
            `Trigger '${name}': poll() did not finish within ${timeoutMs} ms (triggerPollTimeout); ` +
              'its signal was aborted. Keep polls quick, or raise triggerPollTimeout.',
          ),
        );
      }, timeoutMs);
    });
    try {
      // `Promise.resolve().then` turns a synchronous throw in poll() into a rejection.
      const raw: unknown = await Promise.race([
        Promise.resolve().then(() => trigger.poll(controller.signal)),
        aborted,
      ]);
      return normalizePollResult(name, raw);
    } finally {
      clearTimeout(timer);
      // Free the slot now: a poll that ignores its signal must not hold it past the timeout.
      if (this.#inFlight.get(name) === controller) this.#inFlight.delete(name);
    }
  }

  async #runPoll(
    row: TriggerScheduleRecord,
    trigger: Trigger,
    controller: AbortController,
  ): Promise<void> {
    const name = row.triggerName;
    const began = performance.now();
    const measure = (outcome: PollOutcome): void =>
      this.#ctx.metrics.triggerPoll(name, outcome, performance.now() - began);
    let result: TriggerResult;
    try {
      result = await this.#poll(row, trigger, controller);
    } catch (error) {
      measure(error instanceof TriggerError && error.code === 'POLL_TIMEOUT' ? 'timeout' : 'error');
      if (!this.#stopped) await this.#recordError(row, error);
      return;
    } finally {
      if (this.#backlog) this.wake();
    }
    const nowMs = this.#ctx.clock.now();
    if (result.isSkip()) {
      measure('skip');
      this.#ctx.logger.debug({ trigger: name, reason: result.reason }, 'trigger poll: skip');
      const streak = await this.#ctx.store.recordTriggerPollSuccess({
        triggerName: name,
        skipped: true,
        skipReason: result.reason ?? null,
        nowMs,
      });
      this.#logRecovery(name, streak);
      return;
    }
    try {
      const outcome = await fireTarget(this.#ctx, row, result);
      measure(outcome.status === 'fired' ? 'fire' : 'deduplicated');
      if (outcome.status === 'fired') {
        this.#ctx.logger.info(
          { trigger: name, executionId: outcome.executionId, workflow: row.workflowName },
          'trigger fired',
        );
      } else {
        this.#ctx.logger.info(
          { trigger: name, openExecutionId: outcome.openExecutionId },
          'trigger fire suppressed: an execution with the same context is still open',
        );
      }
    } catch (error) {
      measure('error');
      await this.#recordError(row, error);
      return;
    }
    const streak = await this.#ctx.store.recordTriggerPollSuccess({
      triggerName: name,
      skipped: false,
      skipReason: null,
      nowMs,
    });
    this.#logRecovery(name, streak);
  }

  async #recordError(row: TriggerScheduleRecord, error: unknown): Promise<void> {
    const message = describePollError(error);
    const streak = await this.#ctx.store.recordTriggerError({
      triggerName: row.triggerName,
      workflowName: row.workflowName,
      errorMessage: message,
      nowMs: this.#ctx.clock.now(),
    });
    // One warning per streak: a trigger failing every second must not flood the log.
    const fields = { trigger: row.triggerName, consecutiveErrors: streak, err: toError(error) };
    if (streak === 1) {
      this.#ctx.logger.warn(fields, 'trigger poll failed; nothing fired, retrying next interval');
    } else this.#ctx.logger.debug(fields, 'trigger poll failed again');
  }

  #logRecovery(name: string, streak: number): void {
    if (streak > 0) {
      this.#ctx.logger.info(
        { trigger: name, consecutiveErrors: streak },
        'trigger poll recovered after errors',
      );
    }
  }
}
