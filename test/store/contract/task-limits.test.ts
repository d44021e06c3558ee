/**
 * Store contract, task concurrency limits: a claim with `taskLimits` takes a limited task's
 * Ready attempts only into free places (Running and Deferred attempts hold them), passes over
 * the others without stopping, and says so; concurrent claimers never share the last place.
 */
import { describe, expect } from 'vitest';
import { task, workflow, type Workflow } from '../../../src/index.js';
import type { ClaimInput, ClaimedTask, Store, TaskLimit } from '../../../src/store/store.js';
import { RUNNER, complete, schedule, sorted, test } from './harness.js';

const noop = (): void => undefined;

/** Two roots: `call`, at most two attempts at once, and `other`, without a limit. */
const limitedPair: Workflow = workflow({
  name: 'limited-pair',
  tasks: [task({ id: 'call', concurrency: { limit: 2 } }, noop), task({ id: 'other' }, noop)],
});

/** One task, `call`, at most three attempts at once. */
const onlyCalls: Workflow = workflow({
  name: 'only-calls',
  tasks: [task({ id: 'call', concurrency: { limit: 3 } }, noop)],
});

const LIMITS: readonly TaskLimit[] = [{ workflowName: 'limited-pair', taskId: 'call', limit: 2 }];

function claimWith(
  store: Store,
  nowMs: number,
  limit: number,
  extra: Partial<ClaimInput> = {},
): ReturnType<Store['claimReadyTasks']> {
  return store.claimReadyTasks({
    runnerId: RUNNER,
    limit,
    nowMs,
    workflowNames: ['limited-pair'],
    taskLimits: LIMITS,
    ...extra,
  });
}

const ids = (tasks: readonly ClaimedTask[]): string[] =>
  sorted(tasks).map((t) => `${t.executionId}:${t.taskId}`);

