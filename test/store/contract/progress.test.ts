/**
 * Store contract, progress and finishing: `completeTasks` (with `claimNext`), `failTask`,
 * `scheduleRetry`, `setDeferred`: what each writes, what it readies or skips downstream, how an
 * execution ends, and that a lost claim writes nothing, on both backends.
 */
import { describe, expect } from 'vitest';
import type { ClaimedTask, Store } from '../../../src/store/store.js';
import {
  RUNNER,
  claim,
  complete,
  history,
  only,
  test,
  schedule,
  sorted,
  statuses,
} from './harness.js';
import { branches, chain, fan, pair, single } from '../fixtures/workflows.js';

/** Fails `task` for good at `nowMs`. */
function fail(store: Store, task: ClaimedTask, nowMs: number, errorMessage = 'boom') {
  return store.failTask({
    ...task,
    executionId: task.executionId,
    errorMessage,
    nowMs,
    runnerId: RUNNER,
  });
}

describe.concurrent('store contract: completing tasks', () => {
  test('readies dependents with their dependencies’ outputs merged in declared order, then ends the workflow', async ({
    store,
  }) => {
    const scheduled = await schedule(store, fan, { claimRoots: 1, initialContext: { seed: 0 } });
    const id = scheduled.record.id;
    await complete(store, scheduled.claimed, 2_000, () => ({ seed: 0, a: 1 }));
    expect(await statuses(store, id)).toEqual({
      a: 'Completed',
      b: 'Ready',
      c: 'Ready',
      d: 'Ready',
      e: 'NotStarted',
    });
    const middle = await claim(store, fan, 3_000);
    expect(middle.map((t) => [t.taskId, t.input])).toEqual([
      ['b', { seed: 0, a: 1 }],
      ['c', { seed: 0, a: 1 }],
      ['d', { seed: 0, a: 1 }],
    ]);

    // Completed in reverse order, in one batch: the join's input follows declared order.
    await complete(store, [...middle].reverse(), 4_000, (t) => ({ [t.taskId]: 1, last: t.taskId }));
    const e = only(await claim(store, fan, 5_000), 'e');
    expect(e.input).toEqual({ b: 1, c: 1, d: 1, last: 'd' });
    expect((await store.getTask({ executionId: id, taskId: 'e' }))?.inputContext).toEqual(e.input);
    expect((await store.getExecution(id))?.status).toBe('Running');

    await complete(store, [e], 6_000, () => ({ e: 1, last: 'e' }));
    expect(await store.getExecution(id)).toMatchObject({
      status: 'Completed',
      finalContext: { seed: 0, a: 1, b: 1, c: 1, d: 1, e: 1, last: 'e' },
      openTasks: 0,
      errorMessage: null,
      completedAtMs: 6_000,
    });
    const events = await store.getEvents(id);
    const completed = events.filter((ev) => ev.type === 'task_completed').map((ev) => ev.taskId);
    expect(completed.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(events.find((ev) => ev.taskId === 'e' && ev.type === 'task_completed')?.data).toEqual({
      attempt: 1,
      durationMs: 1_000,
    });
    expect(events.at(-1)).toMatchObject({
      type: 'workflow_completed',
      data: { durationMs: 5_000 },
    });
  });

  test('tells per completion whether its claim held; a lost one writes nothing', async ({
    store,
  }) => {
    const scheduled = await schedule(store, pair, { claimRoots: 2 });
    const [left, right] = scheduled.claimed;
    await store.releaseClaims({ claims: [left!], nowMs: 1_500, runnerId: RUNNER });

    const outcome = await store.completeTasks({
      completions: [
        { ...left!, output: { left: true } },
        { ...right!, output: { right: true } },
      ],
      nowMs: 2_000,
      runnerId: RUNNER,
    });

    expect(outcome).toEqual({ held: [false, true], claimed: [], moreReady: false });
    const tasks = await store.getTasks(scheduled.record.id);
    expect(tasks.map((t) => [t.taskId, t.status, t.outputContext])).toEqual([
      ['left', 'Ready', null],
      ['right', 'Completed', { right: true }],
    ]);
    expect(await store.completeTasks({ completions: [], nowMs: 2_000, runnerId: RUNNER })).toEqual({
      held: [],
      claimed: [],
      moreReady: false,
    });
  });

  test('claims the tasks a completion readies in its own transaction, up to claimNext.limit', async ({
    store,
  }) => {
    const scheduled = await schedule(store, fan, { claimRoots: 1 });

    const outcome = await store.completeTasks({
      completions: [{ ...scheduled.claimed[0]!, output: { a: 1 } }],
      nowMs: 2_000,
      runnerId: RUNNER,
      claimNext: { limit: 2, workflowNames: ['fan'] },
    });

    expect(outcome.held).toEqual([true]);
    expect(sorted(outcome.claimed).map((t) => [t.taskId, t.input])).toEqual([
      ['b', { a: 1 }],
      ['c', { a: 1 }],
    ]);
    expect(outcome.moreReady).toBe(true);
    expect(await statuses(store, scheduled.record.id)).toMatchObject({
      b: 'Running',
      c: 'Running',
      d: 'Ready',
    });
  });
});

describe.concurrent('store contract: failing tasks', () => {
  test('a final failure runs the dependents whose rules ask for it and ends the workflow Failed', async ({
    store,
  }) => {
    const scheduled = await schedule(store, branches, { claimRoots: 1, initialContext: { i: 1 } });
    const id = scheduled.record.id;

    const outcome = await fail(store, scheduled.claimed[0]!, 2_000, 'disk full');
    expect(outcome).toEqual({ held: true, claimed: [], moreReady: false });
    expect(await statuses(store, id)).toEqual({
      work: 'Failed',
      on_success: 'Skipped',
      on_failure: 'Ready',
      // Its only dependency was skipped, and its rule (`always`) holds for that.
      after: 'Ready',
    });
    const work = await store.getTask({ executionId: id, taskId: 'work' });
    expect(work).toMatchObject({ errorMessage: 'disk full', completedAtMs: 2_000 });
    const skipped = (await store.getTasks(id)).find((t) => t.taskId === 'on_success')!;
    expect(skipped.skipReason).toEqual(expect.stringContaining('work'));
    expect(await store.getExecution(id)).toMatchObject({ status: 'Running', failedTasks: 1 });

    const rest = await claim(store, branches, 3_000);
    // Nothing completed upstream: both start from the initial context.
    expect(rest.map((t) => [t.taskId, t.input])).toEqual([
      ['after', { i: 1 }],
      ['on_failure', { i: 1 }],
    ]);
    await complete(store, rest, 4_000);
    expect(await store.getExecution(id)).toMatchObject({
      status: 'Failed',
      errorMessage: '1 task(s) failed: work',
      finalContext: { on_failure: true, after: true },
      completedAtMs: 4_000,
    });
    const failed = (await store.getEvents(id)).find((ev) => ev.type === 'task_failed')!;
    expect(failed).toMatchObject({ taskId: 'work', data: { attempt: 1, error: 'disk full' } });
    expect((await history(store, id)).at(-1)).toBe('workflow_failed');
  });

  test('a failure with a lost claim writes nothing; one with claimNext claims what it readies', async ({
    store,
  }) => {
    const scheduled = await schedule(store, branches, { claimRoots: 1 });
    const work = scheduled.claimed[0]!;

    const forged = await fail(store, { ...work, claimId: 'stolen' }, 2_000);
    expect(forged).toEqual({ held: false, claimed: [], moreReady: false });
    expect((await statuses(store, scheduled.record.id)).work).toBe('Running');

    const outcome = await store.failTask({
      ...work,
      executionId: work.executionId,
      errorMessage: 'boom',
      nowMs: 3_000,
      runnerId: RUNNER,
      claimNext: { limit: 5, workflowNames: ['branches'] },
    });
    expect(sorted(outcome.claimed).map((t) => t.taskId)).toEqual(['after', 'on_failure']);
    expect(outcome.moreReady).toBe(false);
  });
});

describe.concurrent('store contract: retries and deferral', () => {
  test('a retry makes the task Ready at its time with the next attempt, claimable then only', async ({
    store,
  }) => {
    const scheduled = await schedule(store, single, { claimRoots: 1 });
    const first = scheduled.claimed[0]!;

    const written = await store.scheduleRetry({
      ...first,
      errorMessage: 'flaky',
      retryAtMs: 10_000,
      nowMs: 2_000,
      runnerId: RUNNER,
    });

    expect(written).toBe(true);
    const [task] = await store.getTasks(scheduled.record.id);
    expect(task).toMatchObject({
      status: 'Ready',
      attempt: 2,
      readyAtMs: 10_000,
      errorMessage: 'flaky',
      claimedBy: null,
    });
    expect((await store.getEvents(scheduled.record.id)).at(-1)).toMatchObject({
      type: 'task_retry_scheduled',
      data: { failedAttempt: 1, nextAttempt: 2, retryAtMs: 10_000, error: 'flaky' },
    });
    expect(await claim(store, single, 9_999)).toEqual([]);
    const second = only(await claim(store, single, 10_000), 'only');
    expect(second.attempt).toBe(2);
    // The first attempt's claim is gone: it can neither retry nor complete.
    expect(
      await store.scheduleRetry({
        ...first,
        errorMessage: 'again',
        retryAtMs: 20_000,
        nowMs: 10_500,
        runnerId: RUNNER,
      }),
    ).toBe(false);
    await complete(store, [second], 11_000);
    expect((await store.getExecution(scheduled.record.id))?.status).toBe('Completed');
  });

  test('a deferred task keeps its claim, goes back to Running, and may complete either way', async ({
    store,
  }) => {
    const scheduled = await schedule(store, pair, { claimRoots: 2 });
    const [left, right] = scheduled.claimed;
    const defer = (task: ClaimedTask, deferred: boolean, nowMs: number) =>
      store.setDeferred({ ...task, deferred, nowMs, runnerId: RUNNER });

    expect(await defer(left!, true, 2_000)).toBe(true);
    expect(await defer(right!, true, 2_000)).toBe(true);
    let tasks = await store.getTasks(scheduled.record.id);
    expect(tasks.map((t) => [t.status, t.claimedBy, t.heartbeatAtMs])).toEqual([
      ['Deferred', RUNNER, 2_000],
      ['Deferred', RUNNER, 2_000],
    ]);
    expect(await defer(left!, false, 3_000)).toBe(true);
    tasks = await store.getTasks(scheduled.record.id);
    expect(tasks.map((t) => t.status)).toEqual(['Running', 'Deferred']);
    expect((await history(store, scheduled.record.id)).slice(-3)).toEqual([
      'task_deferred',
      'task_deferred',
      'task_resumed',
    ]);
    expect(await defer({ ...left!, claimId: 'stolen' }, true, 3_500)).toBe(false);

    await complete(store, [left!, right!], 4_000);
    expect((await store.getExecution(scheduled.record.id))?.status).toBe('Completed');
    expect(await defer(left!, true, 5_000)).toBe(false);
  });

  test('a chain advances one task per completion, each starting from its predecessor’s output', async ({
    store,
  }) => {
    const scheduled = await schedule(store, chain, { claimRoots: 1, initialContext: { n: 0 } });
    let current = scheduled.claimed;
    for (const [i, taskId] of ['a', 'b', 'c'].entries()) {
      expect(current.map((t) => [t.taskId, t.input])).toEqual([[taskId, { n: i }]]);
      const outcome = await store.completeTasks({
        completions: [{ ...current[0]!, output: { n: i + 1 } }],
        nowMs: 2_000 + i,
        runnerId: RUNNER,
        claimNext: { limit: 1, workflowNames: ['chain'] },
      });
      current = outcome.claimed;
    }
    expect(current).toEqual([]);
    expect(await store.getExecution(scheduled.record.id)).toMatchObject({
      status: 'Completed',
      finalContext: { n: 3 },
    });
  });
});

describe.concurrent('store contract: reading back what a final write ended', () => {
  test('completeTasks returns the executions of readEnded that ended, as getEndedExecutions reads them', async ({
    store,
  }) => {
    const one = await schedule(store, single, { claimRoots: 1 });
    const two = await schedule(store, pair, { claimRoots: 2 });
    const ids = [one.record.id, two.record.id];
    const left = only(two.claimed, 'left');

    // `pair` keeps a task open: only `single` ends, and only it comes back.
    const outcome = await store.completeTasks({
      completions: [...one.claimed, left].map((c) => ({ ...c, output: { [c.taskId]: 1 } })),
      nowMs: 2_000,
      runnerId: RUNNER,
      readEnded: [...ids, 'no-such-id'],
    });

    expect(outcome.held).toEqual([true, true]);
    expect(outcome.ended).toEqual(await store.getEndedExecutions(ids));
    expect(outcome.ended?.map((e) => [e.record.id, e.record.status, e.tasks.length])).toEqual([
      [one.record.id, 'Completed', 1],
    ]);
    expect(outcome.ended?.[0]?.record.finalContext).toEqual({ only: 1 });

    // Without readEnded nothing is read back.
    const last = await store.completeTasks({
      completions: [{ ...only(two.claimed, 'right'), output: {} }],
      nowMs: 3_000,
      runnerId: RUNNER,
    });
    expect(last.ended).toBeUndefined();
    expect((await store.getExecution(two.record.id))?.status).toBe('Completed');
  });

  test('failTask returns the execution it failed; a write that ends nothing reads nothing', async ({
    store,
  }) => {
    const scheduled = await schedule(store, single, { claimRoots: 1 });
    const id = scheduled.record.id;
    const root = scheduled.claimed[0]!;
    const write = () =>
      store.failTask({
        ...root,
        executionId: id,
        errorMessage: 'boom',
        nowMs: 2_000,
        runnerId: RUNNER,
        readEnded: [id],
      });

    const failed = await write();
    expect(failed.held).toBe(true);
    expect(failed.ended).toEqual(await store.getEndedExecutions([id]));
    expect(failed.ended?.[0]?.record).toMatchObject({ status: 'Failed', completedAtMs: 2_000 });
    expect(failed.ended?.[0]?.tasks.map((t) => t.status)).toEqual(['Failed']);

    // The claim is gone: nothing written, nothing ended here, so nothing read back.
    const again = await write();
    expect(again.held).toBe(false);
    expect(again.ended).toBeUndefined();
  });
});
