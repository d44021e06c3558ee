/**
 * The composition root: the one place that picks a storage adapter from a database URL and wires
 * it to the engine.
 */
import { resolveRunnerConfig, type RunnerConfig } from './core/options.js';
import { ConfigError } from './errors.js';
import { Engine } from './engine/engine.js';
import { systemClock } from './engine/clock.js';
import { createDefaultLogger } from './observability/logger.js';
import type { Store } from './store/store.js';
import { openStore } from './store/open.js';

/** The embedded workflow engine host: persists, schedules and executes workflows. */
export class DefaultRunner extends Engine {
  /**
   * Opens the database at `url` (SPEC §2.1 URL forms), runs migrations and starts the background
   * services. Invalid config or URL → `ConfigError` listing every problem.
   */
  static async create(url: string, config: RunnerConfig = {}): Promise<DefaultRunner> {
    const resolved = resolveRunnerConfig(config);
    const store: Store = await openStore(url, { schema: resolved.schema, poolSize: resolved.dbPoolSize });
    try {
      await store.migrate();
    } catch (error) {
      await store.close();
      throw error;
    }
    const runner = new DefaultRunner(store, resolved, resolved.logger ?? createDefaultLogger(), resolved.clock ?? systemClock);
    runner.start();
    return runner;
  }
}

export { ConfigError };
