/**
 * Store contract, retention: leases of singleton work, and pruning ended executions (with their
 * tasks and events) in batches, never one that has not ended, on both backends.
 */
import { statSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { totalPruned } from '../../../src/core/retention.js';
import { backend } from '../../helpers/backend.js';
import { rawQuery } from '../../helpers/raw.js';
import { claim, complete, schedule, test } from './harness.js';
import { executionOf } from '../../helpers/plan.js';
import { single } from '../fixtures/workflows.js';

const lease = { name: 'retention', ttlMs: 1_000 };

describe.concurrent('store contract: retention', () => {
  test('a lease has one holder until it expires or is released', async ({ store }) => {
    expect(await store.acquireLease({ ...lease, holder: 'a', nowMs: 0 })).toBe(true);
    expect(await store.acquireLease({ ...lease, holder: 'b', nowMs: 500 })).toBe(false);
    // The holder renews it; another takes it only once it has expired.
    expect(await store.acquireLease({ ...lease, holder: 'a', nowMs: 900 })).toBe(true);
    expect(await store.acquireLease({ ...lease, holder: 'b', nowMs: 1_500 })).toBe(false);
    expect(await store.acquireLease({ ...lease, holder: 'b', nowMs: 1_900 })).toBe(true);
    // Released by its holder only; then free at once.
    await store.releaseLease({ name: 'retention', holder: 'a' });
    expect(await store.acquireLease({ ...lease, holder: 'a', nowMs: 2_000 })).toBe(false);
    await store.releaseLease({ name: 'retention', holder: 'b' });
    expect(await store.acquireLease({ ...lease, holder: 'a', nowMs: 2_000 })).toBe(true);
  });

  test('prunes ended executions past their cut in batches, and never one not ended', async ({
    store,
  }) => {
    const ended: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = (await schedule(store, single)).record.id;
      await complete(store, await claim(store, single, 2_000), 3_000);
      ended.push(id);
    }
    const running = (await schedule(store, single)).record.id;
    const delayed = (await schedule(store, single, { runAtMs: 9_000 })).record.id;
    await claim(store, single, 4_000);
    const cuts = [{ status: 'Completed' as const, beforeMs: 10_000 }];

    const counted = await store.countPrunable({ cuts, historyBeforeMs: null });
    expect(counted).toMatchObject({ executions: 3, tasks: 3 });
    expect(counted.events).toBeGreaterThanOrEqual(9);

    // A batch of 2 rows deletes at most 2; the rest goes in later batches, until nothing is left.
    const first = await store.pruneExecutions({ cuts, limit: 2 });
    expect(first.executions + first.tasks + first.events).toBeLessThanOrEqual(2);
    let total = { ...first };
    for (;;) {
      const next = await store.pruneExecutions({ cuts, limit: 1_000 });
      if (next.executions + next.tasks + next.events === 0) break;
      total = {
        ...total,
        executions: total.executions + next.executions,
        tasks: total.tasks + next.tasks,
        events: total.events + next.events,
      };
    }
    expect(total).toMatchObject({ executions: 3, tasks: 3, events: counted.events });
    for (const id of ended) expect(await store.getExecution(id)).toBeNull();
    expect((await store.getExecution(running))?.status).toBe('Running');
    expect((await store.getExecution(delayed))?.status).toBe('Scheduled');
    expect(await store.getTasks(running)).toHaveLength(1);
    expect((await store.getEvents(running)).length).toBeGreaterThan(0);
  });

  test('a cut keeps executions that ended after it, and other statuses', async ({ store }) => {
    await schedule(store, single);
    await complete(store, await claim(store, single, 2_000), 3_000);
    const early = [{ status: 'Completed' as const, beforeMs: 3_000 }];
    expect(await store.pruneExecutions({ cuts: early, limit: 1_000 })).toMatchObject({
      executions: 0,
    });
    const failed = [{ status: 'Failed' as const, beforeMs: 10_000 }];
    expect(await store.pruneExecutions({ cuts: failed, limit: 1_000 })).toMatchObject({
      executions: 0,
    });
  });

  test('pruning history with nothing old deletes nothing', async ({ store }) => {
    expect(await store.pruneHistory({ beforeMs: 10_000, limit: 1_000 })).toMatchObject({
      triggerRuns: 0,
      cronRuns: 0,
    });
  });

  test('reclaimSpace gives the space pruning freed back to the filesystem', async ({
    store,
    db,
  }) => {
    // 2,000 ended executions with 4 KB of context each: about 8 MB of pages.
    const padding = 'x'.repeat(4_000);
    for (let i = 0; i < 20; i++) {
      await store.scheduleExecutions(
        Array.from({ length: 100 }, () => ({
          ...executionOf(single, { initialContext: { padding } }),
        })),
      );
      await complete(store, await claim(store, single, 2_000, 100), 3_000);
    }
    const cuts = [{ status: 'Completed' as const, beforeMs: 10_000 }];
    for (;;) {
      const batch = await store.pruneExecutions({ cuts, limit: 1_000 });
      if (totalPruned(batch) === 0) break;
    }
    await store.reclaimSpace();
    if (backend === 'postgres') {
      // Autovacuum's job there: nothing to check but that it answers.
      expect((await store.countPrunable({ cuts, historyBeforeMs: null })).executions).toBe(0);
      return;
    }
    const file = db.url.slice('sqlite://'.length);
    const [pages] = await rawQuery<{ freelist_count: number }>(db, 'PRAGMA freelist_count');
    expect(Number(pages!.freelist_count)).toBe(0);
    expect(statSync(`${file}-wal`).size).toBe(0);
    // What is left: the schema and the few rows of other tables, not the 8 MB.
    expect(statSync(file).size).toBeLessThan(2 * 2 ** 20);
  });
});
