/** Background services of a runner (trigger loop, cron loop) share one small lifecycle. */
import type { Clock, Logger, ResolvedRunnerConfig } from '../core/options.js';
import type { ClaimedTask, Store } from '../store/store.js';
import type { EngineMetrics } from './metrics.js';
import type { WorkflowCatalog } from './registry.js';
import { Slots, type Reservation } from './slots.js';
import type { TaskThreads } from './threads/pool.js';

/** What a service gets from the runner that hosts it. */
export interface ServiceContext {
  readonly store: Store;
  /** A runner's registry; a client passes its stored definitions (no task code). */
  readonly registry: WorkflowCatalog;
  readonly config: ResolvedRunnerConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly runnerId: string;
  readonly metrics: EngineMetrics;
  /** Starts root tasks claimed by a scheduling transaction ({@link noRootClaims} in a client). */
  readonly rootClaims: RootClaims;
  /** The runner's worker threads, for thread polls; a client, which polls nothing, has none. */
  readonly threads?: TaskThreads;
}

/**
 * Root tasks that a scheduling write (an execution, a trigger fire, a cron fire) claims for
 * this runner in its own transaction, so they start when it commits instead of after a second,
 * claiming transaction (see `NewExecution.claimRoots`). Every such write goes the same way:
 *
 * ```ts
 * using slots = ctx.rootClaims.reserve(roots);
 * const outcome = await store.write({ ..., claimRoots: slots.count });
 * await ctx.rootClaims.adopt(outcome.claimed, slots);
 * ```
 *
 * Slots left unused go back when `slots` is disposed, also when the write throws.
 */
export interface RootClaims {
  /** Reserves free slots for up to `roots` root tasks; none when none is free or older work waits. */
  reserve(roots: number): Reservation;
  /** Starts the `claimed` tasks, each in a slot taken from `slots`. */
  adopt(claimed: readonly ClaimedTask[], slots: Reservation): Promise<void>;
}

/** The root claims of a process that runs no tasks (a client): it reserves none. */
export const noRootClaims: RootClaims = {
  reserve: () => new Slots(0).reserve(0),
  adopt: () => Promise.resolve(),
};

/**
 * Shares `count` slots out over executions that want `wants[i]` each, in order: the earliest
 * get theirs first (a cron catch-up runs in scheduled order, a batch in call order).
 */
export function shareOut(count: number, wants: readonly number[]): number[] {
  let left = count;
  return wants.map((want) => {
    const share = Math.min(want, left);
    left -= share;
    return share;
  });
}

/** A background loop started with the runner and stopped first at shutdown. */
export interface EngineService {
  readonly name: string;
  /** Starts the loop; must not throw for runtime failures (log and retry instead). */
  start(): void;
  /** Stops the loop and waits for work in flight to settle. Idempotent. */
  stop(): Promise<void>;
}
