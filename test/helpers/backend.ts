/**
 * The backend under test, chosen by `TEST_DB` (`sqlite` default, `postgres`). Every runner a test
 * creates is tracked; an `afterEach` fails the test that leaves one running.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { DefaultRunner, type RunnerConfig, type RunnerEvent } from '../../src/index.js';

/** Which backend this test run exercises. */
export const backend: 'sqlite' | 'postgres' = process.env.TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

const scratch = mkdtempSync(join(tmpdir(), 'cloacina-test-'));
let counter = 0;
const live = new Set<DefaultRunner>();

/** A fresh, empty database URL for this backend. */
export function freshDatabaseUrl(): string {
  counter += 1;
  return `sqlite://${join(scratch, `db-${process.pid}-${counter}.db`)}`;
}

/** A quiet logger for tests (set CLOACINA_TEST_LOG=1 to see the engine's logs). */
export const quietLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child() {
    return quietLogger;
  },
};

/** Creates a runner on `url` (default: a fresh database), tracked for the leak check. */
export async function createRunner(config: RunnerConfig = {}, url = freshDatabaseUrl()): Promise<DefaultRunner> {
  const runner = await DefaultRunner.create(url, {
    schedulerPollInterval: '50ms',
    ...(process.env.CLOACINA_TEST_LOG === '1' ? {} : { logger: quietLogger }),
    ...config,
  });
  live.add(runner);
  return runner;
}

/** Shuts a runner down and forgets it. */
export async function stopRunner(runner: DefaultRunner, options?: Parameters<DefaultRunner['shutdown']>[0]): Promise<void> {
  live.delete(runner);
  await runner.shutdown(options);
}

afterEach(async () => {
  const leaked = [...live].filter((runner) => !runner.isShutdown);
  live.clear();
  await Promise.all(leaked.map((runner) => runner.shutdown({ graceful: false })));
  if (leaked.length > 0) throw new Error(`${leaked.length} runner(s) left running by this test; call stopRunner().`);
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** Resolves with the first event matching `predicate` (subscribe before triggering it). */
export function nextEvent(runner: DefaultRunner, predicate: (event: RunnerEvent) => boolean): Promise<RunnerEvent> {
  return new Promise((resolve) => {
    const listener = (event: RunnerEvent): void => {
      if (predicate(event)) {
        runner.off('event', listener);
        resolve(event);
      }
    };
    runner.on('event', listener);
  });
}
