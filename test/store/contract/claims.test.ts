/**
 * Store contract, claims, heartbeats and sweeps: `claimReadyTasks`, `heartbeat`,
 * `releaseClaims`, `sweepStaleClaims`, on both backends.
 */
import { describe, expect } from 'vitest';
import type { ClaimedTask, Store } from '../../../src/store/store.js';
import { RUNNER, claim, history, only, test, schedule, sorted, statuses } from './harness.js';
import { chain, pair, single } from '../fixtures/workflows.js';

describe.concurrent('store contract: claims', () => {
  test('claims Ready tasks oldest first, no more than the limit, of the named workflows only', async ({
    store,
  }) => {
    const older = await schedule(store, chain, { nowMs: 1_000 });
    const newer = await schedule(store, pair, { nowMs: 2_000 });
    const claimTwo = (names: string[], limit: number) =>
      store.claimReadyTasks({ runnerId: RUNNER, limit, nowMs: 3_000, workflowNames: names });

    expect(await claimTwo([], 5)).toEqual({ tasks: [], moreReady: false });
    expect(await claimTwo(['nothing'], 5)).toEqual({ tasks: [], moreReady: false });
    const first = await claimTwo(['chain', 'pair'], 2);
    expect(sorted(first.tasks).map((t) => [t.executionId, t.taskId])).toEqual([
      [older.record.id, 'a'],
      [newer.record.id, 'left'],
    ]);
    expect(first.moreReady).toBe(true);
    const rest = await claimTwo(['chain', 'pair'], 5);
    expect(rest.tasks.map((t) => t.taskId)).toEqual(['right']);
    expect(rest.moreReady).toBe(false);
    expect(await claimTwo(['chain', 'pair'], 5)).toEqual({ tasks: [], moreReady: false });
  });

  test('claims by priority, then oldest ready; a future-dated task waits whatever its priority', async ({
    store,
  }) => {
    const ids = new Map<string, string>();
    const starts: [string, number, number, number?][] = [
      ['zero-old', 1_000, 0],
      ['below', 1_100, -5],
      ['above-old', 1_200, 5],
      ['above-new', 1_300, 5],
      ['zero-new', 1_400, 0],
      ['later', 1_500, 9, 10_000],
      ['top', 1_600, 1_000],
    ];
    for (const [name, nowMs, priority, runAtMs] of starts) {
      const scheduled = await schedule(store, single, {
        nowMs,
        priority,
        ...(runAtMs === undefined ? {} : { runAtMs }),
      });
      expect(scheduled.record.priority).toBe(priority);
      ids.set(scheduled.record.id, name);
    }
    const claimAt = async (nowMs: number, limit: number): Promise<string[]> => {
      const { tasks } = await store.claimReadyTasks({
        runnerId: RUNNER,
        limit,
        nowMs,
        workflowNames: ['single'],
      });
      return tasks.map((t) => ids.get(t.executionId)!);
    };
    // One claim across segments takes the highest first and stops at its limit.
    expect((await claimAt(3_000, 3)).sort()).toEqual(['above-new', 'above-old', 'top']);
    expect(await claimAt(3_000, 1)).toEqual(['zero-old']);
    expect(await claimAt(3_000, 1)).toEqual(['zero-new']);
    expect(await claimAt(3_000, 1)).toEqual(['below']);
    expect(await claimAt(3_000, 5)).toEqual([]);
    expect(await claimAt(10_000, 5)).toEqual(['later']);
    const later = [...ids].find(([, name]) => name === 'later')![0];
    expect(await store.getExecution(later)).toMatchObject({ priority: 9, status: 'Running' });
  });

  test('a claim hands over the input and starts a Pending execution once', async ({ store }) => {
    const scheduled = await schedule(store, pair, { initialContext: { x: 1 } });

    const [left] = await claim(store, pair, 2_000, 1);
    expect(left).toEqual({
      taskExecutionId: expect.any(String) as unknown,
      claimId: expect.any(String) as unknown,
      executionId: scheduled.record.id,
      workflowName: 'pair',
      workflowVersion: pair.version,
      taskId: 'left',
      attempt: 1,
      input: { x: 1 },
      hasDependents: false,
      claimedAtMs: 2_000,
    });
    expect(await store.getExecution(scheduled.record.id)).toMatchObject({
      status: 'Running',
      startedAtMs: 2_000,
    });
    const task = (await store.getTasks(scheduled.record.id))[0]!;
    expect(task).toMatchObject({
      status: 'Running',
      claimedBy: RUNNER,
      heartbeatAtMs: 2_000,
      startedAtMs: 2_000,
    });
    // A second claim of the same execution does not start it again.
    await claim(store, pair, 3_000, 1);
    expect(await history(store, scheduled.record.id)).toEqual([
      'task_ready',
      'task_ready',
      'workflow_started',
      'task_started',
      'task_started',
    ]);
  });

  test('two processes claiming at once never take one task twice', async ({
    store: one,
    another,
  }) => {
    const two = await another();
    const ids: string[] = [];
    for (let i = 0; i < 12; i += 1) ids.push((await schedule(one, pair)).record.id);
    const drain = async (store: Store, runnerId: string): Promise<ClaimedTask[]> => {
      const taken: ClaimedTask[] = [];
      for (;;) {
        const { tasks } = await store.claimReadyTasks({
          runnerId,
          limit: 3,
          nowMs: 2_000,
          workflowNames: ['pair'],
        });
        if (tasks.length === 0) return taken;
        taken.push(...tasks);
      }
    };

    const [a, b] = await Promise.all([drain(one, 'runner-a'), drain(two, 'runner-b')]);
    const all = [...a, ...b].map((t) => t.taskExecutionId);
    expect(all).toHaveLength(24);
    expect(new Set(all).size).toBe(24);
    const started = await Promise.all(
      ids.map(async (id) => (await history(one, id)).filter((t) => t === 'workflow_started')),
    );
    expect(started.every((s) => s.length === 1)).toBe(true);
  });
});

