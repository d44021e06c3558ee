/**
 * Background retention: the runner holding the 'retention' lease deletes ended executions and
 * trigger and cron history past their ages (`RunnerConfig.retention`), on an interval. Every
 * runner configured with retention tries to take the lease on each tick; only the holder
 * prunes, so several runners on one database never delete the same rows at once.
 */
import { totalPruned, type ResolvedRetention } from '../core/retention.js';
import { toError } from '../errors.js';
import { runPrune } from './prune.js';
import type { EngineService, ServiceContext } from './service.js';
import { after, every } from './timers.js';

/** The name of the lease held by the runner that prunes. */
export const RETENTION_LEASE = 'retention';

/**
 * The first pass comes this long after start (or after one interval, if shorter): soon enough
 * that a runner restarted often still prunes, late enough to leave start-up its database.
 */
export const FIRST_PASS_DELAY_MS = 5_000;

/**
 * How long the lease is held without a renewal: three intervals, and at least a minute so that
 * clocks a little apart on two hosts cannot make a live holder's lease look expired. A holder
 * that dies without releasing it is replaced within this time.
 */
export function retentionLeaseTtlMs(intervalMs: number): number {
  return Math.max(3 * intervalMs, 60_000);
}

/** Prunes on an interval while this runner holds the retention lease. */
export class RetentionService implements EngineService {
  readonly name = 'retention';
  readonly #ctx: ServiceContext;
  readonly #retention: ResolvedRetention;
  readonly #ttlMs: number;
  readonly #cancels: (() => void)[] = [];
  #pass: Promise<void> | undefined;
  #stopped = false;
  /** Whether this runner holds the lease, as of its latest take or renewal. */
  #held = false;
  #renewedAtMs = 0;

  constructor(ctx: ServiceContext, retention: ResolvedRetention) {
    this.#ctx = ctx;
    this.#retention = retention;
    this.#ttlMs = retentionLeaseTtlMs(retention.intervalMs);
  }

  start(): void {
    const { intervalMs } = this.#retention;
    this.#cancels.push(
      after(this.#ctx.clock, Math.min(intervalMs, FIRST_PASS_DELAY_MS), () => this.#tick()),
    );
    this.#cancels.push(every(this.#ctx.clock, intervalMs, () => this.#tick()));
  }

  /** Starts a pass unless one is running: a pass slower than the interval is not doubled. */
  #tick(): void {
    if (this.#stopped || this.#pass !== undefined) return;
    this.#pass = this.#run().finally(() => (this.#pass = undefined));
  }

  async #run(): Promise<void> {
    const { store, clock, logger, metrics } = this.#ctx;
    try {
      if (!(await this.#renew())) return;
      const counts = await runPrune({
        store,
        plan: this.#retention,
        nowMs: clock.now(),
        onBatch: (batch) => metrics.pruned(batch),
        proceed: () => this.#keep(),
      });
      if (totalPruned(counts) > 0) {
        logger.info({ ...counts }, 'pruned ended executions and history past their retention');
      }
    } catch (error) {
      logger.warn({ err: toError(error) }, 'pruning failed; retrying at the next interval');
    }
  }

  /** Takes or renews the lease; false when another runner holds it. */
  async #renew(): Promise<boolean> {
    const { store, clock, runnerId, logger } = this.#ctx;
    const nowMs = clock.now();
    const held = await store.acquireLease({
      name: RETENTION_LEASE,
      holder: runnerId,
      nowMs,
      ttlMs: this.#ttlMs,
    });
    if (!held) {
      logger.debug(
        { lease: RETENTION_LEASE },
        'another runner holds the retention lease; not pruning',
      );
    } else if (!this.#held) {
      logger.debug({ lease: RETENTION_LEASE }, 'took the retention lease; this runner prunes');
    }
    this.#held = held;
    if (held) this.#renewedAtMs = nowMs;
    return held;
  }

  /**
   * Between batches: stop at shutdown, and renew the lease once a third of its time has gone,
   * so a long pass keeps it; a lease lost meanwhile ends the pass.
   */
  async #keep(): Promise<boolean> {
    if (this.#stopped) return false;
    if (this.#ctx.clock.now() - this.#renewedAtMs < this.#ttlMs / 3) return true;
    return this.#renew();
  }

  /** Stops the timers, lets a pass end after its batch, and releases the lease. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const cancel of this.#cancels.splice(0)) cancel();
    await this.#pass;
    if (!this.#held) return;
    this.#held = false;
    try {
      await this.#ctx.store.releaseLease({ name: RETENTION_LEASE, holder: this.#ctx.runnerId });
    } catch (error) {
      this.#ctx.logger.warn(
        { err: toError(error) },
        'releasing the retention lease failed; another runner takes it once it expires',
      );
    }
  }
}
