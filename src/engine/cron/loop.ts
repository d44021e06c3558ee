/**
 * The cron loop: sleeps until the earliest next run of the schedules whose
 * workflow is registered here (at most `cronPollInterval`), wakes at once when a schedule
 * changes, and claims each due schedule with a compare-and-set that also writes the history
 * rows and the executions. Firing never waits for a workflow.
 */
import { limitsOf } from '../registry.js';
import { newExecutionId } from '../../core/execution-id.js';
import { startOf } from '../../core/start.js';
import { toError } from '../../errors.js';
import type { CronScheduleRecord } from '../../store/store.js';
import type { NewExecution } from '../../store/store.js';
import { planFire, runContext } from './plan.js';
import { recoverCronRuns } from './recovery.js';
import { shareOut, type EngineService, type ServiceContext } from '../service.js';
import { every, sleep } from '../timers.js';

/** Schedules read per pass; a full batch of due ones makes the loop go again at once. */
const BATCH = 100;

/** The cron firing loop of one runner. */
export class CronService implements EngineService {
  readonly name = 'cron';
  private running = false;
  /** A wake-up arrived during a pass: go again without sleeping. */
  private dirty = false;
  private sleeper: AbortController | undefined;
  private loopDone: Promise<void> | undefined;
  private recovering: Promise<void> | undefined;
  private readonly stops: (() => void)[] = [];

  constructor(private readonly ctx: ServiceContext) {}

  /** Starts the loop and, when enabled, the recovery sweep (run once at start). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.stops.push(
      this.ctx.store.onCommit((notice) => {
        if (notice.channels.has('cron')) this.wake();
      }),
    );
    const { cronEnableRecovery, cronRecoveryIntervalMs } = this.ctx.config;
    if (cronEnableRecovery) {
      this.stops.push(every(this.ctx.clock, cronRecoveryIntervalMs, () => this.recover()));
    }
    this.loopDone = this.loop(cronEnableRecovery);
  }

  /** Runs a pass now (or right after the current one): a schedule or the registry changed. */
  wake(): void {
    this.dirty = true;
    this.sleeper?.abort();
  }

  /** Stops the loop after the claim in flight, if any, commits. Idempotent. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const stop of this.stops.splice(0)) stop();
    this.sleeper?.abort();
    await this.loopDone;
    await this.recovering;
  }

  private async loop(recoverFirst: boolean): Promise<void> {
    // Leftovers of a crash are reconciled before this runner fires anything.
    if (recoverFirst) {
      this.recover();
      await this.recovering;
    }
    while (this.running) {
      this.dirty = false;
      let delay: number;
      try {
        delay = await this.pass();
      } catch (error) {
        this.ctx.logger.warn(
          { err: toError(error) },
          'cron pass failed; retrying after the poll interval',
        );
        delay = this.ctx.config.cronPollIntervalMs;
      }
      if (!this.running) break;
      if (this.dirty) continue;
      // No await between the dirty check and arming the sleeper: a wake cannot fall in between.
      const sleeper = new AbortController();
      this.sleeper = sleeper;
      await sleep(
        this.ctx.clock,
        Math.max(0, Math.min(delay, this.ctx.config.cronPollIntervalMs)),
        sleeper.signal,
      );
    }
  }

  /** Fires every due schedule once; returns how long to sleep. */
  private async pass(): Promise<number> {
    const { store, registry, clock, config } = this.ctx;
    const rows = await store.dueCronSchedules({ workflowNames: registry.names(), limit: BATCH });
    const nowMs = clock.now();
    let earliest = Number.POSITIVE_INFINITY;
    for (const row of rows) {
      if (!this.running) break;
      const next = row.nextRunAtMs ?? Number.POSITIVE_INFINITY;
      if (next > nowMs) {
        earliest = Math.min(earliest, next);
        break; // rows come earliest first
      }
      const after = await this.fire(row, nowMs);
      earliest = Math.min(earliest, after);
    }
    if (rows.length === BATCH && rows.every((r) => (r.nextRunAtMs ?? Infinity) <= nowMs)) return 0;
    return earliest === Number.POSITIVE_INFINITY
      ? config.cronPollIntervalMs
      : earliest - clock.now();
  }