describe.concurrent('store contract: heartbeats and releases', () => {
  test('a heartbeat refreshes held claims and names those no longer held', async ({ store }) => {
    const scheduled = await schedule(store, pair, { claimRoots: 2 });
    const [left, right] = scheduled.claimed;
    const forged = { taskExecutionId: left!.taskExecutionId, claimId: 'not-the-claim' };

    expect(await store.heartbeat({ claims: [], nowMs: 5_000 })).toEqual([]);
    const lost = await store.heartbeat({ claims: [left!, right!, forged], nowMs: 5_000 });
    expect(lost).toEqual([forged]);
    const tasks = await store.getTasks(scheduled.record.id);
    expect(tasks.map((t) => t.heartbeatAtMs)).toEqual([5_000, 5_000]);

    await store.releaseClaims({ claims: [right!], nowMs: 6_000, runnerId: RUNNER });
    const after = await store.heartbeat({ claims: [left!, right!], nowMs: 7_000 });
    expect(after.map((c) => c.taskExecutionId)).toEqual([right!.taskExecutionId]);
  });

  test('released claims are Ready again at once and their holder can no longer write', async ({
    store,
  }) => {
    const scheduled = await schedule(store, pair, { claimRoots: 2 });

    const released = await store.releaseClaims({
      claims: scheduled.claimed,
      nowMs: 4_000,
      runnerId: RUNNER,
    });
    expect(released).toBe(2);
    const tasks = await store.getTasks(scheduled.record.id);
    expect(tasks.map((t) => [t.status, t.readyAtMs, t.claimedBy, t.heartbeatAtMs])).toEqual([
      ['Ready', 4_000, null, null],
      ['Ready', 4_000, null, null],
    ]);
    expect((await history(store, scheduled.record.id)).slice(-2)).toEqual([
      'task_released',
      'task_released',
    ]);
    // Handed back once only, and the old claim writes nothing.
    expect(
      await store.releaseClaims({ claims: scheduled.claimed, nowMs: 4_500, runnerId: RUNNER }),
    ).toBe(0);
    const late = await store.completeTasks({
      completions: [{ ...scheduled.claimed[0]!, output: { late: true } }],
      nowMs: 5_000,
      runnerId: RUNNER,
    });
    expect(late.held).toEqual([false]);
    expect((await claim(store, pair, 5_000)).map((c) => c.attempt)).toEqual([1, 1]);
  });
});

describe.concurrent('store contract: sweeping stale claims', () => {
  test('returns a silent claim to Ready, counting the recovery, and leaves fresh ones alone', async ({
    store,
  }) => {
    const scheduled = await schedule(store, pair, { claimRoots: 2, nowMs: 1_000 });
    const [left, right] = scheduled.claimed;
    await store.heartbeat({ claims: [right!], nowMs: 5_000 });

    const outcome = await store.sweepStaleClaims({
      nowMs: 6_000,
      staleBeforeMs: 4_000,
      maxRecoveryAttempts: 3,
      runnerId: 'sweeper',
    });

    expect(outcome).toEqual({ recovered: 1, abandoned: 0 });
    const tasks = await store.getTasks(scheduled.record.id);
    expect(tasks.map((t) => [t.taskId, t.status, t.recoveryAttempts, t.claimedBy])).toEqual([
      ['left', 'Ready', 1, null],
      ['right', 'Running', 0, RUNNER],
    ]);
    const recovered = (await store.getEvents(scheduled.record.id)).at(-1)!;
    expect(recovered).toMatchObject({
      type: 'task_recovered',
      taskId: 'left',
      runnerId: 'sweeper',
      data: { recoveryAttempts: 1, previousRunner: RUNNER },
    });
    // The silent holder's claim is gone; the task is claimable again.
    expect(await store.heartbeat({ claims: [left!], nowMs: 6_500 })).toEqual([left]);
    expect(only(await claim(store, pair, 7_000), 'left').attempt).toBe(1);
  });

  test('abandons a task recovered too often: it fails, and so does its execution', async ({
    store,
  }) => {
    const scheduled = await schedule(store, single, { claimRoots: 1 });

    const outcome = await store.sweepStaleClaims({
      nowMs: 9_000,
      staleBeforeMs: 8_000,
      maxRecoveryAttempts: 0,
      runnerId: 'sweeper',
    });

    expect(outcome).toEqual({ recovered: 0, abandoned: 1 });
    const [task] = await store.getTasks(scheduled.record.id);
    expect(task).toMatchObject({ status: 'Failed', completedAtMs: 9_000, claimedBy: null });
    expect(task!.errorMessage).toMatch(/^ABANDONED: task 'only' lost its runner \(runner-1\)/);
    expect(await store.getExecution(scheduled.record.id)).toMatchObject({
      status: 'Failed',
      errorMessage: '1 task(s) failed: only',
      completedAtMs: 9_000,
    });
    expect((await history(store, scheduled.record.id)).slice(-2)).toEqual([
      'task_abandoned',
      'workflow_failed',
    ]);
    expect(await statuses(store, scheduled.record.id)).toEqual({ only: 'Failed' });
  });
});
