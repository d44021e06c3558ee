/**
 * Store contract, concurrency groups: scheduling writes executions beyond a group's limit
 * `Queued` (roots not Ready), the transaction that frees a place admits the oldest waiting one,
 * and `admitWaiting` admits what no transaction did (a delayed start whose time came), on both
 * backends; two stores scheduling into one group at once never both take its last place.
 */
import { describe, expect } from 'vitest';
import { RUNNER, claim, complete, history, schedule, statuses, test } from './harness.js';
import { executionOf } from '../../helpers/plan.js';
import { single } from '../fixtures/workflows.js';

const group = { key: 'customer-1', limit: 1 };

describe.concurrent('store contract: concurrency groups', () => {
  test('queues beyond the limit and admits the oldest when a place frees', async ({ store }) => {
    const first = await schedule(store, single, { concurrency: group });
    const second = await schedule(store, single, { concurrency: group, nowMs: 1_001 });
    const third = await schedule(store, single, { concurrency: group, nowMs: 1_002 });
    const other = await schedule(store, single, { concurrency: { key: 'customer-2', limit: 1 } });

    expect(first.record).toMatchObject({ status: 'Pending', concurrency: group });
    expect(other.record.status).toBe('Pending');
    for (const queued of [second, third]) {
      expect(queued.record).toMatchObject({ status: 'Queued', concurrency: group });
      expect(await statuses(store, queued.record.id)).toEqual({ only: 'NotStarted' });
      expect(await history(store, queued.record.id)).toEqual(['workflow_queued']);
    }
    // Only the admitted executions' roots can be claimed.
    const claimed = await claim(store, single);
    expect(claimed.map((c) => c.executionId).sort()).toEqual(
      [first.record.id, other.record.id].sort(),
    );

    await complete(
      store,
      claimed.filter((c) => c.executionId === first.record.id),
    );
    expect((await store.getExecution(second.record.id))?.status).toBe('Pending');
    expect(await statuses(store, second.record.id)).toEqual({ only: 'Ready' });
    expect(await history(store, second.record.id)).toEqual([
      'workflow_queued',
      'workflow_admitted',
      'task_ready',
    ]);
    expect((await store.getExecution(third.record.id))?.status).toBe('Queued');
    expect(await store.countQueuedExecutions()).toEqual([{ workflowName: 'single', count: 1 }]);
  });

  test('admitWaiting starts a delayed execution of a group once its time comes', async ({
    store,
  }) => {
    const delayed = await schedule(store, single, { concurrency: group, runAtMs: 5_000 });
    expect(delayed.record.status).toBe('Queued');

    expect(await store.admitWaiting({ nowMs: 4_999, sinceMs: 0, runnerId: RUNNER })).toBe(0);
    expect((await store.getExecution(delayed.record.id))?.status).toBe('Queued');
    // A window that ended before its time does not see it; one that reaches it does.
    expect(await store.admitWaiting({ nowMs: 5_500, sinceMs: 5_000, runnerId: RUNNER })).toBe(0);
    expect(await store.admitWaiting({ nowMs: 5_000, sinceMs: 4_999, runnerId: RUNNER })).toBe(1);
    expect((await store.getExecution(delayed.record.id))?.status).toBe('Pending');
    expect((await claim(store, single, 5_000)).map((c) => c.executionId)).toEqual([
      delayed.record.id,
    ]);
  });

  test('admitWaiting pages through more groups than one read returns', async ({ store }) => {
    const inputs = Array.from({ length: 120 }, (_, i) =>
      executionOf(single, { concurrency: { key: `g${i}`, limit: 1 }, runAtMs: 5_000 }),
    );
    const scheduled = await store.scheduleExecutions(inputs);
    expect(scheduled.every((s) => s.record.status === 'Queued')).toBe(true);
    expect(await store.admitWaiting({ nowMs: 5_000, sinceMs: 0, runnerId: RUNNER })).toBe(120);
    expect(await store.countQueuedExecutions()).toEqual([]);
  });

  test('a cancel or a pause frees the place; a resume waits for one again', async ({ store }) => {
    const first = await schedule(store, single, { concurrency: group });
    const second = await schedule(store, single, { concurrency: group, nowMs: 1_001 });
    const third = await schedule(store, single, { concurrency: group, nowMs: 1_002 });

    await store.cancelExecution({ executionId: first.record.id, nowMs: 2_000, runnerId: RUNNER });
    expect((await store.getExecution(second.record.id))?.status).toBe('Pending');
    await store.pauseExecution({
      executionId: second.record.id,
      reason: null,
      nowMs: 2_001,
      runnerId: RUNNER,
    });
    expect((await store.getExecution(third.record.id))?.status).toBe('Pending');
    const resumed = await store.resumeExecution({
      executionId: second.record.id,
      nowMs: 2_002,
      runnerId: RUNNER,
    });
    expect(resumed.status).toBe('Queued');
    expect((await store.getExecution(second.record.id))?.status).toBe('Queued');
  });

  test('two stores scheduling into one group at once take its one place once', async ({
    store,
    another,
  }) => {
    const other = await another();
    // Five groups, ten racing starts each: without the group lock, two of a round see a free place.
    for (let round = 0; round < 5; round++) {
      const raced = { key: `race-${round}`, limit: 1 };
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          schedule(i % 2 === 0 ? store : other, single, { concurrency: raced, nowMs: 1_000 + i }),
        ),
      );
      const written = outcomes.map((o) => o.record.status);
      expect(written.filter((s) => s === 'Pending')).toHaveLength(1);
      expect(written.filter((s) => s === 'Queued')).toHaveLength(9);
    }
  });
});
