/**
 * Store contract, task logs: `appendTaskLogs` (written under the attempt's claim, trimmed to
 * `keep`) and `getTaskLog` (per attempt), on both backends.
 */
import { describe, expect } from 'vitest';
import type { ClaimedTask, NewTaskLogLine, Store } from '../../../src/store/store.js';
import { RUNNER, claim, history, only, schedule, test } from './harness.js';
import { single } from '../fixtures/workflows.js';

/** Lines `from`…`to` of an attempt, logged at 1 000 + seq ms. */
function lines(from: number, to: number): NewTaskLogLine[] {
  return Array.from({ length: to - from + 1 }, (_, i) => ({
    seq: from + i,
    atMs: 1_000 + from + i,
    level: 'info',
    message: `line ${from + i}`,
  }));
}

/** Appends `logged` for the attempt `task` holds, as `runnerId`, keeping `keep`. */
function append(
  store: Store,
  task: ClaimedTask,
  logged: NewTaskLogLine[],
  keep?: number,
): Promise<void> {
  return store.appendTaskLogs({
    ...task,
    runnerId: RUNNER,
    lines: logged,
    ...(keep === undefined ? {} : { keep }),
  });
}

describe.concurrent('store contract: task logs', () => {
  test('stores an attempt’s lines in order with their fields, apart from the history', async ({
    store,
  }) => {
    const scheduled = await schedule(store, single, { claimRoots: 1 });
    const task = scheduled.claimed[0]!;
    const id = task.executionId;

    await append(store, task, [
      { seq: 1, atMs: 1_100, level: 'info', message: 'starting' },
      { seq: 2, atMs: 1_200, level: 'warn', message: 'slow', fields: { ms: 900 } },
    ]);
    await append(store, task, lines(3, 3));

    const log = await store.getTaskLog({ executionId: id, taskId: 'only' });
    expect(log?.attempts).toBe(1);
    expect(log?.attempt).toBe(1);
    expect(log?.lines.map(({ eventId: _id, ...line }) => line)).toEqual([
      { seq: 1, atMs: 1_100, level: 'info', message: 'starting' },
      { seq: 2, atMs: 1_200, level: 'warn', message: 'slow', fields: { ms: 900 } },
      { seq: 3, atMs: 1_003, level: 'info', message: 'line 3' },
    ]);
    const eventIds = log!.lines.map((l) => l.eventId);
    expect([...eventIds].sort((a, b) => a - b)).toEqual(eventIds);
    expect(await history(store, id)).not.toContain('task_log');
    expect(await store.getTaskLog({ executionId: id, taskId: 'missing' })).toBeNull();
  });

  test('keeps only the newest lines of an attempt when asked', async ({ store }) => {
    const scheduled = await schedule(store, single, { claimRoots: 1 });
    const task = scheduled.claimed[0]!;

    await append(store, task, lines(1, 4), 3);
    await append(store, task, lines(5, 6), 3);

    const log = await store.getTaskLog({ executionId: task.executionId, taskId: 'only' });
    expect(log?.lines.map((l) => l.seq)).toEqual([4, 5, 6]);
  });

  test('keeps attempts apart and reads the latest by default', async ({ store }) => {
    const scheduled = await schedule(store, single, { claimRoots: 1 });
    const first = scheduled.claimed[0]!;
    await append(store, first, lines(1, 2));
    await store.scheduleRetry({
      ...first,
      errorMessage: 'flaky',
      retryAtMs: 2_000,
      nowMs: 1_500,
      runnerId: RUNNER,
    });
    const second = only(await claim(store, single, 2_000), 'only');
    await append(store, second, lines(1, 1));
    const read = (attempt?: number) =>
      store.getTaskLog({
        executionId: first.executionId,
        taskId: 'only',
        ...(attempt === undefined ? {} : { attempt }),
      });

    expect(await read()).toMatchObject({ attempts: 2, attempt: 2 });
    expect((await read())?.lines.map((l) => l.message)).toEqual(['line 1']);
    expect((await read(1))?.lines.map((l) => l.seq)).toEqual([1, 2]);
    expect(await read(3)).toEqual({ attempts: 2, attempt: 3, lines: [] });
    expect(await read(0)).toEqual({ attempts: 2, attempt: 0, lines: [] });
  });

  test('a runner that lost the claim writes nothing; a cancelled attempt still may', async ({
    store,
  }) => {
    const scheduled = await schedule(store, single, { claimRoots: 1 });
    const task = scheduled.claimed[0]!;
    await store.releaseClaims({ claims: [task], nowMs: 1_500, runnerId: RUNNER });

    await append(store, task, lines(1, 2));
    const read = () => store.getTaskLog({ executionId: task.executionId, taskId: 'only' });
    expect((await read())?.lines).toEqual([]);

    const again = only(await claim(store, single, 2_000), 'only');
    await store.cancelExecution({ executionId: task.executionId, nowMs: 2_500, runnerId: 'op' });
    await append(store, again, lines(1, 1));
    expect((await read())?.lines.map((l) => l.message)).toEqual(['line 1']);
  });
});
