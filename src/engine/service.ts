/** Background services of a runner (trigger loop, cron loop) share one small lifecycle. */
import type { Clock, Logger, ResolvedRunnerConfig } from '../core/options.js';
import type { ClaimedTask, Store } from '../store/store.js';
import type { EngineMetrics } from './metrics.js';
import type { WorkflowCatalog } from './registry.js';

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
  /** Starts root tasks claimed by a scheduling transaction; absent where no task runs (a client). */
  readonly rootClaims?: RootClaims;
}

/**
 * Root tasks that a fire claims for this runner in its own transaction, so they start when it
 * commits instead of after a second, claiming transaction (see `NewExecution.claimRoots`).
 */
export interface RootClaims {
  /** Reserves free slots for up to `roots` root tasks; 0 when none is free or older work waits. */
  reserve(roots: number): number;
  /** Starts the `claimed` tasks on the reserved slots and frees the rest (all, when none). */
  adopt(claimed: readonly ClaimedTask[], reserved: number): Promise<void>;
}

/** A background loop started with the runner and stopped first at shutdown. */
export interface EngineService {
  readonly name: string;
  /** Starts the loop; must not throw for runtime failures (log and retry instead). */
  start(): void;
  /** Stops the loop and waits for work in flight to settle. Idempotent. */
  stop(): Promise<void>;
}
