/**
 * The trigger polling loop. Each pass claims due schedules whose trigger object
 * lives in this process with a compare-and-set on the durable `last_poll_at_ms`, and starts
 * their polls without awaiting them: a slow or hung poll holds only its own slot of
 * `maxConcurrentPolls` and only until `triggerPollTimeout`, so it never delays other triggers,
 * cron or task execution. A fire is one store transaction; the loop never waits for the
 * workflow it starts.
 *
 * A poll that outlives its timeout gives its slot back but keeps its trigger in flight until
 * `poll()` settles: a trigger never has two polls at once, and a trigger whose poll hangs
 * cannot take the slots back from the others at every timeout. Due triggers are served oldest
 * due first, so when more are due than slots are free each waits its turn.
 *
 * A claim is one durable commit, so the loop claims ahead: triggers due within
 * {@link CLAIM_LEAD_MS} (each starts at its due time, which its claim writes as `lastPollAt`),
 * and, while polls are quick, more than the free slots (see {@link ClaimAhead}); claimed polls
 * wait in memory, earliest first, for their time and a slot.
 *
 * The loop keeps each known trigger's next due time in memory and sleeps until the earliest,
 * so a trigger is polled on its interval, not on the next base tick after it: with ticks and
 * due times a second apart, waiting for a tick would stretch a 1 s interval to 2 s. The
 * durable row stays the truth: a pass runs the full due query on every base tick and on
 * registration or a remote change, and a claim that loses its compare-and-set (another runner
 * polled, or an operator disabled) just drops the in-memory time until a scan finds it due.
 */
import {
  TriggerResult,
  invalidPollResult,
  normalizePollResult,
  type Trigger,
} from '../../core/trigger.js';
import { TriggerError, isCloacinaError, toError } from '../../errors.js';
import type {
  TriggerPollStart,
  TriggerPollSuccess,
  TriggerScheduleRecord,
} from '../../store/store.js';
import type { PollOutcome } from '../metrics.js';
import type { ServiceContext } from '../service.js';
import { after, every } from '../timers.js';
import { fireTarget } from './fire.js';
import { PollRecordWriter, isTransient } from './records.js';
import { TriggerSetupWarnings } from './setup-warnings.js';
import { DueTimes } from './due-times.js';
import { ClaimAhead } from './claim-ahead.js';
import { Wakeup } from '../wakeup.js';

/** Finds the trigger object for a schedule row in this process, if any. */
export type TriggerLookup = (name: string) => Trigger | undefined;

/** The names of every trigger object this process can poll. */
export type TriggerNames = () => Iterable<string>;

/** The message stored for a poll error: code first when it has one, so operators can grep it. */
export function describePollError(error: unknown): string {
  const err = toError(error);
  return isCloacinaError(err) ? `${err.code}: ${err.message}` : err.message;
}

/**
 * How long a finished poll's record may wait for the next claim to carry it before it is
 * written on its own: the skip counters and error streaks are at most this stale.
 */
export const RECORD_DELAY_MS = 100;

/**
 * How long before its due time a poll is claimed. The claim, a durable commit, then lands
 * before the poll is due rather than delaying it: under load a commit takes tens of ms. The
 * claim writes the due time as `lastPollAt`, and the poll starts at that time.
 */
export const CLAIM_LEAD_MS = 50;

/**
 * How long after the `lastPollAt` its claim wrote a poll may start with it left as written; one
 * that starts later (it waited for a slot, or the process was busy) moves `lastPollAt` to its
 * start when it is recorded.
 */
export const START_TOLERANCE_MS = 20;

/** A claimed poll waiting for its start time and a slot. */
interface QueuedPoll {
  readonly row: TriggerScheduleRecord;
  readonly trigger: Trigger;
  /** When it is to start (clock ms): the `lastPollAt` its claim wrote. */
  readonly at: number;
}

/**
 * When a due schedule row fell due (clock ms): its last poll plus its interval, or its creation
 * when never polled. The time comes from the row, not from when this runner noticed it, so the
 * oldest due is served first whichever pass found it. (A creation time from a runner whose clock
 * runs ahead may lie in the future: callers cap it at now.)
 */
function durableDueAt(row: TriggerScheduleRecord): number {
  return row.lastPollAtMs === null ? row.createdAtMs : row.lastPollAtMs + row.pollIntervalMs;
}

