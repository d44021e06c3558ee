/** Background services of a runner (trigger loop, cron loop) share one small lifecycle. */
import type { Clock, Logger, ResolvedRunnerConfig } from '../core/options.js';
import type { Store } from '../store/store.js';
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
}

/** A background loop started with the runner and stopped first at shutdown. */
export interface EngineService {
  readonly name: string;
  /** Starts the loop; must not throw for runtime failures (log and retry instead). */
  start(): void;
  /** Stops the loop and waits for work in flight to settle. Idempotent. */
  stop(): Promise<void>;
}