  /**
   * Claims one due schedule; returns when it is due next from this runner's view: `nowMs` when
   * the claim lost a race (another runner or an update moved it), so a fresh read follows at once.
   * Root tasks the runner has free slots for are claimed by the same transaction and start as it
   * commits, as with a trigger fire.
   */
  private async fire(row: CronScheduleRecord, nowMs: number): Promise<number> {
    const { store, registry, config, logger, runnerId, rootClaims } = this.ctx;
    const workflow = registry.latest(row.workflowName);
    if (workflow === undefined || row.nextRunAtMs === null) return Number.POSITIVE_INFINITY;
    try {
      const plan = planFire(row, nowMs, config.cronMaxCatchupExecutions);
      const tasks = registry.plan(workflow);
      const contexts = plan.times.map((scheduledTimeMs) => runContext(row, scheduledTimeMs));
      // Slots for the tasks that start: a root whose trigger rule skips it takes none.
      const starting = contexts.map((context) => startOf(tasks, context).ready.length);
      using slots = rootClaims.reserve(starting.reduce((sum, n) => sum + n, 0));
      // The oldest times get the slots first: a catch-up runs in scheduled order.
      const shares = shareOut(slots.count, starting);
      const fires = plan.times.map((scheduledTimeMs, i) => {
        const execution: NewExecution = {
          id: newExecutionId(),
          workflowName: row.workflowName,
          workflowVersion: workflow.version,
          initialContext: contexts[i]!,
          tasks,
          nowMs,
          runnerId,
          claimRoots: shares[i]!,
          ...limitsOf(workflow, contexts[i]!),
        };
        return { scheduledTimeMs, execution };
      });
      const outcome = await store.claimCronFire({
        scheduleId: row.id,
        seenVersion: row.version,
        seenNextRunAtMs: row.nextRunAtMs,
        nextRunAtMs: plan.nextRunAtMs,
        workflowName: row.workflowName,
        fires,
        missed: plan.missed,
        nowMs,
        runnerId,
      });
      await rootClaims.adopt(outcome.roots, slots);
      if (!outcome.claimed) return nowMs;
      // No `runnerId` here: the service's logger is a child that carries it already.
      const log = { schedule: row.id, workflow: row.workflowName };
      this.ctx.metrics.cronFired(outcome.fired.length);
      if (plan.missed !== null) {
        this.ctx.metrics.cronMissed(plan.missed.count);
        logger.warn(
          { ...log, missed: plan.missed.count },
          `cron schedule missed ticks: ${plan.missed.message}`,
        );
      }
      for (const fired of outcome.fired) {
        logger.info(
          {
            ...log,
            executionId: fired.executionId,
            scheduledTime: new Date(fired.scheduledTimeMs).toISOString(),
          },
          'cron schedule fired',
        );
      }
      return plan.nextRunAtMs ?? Number.POSITIVE_INFINITY;
    } catch (error) {
      // Left due: retried after the poll interval, not in a tight loop.
      logger.warn(
        { err: toError(error), schedule: row.id },
        'cron fire failed; retrying after the poll interval',
      );
      return nowMs + config.cronPollIntervalMs;
    }
  }

  /** Starts a recovery sweep unless one is running; never throws. */
  private recover(): void {
    if (this.recovering !== undefined) return;
    this.recovering = recoverCronRuns(this.ctx)
      .then(
        () => undefined,
        (error: unknown) => {
          this.ctx.logger.warn(
            { err: toError(error) },
            'cron recovery failed; retrying at the next interval',
          );
        },
      )
      .finally(() => {
        this.recovering = undefined;
      });
  }
}