/** The polling loop of one runner. */
export class TriggerLoop {
  readonly #ctx: ServiceContext;
  readonly #lookup: TriggerLookup;
  readonly #wakeup: Wakeup;
  /**
   * Polls whose `poll()` has not settled, by trigger name, with the controller that aborts them.
   * A poll past its timeout stays here (without a slot) so its trigger is not polled again yet.
   */
  readonly #inFlight = new Map<string, AbortController>();
  /** Polls holding one of the `maxConcurrentPolls` slots: until they settle or time out. */
  #slotsInUse = 0;
  /**
   * Claimed polls waiting for their start time and a slot, earliest first (see
   * {@link CLAIM_LEAD_MS} and {@link ClaimAhead}).
   */
  #queue: QueuedPoll[] = [];
  /** Cancels the timer that starts the first queued poll at its start time. */
  #cancelStartTimer: (() => void) | undefined;
  /** The triggers in {@link #queue}: like those in flight, not claimed again. */
  readonly #queued = new Set<string>();
  /**
   * Triggers whose poll has not been recorded yet (its fire or error written): not claimed
   * again before, so the next claim reads the error streak this poll left. A claim made ahead
   * of the due time could otherwise overtake a short interval's error record.
   */
  readonly #recording = new Set<string>();
  readonly #claimAhead: ClaimAhead;
  /** Settles when the poll and its recording are done (awaited at shutdown). */
  readonly #settling = new Set<Promise<void>>();
  /** Triggers this runner will not poll, warned about once each. */
  readonly #warnings: TriggerSetupWarnings;
  /** Next due time (clock ms) of each schedule this runner has claimed or found due. */
  readonly #nextDue = new DueTimes();
  /**
   * Successful polls not recorded yet. The next claim writes them in its own round trip, so a
   * busy loop spends one transaction per pass, not two; a timer writes them when no claim
   * comes within {@link RECORD_DELAY_MS}, and `stop()` writes what is left. A trigger's record
   * is written before its next poll is claimed (that claim carries it at the latest), so the
   * streak reset of a success never lands after the error of a later poll.
   */
  #records: TriggerPollSuccess[] = [];
  readonly #recordWriter: PollRecordWriter;
  /** Cancels the timer that writes {@link #records} on their own. */
  #cancelRecordTimer: (() => void) | undefined;
  #stopTicks: (() => void) | undefined;
  #stopCommits: (() => void) | undefined;
  /** Cancels the timer that wakes the loop at the earliest next due time. */
  #cancelDueTimer: (() => void) | undefined;
  /** When the due timer fires (clock ms). */
  #dueTimerAt = Number.POSITIVE_INFINITY;
  /** Set by ticks and external wake-ups: the next pass runs the full due query. */
  #scan = true;
  #backlog = false;
  #tickFailing = false;
  #stopped = false;

  constructor(ctx: ServiceContext, lookup: TriggerLookup, names: TriggerNames) {
    this.#ctx = ctx;
    this.#lookup = lookup;
    this.#warnings = new TriggerSetupWarnings(ctx, names);
    this.#recordWriter = new PollRecordWriter(ctx);
    this.#claimAhead = new ClaimAhead(ctx.config.maxConcurrentPolls);
    this.#wakeup = new Wakeup(() => this.#pass());
  }