describe.concurrent('store contract: task limits', () => {
  test('a claim under task limits takes its places by priority, then oldest first', async ({
    store,
  }) => {
    const low = (await schedule(store, onlyCalls, { nowMs: 1_000, priority: 0 })).record.id;
    const high = (await schedule(store, onlyCalls, { nowMs: 1_001, priority: 7 })).record.id;
    const lowest = (await schedule(store, onlyCalls, { nowMs: 1_002, priority: -3 })).record.id;
    const middle = (await schedule(store, onlyCalls, { nowMs: 1_003, priority: 0 })).record.id;
    const claim = await store.claimReadyTasks({
      runnerId: RUNNER,
      limit: 10,
      nowMs: 2_000,
      workflowNames: ['only-calls'],
      taskLimits: [{ workflowName: 'only-calls', taskId: 'call', limit: 3 }],
    });
    // Three places: the highest priority, then the two at 0 oldest first; -3 waits.
    // (Oldest first alone would take -3 and leave the younger 0 waiting.)
    expect(claim.tasks.map((t) => t.executionId).sort()).toEqual([high, low, middle].sort());
    expect(claim).toMatchObject({ limited: true });
    expect((await store.getTasks(lowest))[0]?.status).toBe('Ready');
  });

  test('a claim fills free places oldest first and passes over the rest for other work', async ({
    store,
  }) => {
    const executions = [];
    for (let n = 0; n < 4; n++) {
      executions.push((await schedule(store, limitedPair, { nowMs: 1_000 + n })).record.id);
    }
    const first = await claimWith(store, 2_000, 10);
    // Two places for `call` (the two oldest executions), every `other`.
    expect(ids(first.tasks)).toEqual(
      ids([
        ...executions.slice(0, 2).map((id) => ({ executionId: id, taskId: 'call' })),
        ...executions.map((id) => ({ executionId: id, taskId: 'other' })),
      ] as ClaimedTask[]),
    );
    expect(first).toMatchObject({ moreReady: false, limited: true });
    // Nothing claimable: the waiting calls are not "more Ready".
    expect(await claimWith(store, 2_001, 10)).toEqual({
      tasks: [],
      moreReady: false,
      limited: true,
    });

    // A completion frees a place; the claim in its transaction takes the next call.
    const calls = sorted(first.tasks).filter((t) => t.taskId === 'call');
    const outcome = await store.completeTasks({
      completions: [{ ...calls[0]!, output: {} }],
      nowMs: 3_000,
      runnerId: RUNNER,
      claimNext: { limit: 5, workflowNames: ['limited-pair'], taskLimits: LIMITS },
    });
    expect(ids(outcome.claimed)).toEqual([`${executions[2]}:call`]);
    expect(outcome).toMatchObject({ moreReady: false, limited: true });

    // The last waiting call: once a place frees, it is claimed and nothing waits any more.
    const running = [calls[1]!, outcome.claimed[0]!];
    await complete(store, [running[0]!], 4_000);
    const last = await claimWith(store, 4_001, 10);
    expect(ids(last.tasks)).toEqual([`${executions[3]}:call`]);
    expect(last.limited ?? false).toBe(false);
  });

  test('a claim that stops at its limit behind limited work still takes the unlimited work after it', async ({
    store,
  }) => {
    // Eight executions: the first claim of one task each reaches only `call`s and `other`s in
    // Ready order; the walk goes past the calls that have no place.
    for (let n = 0; n < 8; n++) await schedule(store, limitedPair, { nowMs: 1_000 + n });
    const a = await claimWith(store, 2_000, 3);
    expect(a.tasks.filter((t) => t.taskId === 'call')).toHaveLength(2);
    expect(a.tasks).toHaveLength(3);
    expect(a.moreReady).toBe(true);
    const b = await claimWith(store, 2_001, 20);
    expect(b.tasks.map((t) => t.taskId).sort()).toEqual(Array(7).fill('other'));
    expect(b).toMatchObject({ moreReady: false, limited: true });
  });

  test('a claim reads on past the attempts it passes over until it has its limit', async ({
    store,
  }) => {
    const executions = [];
    for (let n = 0; n < 4; n++) {
      executions.push((await schedule(store, limitedPair, { nowMs: 1_000 + n })).record.id);
    }
    // Ready order: e0.call, e0.other, e1.call, e1.other, e2.call, …; one place for `call`.
    const batch = await claimWith(store, 2_000, 4, {
      taskLimits: [{ workflowName: 'limited-pair', taskId: 'call', limit: 1 }],
    });
    expect(ids(batch.tasks)).toEqual(
      ids([
        { executionId: executions[0], taskId: 'call' },
        { executionId: executions[0], taskId: 'other' },
        { executionId: executions[1], taskId: 'other' },
        { executionId: executions[2], taskId: 'other' },
      ] as ClaimedTask[]),
    );
    expect(batch).toMatchObject({ moreReady: true, limited: true });
  });

  test('a claim without the limits, or of other workflows, is the plain claim', async ({
    store,
  }) => {
    await schedule(store, limitedPair, { nowMs: 1_000 });
    await schedule(store, limitedPair, { nowMs: 1_001 });
    await schedule(store, limitedPair, { nowMs: 1_002 });
    // Limits of workflows this claim does not name change nothing.
    const plain = await claimWith(store, 2_000, 10, {
      taskLimits: [{ workflowName: 'elsewhere', taskId: 'call', limit: 1 }],
    });
    expect(plain.tasks).toHaveLength(6);
    expect(plain.limited ?? false).toBe(false);
  });

  test('scheduling never claims a limited root for its runner', async ({ store }) => {
    const scheduled = await schedule(store, limitedPair, { claimRoots: 2 });
    expect(scheduled.claimed.map((t) => t.taskId)).toEqual(['other']);
    expect(ids((await claimWith(store, 2_000, 10)).tasks)).toEqual([`${scheduled.record.id}:call`]);
  });

  test('a Deferred attempt holds its place; a swept claim frees it', async ({ store }) => {
    for (let n = 0; n < 3; n++) await schedule(store, limitedPair, { nowMs: 1_000 + n });
    const first = await claimWith(store, 2_000, 10, { workflowNames: ['limited-pair'] });
    const calls = sorted(first.tasks).filter((t) => t.taskId === 'call');
    expect(calls).toHaveLength(2);
    expect(
      await store.setDeferred({ ...calls[0]!, nowMs: 2_100, runnerId: RUNNER, deferred: true }),
    ).toBe(true);
    expect((await claimWith(store, 2_200, 10)).tasks).toEqual([]);
    // The runner went silent: its two claims are swept back to Ready and their places free.
    const swept = await store.sweepStaleClaims({
      nowMs: 10_000,
      staleBeforeMs: 9_000,
      maxRecoveryAttempts: 3,
      runnerId: 'sweeper',
    });
    expect(swept.recovered).toBe(5);
    const again = await claimWith(store, 10_001, 10);
    expect(again.tasks.filter((t) => t.taskId === 'call')).toHaveLength(2);
    expect(again.limited).toBe(true);
  });

  test('concurrent claimers never take more places than the limit', async ({ store, another }) => {
    for (let n = 0; n < 40; n++) await schedule(store, onlyCalls, { nowMs: 1_000 + n });
    const stores = [store, ...(await Promise.all([1, 2, 3, 4, 5, 6, 7].map(() => another())))];
    const limits = [{ workflowName: 'only-calls', taskId: 'call', limit: 3 }];
    let done = 0;
    // Each round, eight claimers race for the free places, then the attempts they took end.
    for (let round = 0; done < 40 && round < 40; round++) {
      const batches = await Promise.all(
        stores.map((s, i) =>
          s.claimReadyTasks({
            runnerId: `runner-${i}`,
            limit: 4,
            nowMs: 2_000 + round,
            workflowNames: ['only-calls'],
            taskLimits: limits,
          }),
        ),
      );
      const taken = batches.flatMap((b) => b.tasks);
      expect(taken.length, `round ${round}`).toBeLessThanOrEqual(3);
      expect(taken.length, `round ${round}`).toBeGreaterThan(0);
      await complete(store, taken, 3_000 + round);
      done += taken.length;
    }
    expect(done).toBe(40);
  });
});
