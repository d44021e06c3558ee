/**
 * A client's `clientId` names it as the writer of the events it records. Clients connecting
 * again and again with the same id (a script, a scheduled command) share one row of
 * `event_runners` instead of adding one each; without it each client is a new writer. A bad id
 * is a `ConfigError` before anything is opened.
 */
import { describe, expect, it } from 'vitest';
import { Client, ConfigError, task, workflow } from '../../src/index.js';
import { createRunner, freshDatabase, stopRunner, type FreshDatabase } from '../helpers/backend.js';
import { rawQuery } from '../helpers/raw.js';

/** A database holding the stored definition of `tick` (no runner left on it). */
async function databaseWithTick(): Promise<FreshDatabase> {
  const db = freshDatabase();
  const runner = await createRunner({}, db.url);
  try {
    runner.register(workflow({ name: 'tick', tasks: [task({ id: 'noop' }, () => undefined)] }));
    await runner.definitionsStored();
  } finally {
    await stopRunner(runner);
  }
  return db;
}

/** Schedules one `tick` through a new client with `options`; the writer of its first event. */
async function scheduleThroughClient(
  db: FreshDatabase,
  options: { clientId?: string },
): Promise<string | null> {
  const client = await Client.connect(db.url, options);
  try {
    const handle = await client.executeAsync('tick');
    const [first] = await client.getExecutionEvents(handle.executionId);
    return first?.runnerId ?? null;
  } finally {
    await client.close();
  }
}

/** The writers stored in `event_runners`. */
async function writers(db: FreshDatabase): Promise<string[]> {
  const rows = await rawQuery<{ runner_id: string }>(
    db,
    'SELECT runner_id FROM event_runners ORDER BY runner_id',
  );
  return rows.map((row) => row.runner_id);
}

describe('a client id', () => {
  it('names the writer of what the client records, one row however often it connects', async () => {
    const db = await databaseWithTick();
    for (let i = 0; i < 3; i++) {
      expect(await scheduleThroughClient(db, { clientId: 'nightly-report' })).toBe(
        'client:nightly-report',
      );
    }
    expect(await writers(db)).toEqual(['client:nightly-report']);
  });

  it('is a new random one per client when not given', async () => {
    const db = await databaseWithTick();
    const first = await scheduleThroughClient(db, {});
    const second = await scheduleThroughClient(db, {});
    expect(first).toMatch(/^client:[0-9a-f-]{36}$/);
    expect(second).not.toBe(first);
    expect((await writers(db)).sort()).toEqual([first, second].sort());
  });

  it('rejects an empty id, or one with a control character, naming the option', async () => {
    const db = freshDatabase();
    for (const clientId of ['', '  ', 'a\u0000b']) {
      const error = await Client.connect(db.url, { clientId }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).code).toBe('CONFIG');
      expect((error as ConfigError).message).toContain('clientId');
    }
  });
});