  /** Starts ticking every `triggerBasePollInterval` and on schedule changes. */
  start(): void {
    if (this.#stopped || this.#stopTicks !== undefined) return;
    this.#stopTicks = every(this.#ctx.clock, this.#ctx.config.triggerBasePollIntervalMs, () =>
      this.wake(),
    );

    // Another process's enable/register arrives as a 'triggers' wake-up (Postgres NOTIFY).
    this.#stopCommits = this.#ctx.store.onCommit((notice) => {
      if (notice.remote && notice.channels.has('triggers')) this.wake();
    });
    this.wake();
  }

  /**
   * Runs a pass with a full due query now (coalesced with one already running); a no-op
   * unless started.
   */
  wake(): void {
    this.#scan = true;
    this.#wakeDue();
  }

  /**
   * Takes the due time of `row`, a schedule row this runner has just written, and runs a pass
   * over the in-memory due times only. Registering ten thousand triggers ran the full due query
   * once per registration (each scan reads every schedule row); the base tick still runs it.
   */
  scheduled(row: TriggerScheduleRecord): void {
    if (row.enabled && this.#warnings.pollable(row, this.#lookup(row.triggerName) !== undefined)) {
      const nowMs = this.#ctx.clock.now();
      // A creation time from a runner whose clock runs ahead may lie in the future: capped.
      const at = row.lastPollAtMs === null ? Math.min(row.createdAtMs, nowMs) : durableDueAt(row);
      this.#nextDue.set(row.triggerName, at);
    }
    this.#wakeDue();
  }

  /** Runs a pass over the in-memory due times only. */
  #wakeDue(): void {
    // Registration wakes the loop; with trigger scheduling off it must stay asleep.
    if (!this.#stopped && this.#stopTicks !== undefined) this.#wakeup.wake();
  }

  /** Runs `write`, which writes the schedule row of `name` (see {@link TriggerSetupWarnings}). */
  writingSchedule<T>(name: string, write: () => Promise<T>): Promise<T> {
    return this.#warnings.writingSchedule(name, write);
  }

  /** Stops ticking, aborts polls in flight and waits until their recording settles. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wakeup.stop();
    this.#stopTicks?.();
    this.#stopCommits?.();
    this.#cancelDueTimer?.();
    // Claimed polls not started yet are not run: like the polls aborted below, their claims
    // stand and their triggers are polled at the next interval.
    this.#queue = [];
    this.#queued.clear();
    this.#cancelStartTimer?.();
    for (const controller of this.#inFlight.values()) {
      controller.abort(
        new TriggerError('POLL_TIMEOUT', 'shutdown', 'The runner is shutting down.'),
      );
    }
    await Promise.allSettled([...this.#settling]);
    await this.#flushRecords();
  }

  /** Queues a finished poll's record for the next claim (or the record timer). */
  #record(poll: TriggerPollSuccess): void {
    this.#records.push(poll);
    if (this.#cancelRecordTimer !== undefined || this.#stopped) return;
    this.#cancelRecordTimer = after(
      this.#ctx.clock,
      RECORD_DELAY_MS,
      () => {
        this.#cancelRecordTimer = undefined;
        void this.#flushRecords();
      },
      { writeBehind: true },
    );
  }

  /** Takes the queued records (a claim carries them, or {@link #flushRecords} writes them). */
  #takeRecords(): TriggerPollSuccess[] | undefined {
    this.#cancelRecordTimer?.();
    this.#cancelRecordTimer = undefined;
    if (this.#records.length === 0) return undefined;
    const records = this.#records;
    this.#records = [];
    return records;
  }

  /** Writes the queued records on their own. */
  async #flushRecords(): Promise<void> {
    const polls = this.#takeRecords();
    if (polls !== undefined) await this.#writeRecords(polls);
  }

  /**
   * Writes records apart from a claim; one the database refuses costs only its own trigger's
   * counts, and a failure is logged, not retried (see {@link PollRecordWriter}).
   */
  async #writeRecords(polls: readonly TriggerPollSuccess[]): Promise<void> {
    const write = this.#recordWriter
      .write(polls, this.#ctx.clock.now())
      .finally(() => this.#settling.delete(write));
    this.#settling.add(write);
    await write;
  }

  async #pass(): Promise<boolean> {
    if (this.#stopped) return false;
    this.#startQueued();
    const free = this.#ctx.config.maxConcurrentPolls - this.#slotsInUse;
    // Claimed polls beyond the free slots are bounded by what the slots finish soon.
    const limit = free + this.#claimAhead.extra() - this.#queue.length;
    if (free <= 0 || limit <= 0) {
      this.#backlog = true;
      return false;
    }
    try {
      const nowMs = this.#ctx.clock.now();
      if (this.#scan) {
        this.#scan = false;
        for (const row of await this.#ctx.store.findDueTriggers({ nowMs })) {
          if (this.#warnings.pollable(row, this.#lookup(row.triggerName) !== undefined)) {
            this.#nextDue.set(row.triggerName, Math.min(durableDueAt(row), nowMs));
          }
        }
        await this.#warnings.checkObjects(nowMs);
      }
      const chosen = this.#chooseDue(nowMs + CLAIM_LEAD_MS, limit);
      if (chosen.length === 0 || this.#stopped) {
        this.#armDueTimer();
        return false;
      }
      // A poll due already starts at the claim's "now", read inside the claim transaction:
      // `lastPollAt` then records when the poll really starts, not when the pass began or the
      // write lock was requested, which keeps the spacing between actual polls close to the
      // interval. One due within the lead starts at its due time.
      const records = this.#takeRecords();
      const claim = (carried?: readonly TriggerPollSuccess[]): Promise<TriggerScheduleRecord[]> =>
        this.#ctx.store.claimTriggerPolls({
          triggerNames: chosen.map((c) => c.name),
          startAtMs: chosen.map((c) => c.dueAt),
          now: () => this.#ctx.clock.now(),
          ...(carried === undefined ? {} : { records: carried }),
        });
      let claimed: TriggerScheduleRecord[];
      try {
        claimed = await claim(records);
      } catch (error) {
        if (records === undefined || isTransient(error)) {
          // Written with the next claim or by the timer.
          if (records !== undefined) for (const record of records) this.#record(record);
          throw error;
        }
        // Refused, maybe for one bad record: carried again it would fail every claim. Written
        // apart (first, so they still land before these triggers' next polls), then the claim.
        await this.#writeRecords(records);
        claimed = await claim();
      }
      if (this.#tickFailing) {
        this.#tickFailing = false;
        this.#ctx.logger.info('trigger loop recovered');
      }
      // Lost compare-and-sets are not due durably: forget them until a scan finds them due.
      for (const { name } of chosen) this.#nextDue.delete(name);
      const won = new Map(claimed.map((row) => [row.triggerName, row]));
      for (const { name, trigger } of chosen) {
        const row = won.get(name);
        if (row === undefined) continue;
        const at = row.lastPollAtMs ?? 0;
        this.#nextDue.set(name, at + row.pollIntervalMs);
        if (this.#stopped) continue;
        this.#queue.push({ row, trigger, at });
        this.#queued.add(name);
      }
      // Earliest start first (a stable sort keeps the oldest due first among equal starts).
      this.#queue.sort((a, b) => a.at - b.at);
      this.#startQueued();
      this.#armDueTimer();
    } catch (error) {
      // A database hiccup: log once per streak, try again on the next tick (not at the due
      // times, which have passed already and would spin).
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

  /**
   * Up to `limit` triggers due by `byMs`, not in flight or queued, with an object here;
   * earliest first, with their due times.
   */
  #chooseDue(byMs: number, limit: number): { name: string; trigger: Trigger; dueAt: number }[] {
    const chosen: { name: string; trigger: Trigger; dueAt: number }[] = [];
    const { more } = this.#nextDue.takeDue(byMs, limit, (name) => {
      if (this.#busy(name)) return 'skip';
      const trigger = this.#lookup(name);
      if (trigger === undefined) return 'drop';
      if (chosen.length < limit) chosen.push({ name, trigger, dueAt: this.#nextDue.get(name)! });
      return 'take';
    });
    this.#backlog = more;
    return chosen;
  }

  /**
   * Whether `name` has a poll in flight, waiting for a slot or being recorded: it is not claimed
   * again yet.
   */
  #busy(name: string): boolean {
    return this.#inFlight.has(name) || this.#queued.has(name) || this.#recording.has(name);
  }

  /**
   * Starts queued polls whose start time has come, in order, while slots are free; when the
   * next one's time is still to come and a slot is free, sets a timer for it. Never before its
   * start time: that is the `lastPollAt` its claim wrote, one interval after the previous poll.
   */
  #startQueued(): void {
    this.#cancelStartTimer?.();
    this.#cancelStartTimer = undefined;
    if (this.#stopped) return;
    const slots = this.#ctx.config.maxConcurrentPolls;
    const nowMs = this.#ctx.clock.now();
    let started = 0;
    while (started < this.#queue.length && this.#slotsInUse < slots) {
      const { row, trigger, at } = this.#queue[started]!;
      if (at > nowMs) break;
      started += 1;
      this.#queued.delete(row.triggerName);
      this.#startPoll(row, trigger);
    }
    if (started > 0) this.#queue.splice(0, started);
    const next = this.#queue[0];
    if (next !== undefined && this.#slotsInUse < slots && !this.#stopped) {
      this.#cancelStartTimer = after(this.#ctx.clock, next.at - nowMs, () => {
        this.#cancelStartTimer = undefined;
        this.#startQueued();
      });
    }
  }

  /** Sleeps until the earliest due time of a trigger not in flight (polls re-arm on finish). */
  #armDueTimer(): void {
    this.#cancelDueTimer?.();
    this.#cancelDueTimer = undefined;
    this.#dueTimerAt = Number.POSITIVE_INFINITY;
    if (this.#backlog) return;
    this.#armAt(this.#nextDue.earliest((name) => this.#busy(name)) - CLAIM_LEAD_MS);
  }

  /** Makes sure the loop wakes by `at` (clock ms); a no-op when it wakes earlier already. */
  #armAt(at: number): void {
    if (this.#stopped || at === Number.POSITIVE_INFINITY || at >= this.#dueTimerAt) return;
    this.#cancelDueTimer?.();
    this.#dueTimerAt = at;
    this.#cancelDueTimer = after(this.#ctx.clock, at - this.#ctx.clock.now(), () => {
      this.#cancelDueTimer = undefined;
      this.#dueTimerAt = Number.POSITIVE_INFINITY;
      this.#wakeDue();
    });
  }

  /**
   * Wakes the loop for `name` once it is not in flight: at once when a slot waits to be used
   * or it is to be claimed already (its interval was shorter than the poll took), else when it
   * is (its due time less the lead).
   */
  #rearm(name: string): void {
    const claimAt = (this.#nextDue.get(name) ?? Number.POSITIVE_INFINITY) - CLAIM_LEAD_MS;
    if (this.#backlog || claimAt <= this.#ctx.clock.now()) this.#wakeDue();
    else this.#armAt(claimAt);
  }

  /**
   * Starts a claimed poll. Its next due time here counts from its start; one that starts more
   * than {@link START_TOLERANCE_MS} after the `lastPollAt` its claim wrote carries its start
   * time to its record, which moves `lastPollAt` there.
   */
  #startPoll(row: TriggerScheduleRecord, trigger: Trigger): void {
    const name = row.triggerName;
    const controller = new AbortController();
    this.#inFlight.set(name, controller);
    this.#recording.add(name);
    this.#slotsInUse += 1;
    let started: TriggerPollStart | undefined;
    const claimedAtMs = row.lastPollAtMs ?? 0;
    const startedAtMs = this.#ctx.clock.now();
    // The next poll here is due an interval after this one started, however late it started.
    if (startedAtMs > claimedAtMs && this.#nextDue.get(name) === claimedAtMs + row.pollIntervalMs) {
      this.#nextDue.set(name, startedAtMs + row.pollIntervalMs);
    }
    if (startedAtMs - claimedAtMs > START_TOLERANCE_MS) started = { claimedAtMs, startedAtMs };
    const done = this.#runPoll(row, trigger, controller, started)
      .catch((error: unknown) => {
        this.#ctx.logger.warn(
          { trigger: row.triggerName, err: toError(error) },
          'recording a trigger poll failed',
        );
      })
      .finally(() => {
        this.#settling.delete(done);
        this.#recording.delete(name);
        this.#rearm(name);
      });
    this.#settling.add(done);
  }

  /**
   * Calls `poll()` under the timeout. The slot is freed when the poll settles or times out; the
   * trigger stays in flight until `poll()` itself settles, however late, and its result is then
   * dropped (the timeout was recorded).
   */
  async #poll(
    row: TriggerScheduleRecord,
    trigger: Trigger,
    controller: AbortController,
  ): Promise<TriggerResult> {
    const name = row.triggerName;
    const began = performance.now();
    const timeoutMs = this.#ctx.config.triggerPollTimeoutMs;
    let cancelTimer = (): void => undefined;
    const aborted = new Promise<never>((_, reject) => {
      const onAbort = (): void => reject(toError(controller.signal.reason));
      controller.signal.addEventListener('abort', onAbort, { once: true });
      // Through `after`: a timeout above 2^31-1 ms ('30d') would fire at once on a bare timer.
      cancelTimer = after(
        this.#ctx.clock,
        timeoutMs,
        () => {
          controller.abort(
            new TriggerError(
              'POLL_TIMEOUT',
              name,
              `Trigger '${name}': poll() did not finish within ${timeoutMs} ms (triggerPollTimeout); ` +
                'its signal was aborted, and the trigger is not polled again until this poll ' +
                'settles. Keep polls quick and let them stop on the signal, or raise triggerPollTimeout.',
            ),
          );
        },
        { keepAlive: true },
      );
    });
    // `Promise.resolve().then` turns a synchronous throw in poll() into a rejection.
    const polled = Promise.resolve().then(() => this.#call(name, trigger, controller.signal));
    const settled = (): void => {
      if (this.#inFlight.get(name) !== controller) return;
      this.#inFlight.delete(name);
      // A poll that outlived its timeout held its trigger back: it may be polled again now.
      if (controller.signal.aborted) this.#rearm(name);
    };
    void polled.then(settled, settled);
    try {
      const raw: unknown = await Promise.race([polled, aborted]);
      return normalizePollResult(name, raw);
    } finally {
      cancelTimer();
      // Free the slot now: a poll that ignores its signal must not hold it past the timeout.
      this.#slotsInUse -= 1;
      this.#claimAhead.observe(performance.now() - began);
      this.#startQueued();
    }
  }

  /**
   * Calls the trigger's poll: in a worker thread for a module poll placed there (by its own
   * `isolate` or the runner's `defaultTaskIsolation`, as for a task), else in this thread.
   */
  async #call(name: string, trigger: Trigger, signal: AbortSignal): Promise<unknown> {
    const { module } = trigger;
    const threads = this.#ctx.threads;
    const isolate = trigger.isolate ?? this.#ctx.config.defaultTaskIsolation;
    if (module === undefined || isolate !== 'thread' || threads === undefined) {
      return trigger.poll(signal);
    }
    const result = await threads.poll(module, name, signal);
    switch (result.kind) {
      case 'skip':
        return TriggerResult.skip(result.reason);
      case 'fire':
        return TriggerResult.fire(result.context);
      case 'invalid':
        throw invalidPollResult(name, result.described);
    }
  }

  async #runPoll(
    row: TriggerScheduleRecord,
    trigger: Trigger,
    controller: AbortController,
    started: TriggerPollStart | undefined,
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
      if (!this.#stopped) await this.#recordError(row, error, started);
      return;
    } finally {
      // A freed slot matters when others wait for one; and the loop must wake when this
      // trigger is due again.
      this.#rearm(name);
    }
    if (result.isSkip()) {
      measure('skip');
      this.#ctx.logger.debug({ trigger: name, reason: result.reason }, 'trigger poll: skip');
      this.#record({
        triggerName: name,
        skipped: true,
        skipReason: result.reason ?? null,
        errorStreak: row.consecutiveErrors,
        ...(started === undefined ? {} : { started }),
      });
      this.#logRecovery(row);
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
      await this.#recordError(row, error, started);
      return;
    }
    this.#record({
      triggerName: name,
      skipped: false,
      skipReason: null,
      errorStreak: row.consecutiveErrors,
      ...(started === undefined ? {} : { started }),
    });
    this.#logRecovery(row);
  }

  async #recordError(
    row: TriggerScheduleRecord,
    error: unknown,
    started: TriggerPollStart | undefined,
  ): Promise<void> {
    const message = describePollError(error);
    const streak = await this.#ctx.store.recordTriggerError({
      triggerName: row.triggerName,
      workflowName: row.workflowName,
      errorMessage: message,
      nowMs: this.#ctx.clock.now(),
      runnerId: this.#ctx.runnerId,
      ...(started === undefined ? {} : { started }),
    });
    // One warning per streak: a trigger failing every second must not flood the log.
    const fields = { trigger: row.triggerName, consecutiveErrors: streak, err: toError(error) };
    if (streak === 1) {
      this.#ctx.logger.warn(fields, 'trigger poll failed; nothing fired, retrying next interval');
    } else this.#ctx.logger.debug(fields, 'trigger poll failed again');
  }

  /**
   * Logs the end of an error streak. The streak is the one the claim read: errors are recorded
   * well within an interval, so it is the streak this poll ended.
   */
  #logRecovery(row: TriggerScheduleRecord): void {
    if (row.consecutiveErrors > 0) {
      this.#ctx.logger.info(
        { trigger: row.triggerName, consecutiveErrors: row.consecutiveErrors },
        'trigger poll recovered after errors',
      );
    }
  }
}
