/**
 * Store contract, rate groups: scheduling lets at most `limit` executions of a group start in
 * any period and writes the rest `Queued` (roots not Ready); `admitRateLimited` admits them,
 * oldest first, as the sliding window allows and says when the next window opens; a workflow
 * with a concurrency limit as well needs room under both; two stores racing for a window's last
 * place take it once, on both backends.
 */
import { describe, expect } from 'vitest';
import { RUNNER, claim, complete, history, schedule, statuses, test } from './harness.js';
import { single } from '../fixtures/workflows.js';

const rate = { key: 'tenant-1', limit: 2, periodMs: 1_000 };

describe.concurrent('store contract: rate groups', () => {
  test('starts at most limit per period and admits the rest as the window slides', async ({
    store,
  }) => {
    const scheduled = [];
    for (let i = 0; i < 5; i++) {
      scheduled.push(await schedule(store, single, { rateLimit: rate, nowMs: 1_000 + i * 100 }));
    }
    const other = await schedule(store, single, {
      rateLimit: { ...rate, key: 'tenant-2' },
      nowMs: 1_400,
    });
    expect(scheduled.map((s) => s.record.status)).toEqual([
      'Pending',
      'Pending',
      'Queued',
      'Queued',
      'Queued',
    ]);
    expect(other.record.status).toBe('Pending');
    expect(scheduled[0]!.record).toMatchObject({ rateLimit: rate, rateStartedAtMs: 1_000 });
    expect(scheduled[2]!.record).toMatchObject({ rateLimit: rate, rateStartedAtMs: null });
    expect(await statuses(store, scheduled[2]!.record.id)).toEqual({ only: 'NotStarted' });
    expect(await history(store, scheduled[2]!.record.id)).toEqual(['workflow_queued']);
    const [queuedEvent] = await store.getEvents(scheduled[2]!.record.id);
    expect(queuedEvent?.data).toEqual({ rateLimit: rate, waitsFor: 'rate' });

    // Starts at 1000 and 1100: the window (t - 1000, t] has room again at 2000.
    expect(await store.admitRateLimited({ nowMs: 1_999, runnerId: RUNNER })).toEqual({
      admitted: 0,
      nextOpeningMs: 2_000,
    });
    expect(await store.admitRateLimited({ nowMs: 2_000, runnerId: RUNNER })).toEqual({
      admitted: 1,
      nextOpeningMs: 2_100,
    });
    const admitted = await store.getExecution(scheduled[2]!.record.id);
    expect(admitted).toMatchObject({ status: 'Pending', rateStartedAtMs: 2_000 });
    expect(await history(store, scheduled[2]!.record.id)).toEqual([
      'workflow_queued',
      'workflow_admitted',
      'task_ready',
    ]);
    expect((await store.getExecution(scheduled[3]!.record.id))?.status).toBe('Queued');
    // Ended executions still count: a window counts starts, not running executions.
    await complete(store, await claim(store, single, 2_050), 2_060);
    expect(await store.admitRateLimited({ nowMs: 2_099, runnerId: RUNNER })).toEqual({
      admitted: 0,
      nextOpeningMs: 2_100,
    });
    expect(await store.admitRateLimited({ nowMs: 3_500, runnerId: RUNNER })).toEqual({
      admitted: 2,
      nextOpeningMs: null,
    });
    // A new start finds the window holding 2 starts in (2500, 3500]: it waits, behind nobody.
    const late = await schedule(store, single, { rateLimit: rate, nowMs: 3_500 });
    expect(late.record.status).toBe('Queued');
    expect(await store.countQueuedExecutions()).toEqual([{ workflowName: 'single', count: 1 }]);
  });

  test('a new start waits behind older waiters of its group, first in first out', async ({
    store,
  }) => {
    const first = await schedule(store, single, { rateLimit: { ...rate, limit: 1 } });
    const second = await schedule(store, single, {
      rateLimit: { ...rate, limit: 1 },
      nowMs: 1_500,
    });
    // At 2100 the window has room, but `second` waits already: the newcomer queues behind it.
    const third = await schedule(store, single, {
      rateLimit: { ...rate, limit: 1 },
      nowMs: 2_100,
    });
    expect([first, second, third].map((s) => s.record.status)).toEqual([
      'Pending',
      'Queued',
      'Queued',
    ]);
    await store.admitRateLimited({ nowMs: 2_100, runnerId: RUNNER });
    expect((await store.getExecution(second.record.id))?.status).toBe('Pending');
    expect((await store.getExecution(third.record.id))?.status).toBe('Queued');
  });

  test('with a concurrency limit too, an execution starts only with room under both', async ({
    store,
  }) => {
    const both = { rateLimit: rate, concurrency: { key: 'c', limit: 1 } };
    const first = await schedule(store, single, both);
    const second = await schedule(store, single, { ...both, nowMs: 1_001 });
    expect(first.record.status).toBe('Pending');
    expect(second.record.status).toBe('Queued');
    const [queuedEvent] = await store.getEvents(second.record.id);
    expect(queuedEvent?.data).toEqual({
      key: 'c',
      limit: 1,
      rateLimit: rate,
      waitsFor: 'concurrency',
    });
    // The window has room but the place is held: the rate pass admits nothing.
    expect(await store.admitRateLimited({ nowMs: 1_500, runnerId: RUNNER })).toEqual({
      admitted: 0,
      nextOpeningMs: null,
    });
    // Ending the first frees the place: the same transaction admits the second (window has room).
    await complete(store, await claim(store, single, 1_600), 1_700);
    expect(await store.getExecution(second.record.id)).toMatchObject({
      status: 'Pending',
      rateStartedAtMs: 1_700,
    });
    // Now the window is full (1000, 1700) and the place held: a third waits for both.
    const third = await schedule(store, single, { ...both, nowMs: 1_800 });
    expect(third.record.status).toBe('Queued');
    await complete(store, await claim(store, single, 1_900), 1_950);
    // The place freed at 1950, but the window holds two starts until 2000.
    expect((await store.getExecution(third.record.id))?.status).toBe('Queued');
    expect(await store.admitRateLimited({ nowMs: 1_999, runnerId: RUNNER })).toEqual({
      admitted: 0,
      nextOpeningMs: 2_000,
    });
    expect(await store.admitRateLimited({ nowMs: 2_000, runnerId: RUNNER })).toMatchObject({
      admitted: 1,
    });
    expect((await store.getExecution(third.record.id))?.status).toBe('Pending');
  });

  test('a delayed start waits for its time and then for its window', async ({ store }) => {
    const delayed = await schedule(store, single, { rateLimit: rate, runAtMs: 5_000 });
    expect(delayed.record.status).toBe('Queued');
    expect(await store.admitRateLimited({ nowMs: 4_999, runnerId: RUNNER })).toEqual({
      admitted: 0,
      nextOpeningMs: null,
    });
    expect(await store.admitRateLimited({ nowMs: 5_000, runnerId: RUNNER })).toMatchObject({
      admitted: 1,
    });
    expect((await claim(store, single, 5_000)).map((c) => c.executionId)).toEqual([
      delayed.record.id,
    ]);
  });

  test('a paused waiter resumes into the queue; a started one does not take a second place', async ({
    store,
  }) => {
    const first = await schedule(store, single, { rateLimit: { ...rate, limit: 1 } });
    const second = await schedule(store, single, {
      rateLimit: { ...rate, limit: 1 },
      nowMs: 1_001,
    });
    await store.pauseExecution({
      executionId: second.record.id,
      reason: null,
      nowMs: 1_100,
      runnerId: RUNNER,
    });
    // Resumed after the window opened: admitted by the resume itself.
    const resumed = await store.resumeExecution({
      executionId: second.record.id,
      nowMs: 2_500,
      runnerId: RUNNER,
    });
    expect(resumed.status).toBe('Queued');
    expect(await store.getExecution(second.record.id)).toMatchObject({
      status: 'Pending',
      rateStartedAtMs: 2_500,
    });
    // The first, paused and resumed after it started, goes straight back: its start counted once.
    await store.pauseExecution({
      executionId: first.record.id,
      reason: null,
      nowMs: 2_600,
      runnerId: RUNNER,
    });
    const back = await store.resumeExecution({
      executionId: first.record.id,
      nowMs: 2_700,
      runnerId: RUNNER,
    });
    expect(back).toMatchObject({ status: 'Pending', rateStartedAtMs: 1_000 });
  });

  test('admitRateLimited pages through more groups than one read returns', async ({ store }) => {
    for (let i = 0; i < 120; i++) {
      await schedule(store, single, { rateLimit: { key: `g${i}`, limit: 1, periodMs: 1_000 } });
      await schedule(store, single, {
        rateLimit: { key: `g${i}`, limit: 1, periodMs: 1_000 },
        nowMs: 1_001,
      });
    }
    expect(await store.admitRateLimited({ nowMs: 1_999, runnerId: RUNNER })).toEqual({
      admitted: 0,
      nextOpeningMs: 2_000,
    });
    expect(await store.admitRateLimited({ nowMs: 2_000, runnerId: RUNNER })).toEqual({
      admitted: 120,
      nextOpeningMs: null,
    });
    expect(await store.countQueuedExecutions()).toEqual([]);
  });

  test('two stores racing for a window take its places once', async ({ store, another }) => {
    const other = await another();
    for (let round = 0; round < 5; round++) {
      const raced = { key: `race-${round}`, limit: 3, periodMs: 1_000 };
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          schedule(i % 2 === 0 ? store : other, single, { rateLimit: raced, nowMs: 1_000 + i }),
        ),
      );
      const written = outcomes.map((o) => o.record.status);
      expect(written.filter((s) => s === 'Pending')).toHaveLength(3);
      // Both stores' passes at the window's opening admit three more between them.
      const passes = await Promise.all([
        store.admitRateLimited({ nowMs: 2_100, runnerId: RUNNER }),
        other.admitRateLimited({ nowMs: 2_100, runnerId: 'runner-2' }),
      ]);
      expect(passes[0].admitted + passes[1].admitted).toBe(3);
    }
  });

  test('two stores racing into groups with both limits keep both', async ({ store, another }) => {
    const other = await another();
    for (let round = 0; round < 3; round++) {
      const raced = { key: `both-${round}`, limit: 4, periodMs: 1_000 };
      const outcomes = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          schedule(i % 2 === 0 ? store : other, single, {
            rateLimit: raced,
            concurrency: { key: `c${round}-${i % 3}`, limit: 1 },
            nowMs: 1_000 + i,
          }),
        ),
      );
      // A start may queue behind an older waiter of its rate group that waits for another
      // concurrency group; the rate pass admits it. Then each of the three concurrency groups
      // has its one place taken, and the window (4) has room for all three.
      await store.admitRateLimited({ nowMs: 1_100, runnerId: RUNNER });
      const statuses = await Promise.all(
        outcomes.map(async (o, i) => ({
          group: i % 3,
          status: (await store.getExecution(o.record.id))?.status,
        })),
      );
      const pending = statuses.filter((s) => s.status === 'Pending');
      expect(pending.map((s) => s.group).sort()).toEqual([0, 1, 2]);
      expect(
        statuses.filter((s) => s.status !== 'Pending').every((s) => s.status === 'Queued'),
      ).toBe(true);
    }
  });
});
