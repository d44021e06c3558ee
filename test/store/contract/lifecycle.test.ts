/**
 * Store contract, the store's own lifecycle: `dialect` and `capabilities`, `migrate` (again,
 * and from several processes at once), `ping`, `close`, on both backends.
 */
import { describe, expect } from 'vitest';
import { openStore } from '../../../src/store/open.js';
import { existsSync } from 'node:fs';
import { MIGRATIONS } from '../../../src/store/migrations.js';
import { backend, freshDatabase } from '../../helpers/backend.js';
import { rawQuery } from '../../helpers/raw.js';
import { schedule, test } from './harness.js';
import { single } from '../fixtures/workflows.js';

describe.concurrent('store contract: lifecycle', () => {
  test('names its dialect and what it can do', async ({ store }) => {
    expect(store.dialect).toBe(backend);
    const postgres = backend === 'postgres';
    expect(store.capabilities).toMatchObject({
      concurrentWriters: postgres,
      claimsSkipHeldRows: postgres,
      chainedWrites: postgres,
      readsRideWithCommit: postgres,
      listenNotify: postgres,
      statementsBlockProcess: !postgres,
    });
    await expect(store.ping()).resolves.toBeUndefined();
  });

  test('migrating again, and from several processes at once, changes nothing', async ({
    store,
    another,
  }) => {
    const scheduled = await schedule(store, single);
    await store.migrate();
    await Promise.all([another(), another()]);

    expect(await store.getExecution(scheduled.record.id)).toEqual(scheduled.record);
    expect(await store.countActiveExecutions()).toBe(1);
  });

  test('closing twice is fine; a closed store answers no more', async ({ db }) => {
    const store = await openStore(db.url);
    await store.migrate();
    await store.close();
    await store.close();
    await expect(store.ping()).rejects.toThrow();
  });

  test('reads the applied migrations without creating anything; null before the first migrate', async ({
    db,
    store,
  }) => {
    expect(await store.appliedMigrations()).toEqual(
      MIGRATIONS.map((m) => m.id).sort((a, b) => a - b),
    );
    // A second database, never migrated: nothing to read, and reading creates nothing.
    const fresh = freshDatabase();
    const empty = await openStore(fresh.url);
    try {
      expect(await empty.appliedMigrations()).toBeNull();
      expect(await empty.appliedMigrations()).toBeNull();
    } finally {
      await empty.close();
    }
    expect(db.url).not.toBe(fresh.url);
  });

  test('opened with create: false, a missing database stays missing', async () => {
    const fresh = freshDatabase();
    if (backend === 'sqlite') {
      await expect(openStore(fresh.url, { create: false })).rejects.toMatchObject({
        code: 'NO_DATABASE',
      });
      expect(existsSync(new URL(fresh.url).pathname)).toBe(false);
    } else {
      const store = await openStore(fresh.url, { create: false });
      try {
        expect(await store.appliedMigrations()).toBeNull();
      } finally {
        await store.close();
      }
      const schemas = await rawQuery(fresh, 'SELECT 1 FROM pg_namespace WHERE nspname = ?', [
        fresh.schema!,
      ]);
      expect(schemas).toEqual([]);
    }
  });
});
