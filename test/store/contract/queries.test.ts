/**
 * Store contract, queries and pages: single reads (`getExecution`, `getTasks`, `getTasksOf`,
 * `getTask`, `getEndedExecutions`), counts (`countActiveExecutions`, `getExecutionStats`) and lists
 * (`listExecutions`, `listExecutionsPage`, `findExecutionsByIdPrefix`), on both backends.
 */
import { describe, expect } from 'vitest';
import type { ExecutionKey, Store } from '../../../src/store/store.js';
import { executionOf } from '../../helpers/plan.js';
import { RUNNER, complete, schedule, test } from './harness.js';
import { chain, pair, single } from '../fixtures/workflows.js';

describe.concurrent('store contract: reads', () => {
  test('reads an execution, its tasks in plan order, and one task with its input', async ({
    store,
  }) => {
    const scheduled = await schedule(store, chain, { initialContext: { n: 1 }, claimRoots: 1 });
    const id = scheduled.record.id;
    await complete(store, scheduled.claimed, 2_000, () => ({ n: 2 }));

    expect(await store.getExecution('no-such-id')).toBeNull();
    expect((await store.getTasks(id)).map((t) => t.taskId)).toEqual(['a', 'b', 'c']);
    expect(await store.getTasks('no-such-id')).toEqual([]);
    expect(await store.getTask({ executionId: id, taskId: 'b' })).toMatchObject({
      taskId: 'b',
      status: 'Ready',
      executionId: id,
      workflowName: 'chain',
      inputContext: { n: 2 },
    });
    // Before it is Ready a task's input reads as the initial context.
    expect((await store.getTask({ executionId: id, taskId: 'c' }))?.inputContext).toEqual({ n: 1 });
    expect(await store.getTask({ executionId: id, taskId: 'zz' })).toBeNull();
    expect(await store.getTask({ executionId: 'no-such-id', taskId: 'a' })).toBeNull();
  });

  test('reads the tasks of several executions at once, each in plan order', async ({ store }) => {
    const a = (await schedule(store, chain)).record.id;
    const b = (await schedule(store, pair)).record.id;
    const tasks = await store.getTasksOf([b, 'no-such-id', a]);
    const of = (id: string): string[] =>
      tasks.filter((t) => t.executionId === id).map((t) => t.taskId);
    expect(of(a)).toEqual((await store.getTasks(a)).map((t) => t.taskId));
    expect(of(b)).toEqual((await store.getTasks(b)).map((t) => t.taskId));
    expect(tasks).toHaveLength(of(a).length + of(b).length);
    // Grouped by execution: one execution's tasks are never split by another's.
    const order = tasks.map((t) => t.executionId).filter((id, i, all) => id !== all[i - 1]);
    expect(order).toEqual([a, b].sort());
    expect(await store.getTasksOf([])).toEqual([]);
  });

  test('tells which executions have ended, and counts those that have not', async ({ store }) => {
    const done = await schedule(store, single, { claimRoots: 1 });
    await complete(store, done.claimed, 2_000);
    const running = await schedule(store, pair, { claimRoots: 1 });
    const pending = await schedule(store, pair);
    const paused = await schedule(store, pair);
    await store.pauseExecution({
      executionId: paused.record.id,
      reason: null,
      nowMs: 2_000,
      runnerId: RUNNER,
    });
    const cancelled = await schedule(store, pair);
    await store.cancelExecution({
      executionId: cancelled.record.id,
      nowMs: 2_000,
      runnerId: RUNNER,
    });

    const ids = [done, running, pending, paused, cancelled].map((s) => s.record.id);
    expect(await store.countActiveExecutions()).toBe(3);

    // The ended ones, each with its tasks in plan order, as `getTasks` reads them.
    const ended = await store.getEndedExecutions([...ids, 'no-such-id']);
    expect(new Map(ended.map((e) => [e.record.id, e.record.status]))).toEqual(
      new Map([
        [ids[0]!, 'Completed'],
        [ids[4]!, 'Cancelled'],
      ]),
    );
    for (const { record, tasks } of ended) {
      expect(record).toEqual(await store.getExecution(record.id));
      expect(tasks).toEqual(await store.getTasks(record.id));
      expect(tasks.length).toBeGreaterThan(0);
    }
    expect(await store.getEndedExecutions([])).toEqual([]);
  });

  test('counts active executions by status and ended ones by interval and outcome', async ({
    store,
  }) => {
    // Ended at 10 500 (Completed), 11 200 (Completed), 12 100 (Failed); 9 000 is before the window.
    for (const nowMs of [9_000, 10_500, 11_200]) {
      const s = await schedule(store, single, { claimRoots: 1, nowMs });
      await complete(store, s.claimed, nowMs);
    }
    const failed = await schedule(store, single, { claimRoots: 1, nowMs: 12_100 });
    await store.failTask({
      ...failed.claimed[0]!,
      errorMessage: 'x',
      nowMs: 12_100,
      runnerId: RUNNER,
    });
    await schedule(store, pair, { claimRoots: 1 });
    await schedule(store, pair);
    await schedule(store, pair);

    const stats = await store.getExecutionStats({ fromMs: 10_000, toMs: 13_000, bucketMs: 1_000 });

    // Rows in a fixed order: the contract says what is counted, not in which order.
    const inOrder = <T extends object>(rows: readonly T[]): T[] =>
      [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(inOrder(stats.active)).toEqual([
      { status: 'Pending', count: 2 },
      { status: 'Running', count: 1 },
    ]);
    expect(inOrder(stats.ended)).toEqual([
      { bucket: 0, status: 'Completed', count: 1 },
      { bucket: 1, status: 'Completed', count: 1 },
      { bucket: 2, status: 'Failed', count: 1 },
    ]);
  });
});

describe.concurrent('store contract: lists', () => {
  test('lists executions newest first, filtered by workflow and status, by offset or after a key', async ({
    store,
  }) => {
    const scheduled = [];
    for (let i = 0; i < 5; i += 1) {
      const wf = i % 2 === 0 ? single : pair;
      scheduled.push(await schedule(store, wf, { nowMs: 1_000 + i, claimRoots: i === 2 ? 1 : 0 }));
    }
    await complete(store, scheduled[2]!.claimed, 2_000);
    const ids = scheduled.map((s) => s.record.id);

    const all = await store.listExecutions({ limit: 10, offset: 0 });
    expect(all.map((e) => e.id)).toEqual([...ids].reverse());
    const page = await store.listExecutions({ limit: 2, offset: 1 });
    expect(page.map((e) => e.id)).toEqual([ids[3], ids[2]]);
    const singles = await store.listExecutions({ workflowName: 'single', limit: 10, offset: 0 });
    expect(singles.map((e) => e.id)).toEqual([ids[4], ids[2], ids[0]]);
    const completed = await store.listExecutions({ status: 'Completed', limit: 10, offset: 0 });
    expect(completed.map((e) => [e.id, e.status, e.finalContext])).toEqual([
      [ids[2], 'Completed', { only: true }],
    ]);
    const pendingPairs = await store.listExecutions({
      workflowName: 'pair',
      status: 'Pending',
      limit: 10,
      offset: 0,
    });
    expect(pendingPairs.map((e) => e.id)).toEqual([ids[3], ids[1]]);
    const key = { createdAtMs: all[1]!.createdAtMs, id: all[1]!.id };
    const after = await store.listExecutions({ limit: 2, offset: 0, after: key });
    expect(after.map((e) => e.id)).toEqual([ids[2], ids[1]]);
    const pairsAfter = await store.listExecutions({
      workflowName: 'pair',
      limit: 10,
      offset: 0,
      after: key,
    });
    expect(pairsAfter.map((e) => e.id)).toEqual([ids[1]]);
  });

  test('pages by key without gap or repeat, also through a millisecond many share', async ({
    store,
  }) => {
    // Six executions in one transaction share a creation time; two more come later.
    const batch = await store.scheduleExecutions(
      Array.from({ length: 6 }, () => executionOf(single, { nowMs: 5_000 })),
    );
    const later = [
      await schedule(store, pair, { nowMs: 6_000 }),
      await schedule(store, single, { nowMs: 7_000 }),
    ];
    const expected = [
      later[1]!.record.id,
      later[0]!.record.id,
      ...batch
        .map((s) => s.record.id)
        .sort()
        .reverse(),
    ];

    const seen: string[] = [];
    let after: ExecutionKey | null = null;
    for (;;) {
      const rows = await store.listExecutionsPage({ after, limit: 3 });
      if (rows.length === 0) break;
      expect(rows.length).toBeLessThanOrEqual(3);
      seen.push(...rows.map((r) => r.id));
      after = rows.at(-1)!;
    }
    expect(seen).toEqual(expected);
    const summary = (await store.listExecutionsPage({ after: null, limit: 1 }))[0]!;
    expect(summary).toMatchObject({ id: expected[0], workflowName: 'single', status: 'Pending' });
    expect(summary).not.toHaveProperty('initialContext');
  });

  test('pages filter by statuses, workflow and creation time', async ({ store }) => {
    const a = await schedule(store, single, { nowMs: 1_000, claimRoots: 1 });
    const b = await schedule(store, single, { nowMs: 2_000 });
    const c = await schedule(store, pair, { nowMs: 3_000 });
    const d = await schedule(store, single, { nowMs: 4_000 });
    await complete(store, a.claimed, 4_500);
    const page = (filter: Partial<Parameters<Store['listExecutionsPage']>[0]>) =>
      store
        .listExecutionsPage({ after: null, limit: 10, ...filter })
        .then((rows) => rows.map((r) => r.id));

    expect(await page({ statuses: ['Completed'] })).toEqual([a.record.id]);
    expect(await page({ statuses: ['Pending', 'Completed'] })).toEqual([
      d.record.id,
      c.record.id,
      b.record.id,
      a.record.id,
    ]);
    expect(await page({ workflowName: 'single', statuses: ['Pending'] })).toEqual([
      d.record.id,
      b.record.id,
    ]);
    expect(await page({ createdFromMs: 2_000, createdBeforeMs: 4_000 })).toEqual([
      c.record.id,
      b.record.id,
    ]);
    expect(
      await page({ createdFromMs: 2_000, after: { createdAtMs: 3_000, id: c.record.id } }),
    ).toEqual([b.record.id]);
    expect(await page({ workflowName: 'nothing' })).toEqual([]);
  });

  test('finds executions by id prefix, in id order, up to the limit', async ({ store }) => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i += 1) ids.push((await schedule(store, single)).record.id);
    ids.sort();
    // UUIDv7 ids made together share their leading (time) digits.
    const common = ids[0]!.slice(0, 8);

    const found = await store.findExecutionsByIdPrefix({ prefix: common, limit: 10 });
    expect(found.map((e) => e.id)).toEqual(ids.filter((id) => id.startsWith(common)));
    const limited = await store.findExecutionsByIdPrefix({ prefix: common, limit: 2 });
    expect(limited.map((e) => e.id)).toEqual(found.slice(0, 2).map((e) => e.id));
    expect(
      (await store.findExecutionsByIdPrefix({ prefix: ids[3]!, limit: 10 })).map((e) => e.id),
    ).toEqual([ids[3]]);
    expect(await store.findExecutionsByIdPrefix({ prefix: 'fff', limit: 10 })).toEqual([]);
  });
});
