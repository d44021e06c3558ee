/**
 * The backend under test, chosen by `TEST_DB` (`sqlite` default, `postgres`). Every runner a test
 * creates is tracked; an `afterEach` fails the test that leaves one running.
 *
 * Isolation: on SQLite each fresh database is a temp file; on PostgreSQL it is a schema of its own
 * on the server at `CLOACINA_TEST_PG_URL`, named by the URL's `?schema=` parameter (so the URL
 * alone isolates, also when a test hands it to `openStore` or to a child process), dropped when
 * the test file ends.
 */
import { quietLogger } from './quiet-logger.js';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, inject } from 'vitest';
import { DefaultRunner, type RunnerConfig, type RunnerEvent } from '../../src/index.js';
import type { WrapStoreOption } from '../../src/store-wrapper.js';
import { dropSchemas, PG_URL } from './pg.js';

/** Which backend this test run exercises. */
export const backend: 'sqlite' | 'postgres' =
  process.env.TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

const scratch = mkdtempSync(join(tmpdir(), 'cloacina-test-'));
let counter = 0;
const live = new Set<DefaultRunner>();
/** Distinguishes this file's schemas from those of other runs sharing the server. */
const fileTag = `${process.pid}_${randomBytes(3).toString('hex')}`;
/** Schemas handed out by this test file, dropped at its end. */
const schemas = new Set<string>();

/** A fresh, empty database for this backend: its URL and, on PostgreSQL, its schema. */
export interface FreshDatabase {
  readonly url: string;
  /** The tenant schema to pass as `schema` (PostgreSQL only). */
  readonly schema: string | undefined;
}

/** A fresh SQLite file URL whatever the backend (for tests of SQLite-only behaviour). */
export function freshSqliteUrl(): string {
  counter += 1;
  return `sqlite://${join(scratch, `db-${process.pid}-${counter}.db`)}`;
}

/** A fresh, empty database for this backend (see the module comment for the isolation). */
export function freshDatabase(): FreshDatabase {
  if (backend === 'sqlite') return { url: freshSqliteUrl(), schema: undefined };
  counter += 1;
  const schema = `t_${fileTag}_${counter}`;
  const url = new URL(PG_URL);
  url.searchParams.set('schema', schema);
  // Shown in pg_stat_activity, which tells the connections of concurrent tests apart.
  url.searchParams.set('application_name', schema);
  schemas.add(schema);
  return { url: url.toString(), schema };
}

/** A fresh, empty database URL for this backend (see the module comment for the isolation). */
export function freshDatabaseUrl(): string {
  return freshDatabase().url;
}

/** A quiet logger for tests (set CLOACINA_TEST_LOG=1 to see the engine's logs). */
export { quietLogger };

/** Creates a runner on `url` (default: a fresh database), tracked for the leak check. */
export async function createRunner(
  config: RunnerConfig & WrapStoreOption = {},
  url = freshDatabaseUrl(),
): Promise<DefaultRunner> {
  const runner = await DefaultRunner.create(url, {
    schedulerPollInterval: '50ms',
    ...(process.env.CLOACINA_TEST_LOG === '1' ? {} : { logger: quietLogger }),
    ...config,
  });
  live.add(runner);
  return runner;
}

/** Shuts a runner down and forgets it. */
export async function stopRunner(
  runner: DefaultRunner,
  options?: Parameters<DefaultRunner['shutdown']>[0],
): Promise<void> {
  live.delete(runner);
  await runner.shutdown(options);
}

afterEach(async () => {
  const leaked = [...live].filter((runner) => !runner.isShutdown);
  live.clear();
  await Promise.all(leaked.map((runner) => runner.shutdown({ graceful: false })));
  if (leaked.length > 0)
    throw new Error(`${leaked.length} runner(s) left running by this test; call stopRunner().`);
});

afterAll(async () => {
  rmSync(scratch, { recursive: true, force: true });
  const created = [...schemas];
  schemas.clear();
  // Without a server every test was skipped and there is nothing to drop.
  if (backend === 'postgres' && inject('pgAvailable')) await dropSchemas(created);
});

/** Resolves with the first event matching `predicate` (subscribe before triggering it). */
export function nextEvent(
  runner: DefaultRunner,
  predicate: (event: RunnerEvent) => boolean,
): Promise<RunnerEvent> {
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
