/**
 * Store contract, operator control: `cancelExecution`, `pauseExecution`, `resumeExecution`,
 * what each does to tasks and claims, and which states refuse them, on both backends.
 */
import { describe, expect } from 'vitest';
import { InvalidStateError, NotFoundError } from '../../../src/errors.js';
import type { Store } from '../../../src/store/store.js';
import { RUNNER, claim, complete, history, only, schedule, statuses, test } from './harness.js';
import { fan, pair, single } from '../fixtures/workflows.js';

const control = { runnerId: 'operator' };

/** Pauses `executionId` at `nowMs` with `reason`. */
function pause(store: Store, executionId: string, nowMs: number, reason: string | null = null) {
  return store.pauseExecution({ ...control, executionId, nowMs, reason });
}

/** Resumes `executionId` at `nowMs`. */
function resume(store: Store, executionId: string, nowMs: number) {
  return store.resumeExecution({ ...control, executionId, nowMs });
}

describe.concurrent('store contract: cancelling', () => {
  test('cancels every unfinished task, keeps what completed, and refuses late writes', async ({
    store,
  }) => {
    const scheduled = await schedule(store, fan, { claimRoots: 1, initialContext: { s: 1 } });
    const id = scheduled.record.id;
    await complete(store, scheduled.claimed, 2_000, () => ({ s: 1, a: 1 }));
    const b = only(await claim(store, fan, 3_000, 1), 'b');

    const cancelled = await store.cancelExecution({ ...control, executionId: id, nowMs: 4_000 });

    expect(cancelled).toMatchObject({
      status: 'Cancelled',
      errorMessage: 'Execution cancelled',
      finalContext: { s: 1, a: 1 },
      completedAtMs: 4_000,
    });
    expect(await store.getExecution(id)).toEqual(cancelled);
    expect(await statuses(store, id)).toEqual({
      a: 'Completed',
      b: 'Cancelled',
      c: 'Cancelled',
      d: 'Cancelled',
      e: 'Cancelled',
    });
    expect((await store.getTasks(id)).every((t) => t.claimedBy === null)).toBe(true);
    expect((await store.getEvents(id)).at(-1)).toMatchObject({
      type: 'workflow_cancelled',
      runnerId: 'operator',
      createdAtMs: 4_000,
    });
    const late = await store.completeTasks({
      completions: [{ ...b, output: { b: 1 } }],
      nowMs: 5_000,
      runnerId: RUNNER,
    });
    expect(late.held).toEqual([false]);
    expect(await claim(store, fan, 5_000)).toEqual([]);
    expect(await store.countActiveExecutions()).toBe(0);
  });

  test('refuses an execution that has ended, and one that does not exist', async ({ store }) => {
    const scheduled = await schedule(store, single, { claimRoots: 1 });
    await complete(store, scheduled.claimed, 2_000);
    const id = scheduled.record.id;

    const ended = await store
      .cancelExecution({ ...control, executionId: id, nowMs: 3_000 })
      .catch((e: unknown) => e);
    expect(ended).toBeInstanceOf(InvalidStateError);
    expect((ended as InvalidStateError).currentState).toBe('Completed');
    await expect(
      store.cancelExecution({ ...control, executionId: 'no-such-id', nowMs: 3_000 }),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect((await store.getExecution(id))?.status).toBe('Completed');
  });
});

describe.concurrent('store contract: pausing and resuming', () => {
  test('a paused execution starts no task; resumed before any started, it is Pending again', async ({
    store,
  }) => {
    const scheduled = await schedule(store, pair);
    const id = scheduled.record.id;

    const paused = await pause(store, id, 2_000, 'maintenance');
    expect(paused).toMatchObject({ status: 'Paused', pauseReason: 'maintenance' });
    expect(await claim(store, pair, 3_000)).toEqual([]);
    expect(await store.countActiveExecutions()).toBe(1);
    expect((await store.getEvents(id)).at(-1)).toMatchObject({
      type: 'workflow_paused',
      data: { reason: 'maintenance' },
      runnerId: 'operator',
    });

    const resumed = await resume(store, id, 4_000);
    expect(resumed).toMatchObject({ status: 'Pending', pauseReason: null, updatedAtMs: 4_000 });
    expect((await claim(store, pair, 5_000)).map((t) => t.taskId)).toEqual(['left', 'right']);
    expect((await history(store, id)).slice(2)).toEqual([
      'workflow_paused',
      'workflow_resumed',
      'workflow_started',
      'task_started',
      'task_started',
    ]);
  });

  test('tasks running when it was paused finish; their dependents wait for the resume', async ({
    store,
  }) => {
    const scheduled = await schedule(store, fan, { claimRoots: 1 });
    const id = scheduled.record.id;
    await pause(store, id, 1_500);

    await complete(store, scheduled.claimed, 2_000);
    expect(await statuses(store, id)).toMatchObject({ a: 'Completed', b: 'Ready' });
    expect(await claim(store, fan, 3_000)).toEqual([]);
    expect((await store.getEvents(id)).find((e) => e.type === 'workflow_paused')?.data).toBeNull();

    expect((await resume(store, id, 4_000)).status).toBe('Running');
    expect((await claim(store, fan, 5_000)).map((t) => t.taskId)).toEqual(['b', 'c', 'd']);
  });

  test('a paused execution whose last running task finishes ends', async ({ store }) => {
    const scheduled = await schedule(store, pair, { claimRoots: 2 });
    await pause(store, scheduled.record.id, 1_500, 'deploy');

    await complete(store, scheduled.claimed, 2_000);

    expect(await store.getExecution(scheduled.record.id)).toMatchObject({
      status: 'Completed',
      finalContext: { left: true, right: true },
    });
  });

  test('pausing refuses a Paused or ended execution; resuming refuses anything not Paused', async ({
    store,
  }) => {
    const running = (await schedule(store, pair, { claimRoots: 1 })).record.id;
    const done = await schedule(store, single, { claimRoots: 1 });
    await complete(store, done.claimed, 2_000);

    const refused = async (call: Promise<unknown>, state: string): Promise<void> => {
      const error = await call.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidStateError);
      expect((error as InvalidStateError).currentState).toBe(state);
    };
    await refused(resume(store, running, 3_000), 'Running');
    await pause(store, running, 3_000);
    await refused(pause(store, running, 3_500), 'Paused');
    await refused(pause(store, done.record.id, 3_500), 'Completed');
    await refused(resume(store, done.record.id, 3_500), 'Completed');
    await expect(pause(store, 'no-such-id', 3_500)).rejects.toBeInstanceOf(NotFoundError);
    await expect(resume(store, 'no-such-id', 3_500)).rejects.toBeInstanceOf(NotFoundError);
    expect((await store.getExecution(running))?.status).toBe('Paused');
  });

  test('pauses a Scheduled execution and resumes it Scheduled before its time, Pending after', async ({
    store,
  }) => {
    const early = (await schedule(store, single, { runAtMs: 5_000 })).record.id;
    expect((await pause(store, early, 2_000)).status).toBe('Paused');
    expect(await claim(store, single, 6_000)).toEqual([]);
    expect((await resume(store, early, 3_000)).status).toBe('Scheduled');

    const late = (await schedule(store, pair, { runAtMs: 5_000 })).record.id;
    await pause(store, late, 2_000);
    expect((await resume(store, late, 5_000)).status).toBe('Pending');
    expect(
      (await store.cancelExecution({ ...control, executionId: early, nowMs: 4_000 })).status,
    ).toBe('Cancelled');
    expect(await statuses(store, early)).toEqual({ only: 'Cancelled' });
  });
});
