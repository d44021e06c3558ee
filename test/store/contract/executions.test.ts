/**
 * Store contract, executions and scheduling: `scheduleExecution`, `scheduleExecutions` (roots
 * Ready or claimed at once, roots skipped by their rules, idempotency keys, reruns), on both
 * backends.
 */
import { describe, expect } from 'vitest';
import { executionOf } from '../../helpers/plan.js';
import { RUNNER, claim, complete, history, only, test, schedule, statuses } from './harness.js';
import { chain, gated, guarded, pair } from '../fixtures/workflows.js';

describe.concurrent('store contract: scheduling', () => {
  test('writes the execution and every task row of the plan, its root Ready', async ({ store }) => {
    const scheduled = await schedule(store, chain, { initialContext: { n: 1 } });

    expect(scheduled.created).toBe(true);
    expect(scheduled.claimed).toEqual([]);
    expect(scheduled.record).toMatchObject({
      workflowName: 'chain',
      workflowVersion: chain.version,
      status: 'Pending',
      initialContext: { n: 1 },
      finalContext: null,
      openTasks: 3,
      failedTasks: 0,
      createdAtMs: 1_000,
      startedAtMs: null,
      completedAtMs: null,
      rerunOf: null,
      idempotencyKey: null,
    });
    expect(await store.getExecution(scheduled.record.id)).toEqual(scheduled.record);
    const tasks = await store.getTasks(scheduled.record.id);
    expect(tasks.map((t) => [t.taskId, t.position, t.dependencies, t.status, t.readyAtMs])).toEqual(
      [
        ['a', 0, [], 'Ready', 1_000],
        ['b', 1, ['a'], 'NotStarted', null],
        ['c', 2, ['b'], 'NotStarted', null],
      ],
    );
    expect(tasks.every((t) => t.attempt === 1 && t.claimedBy === null)).toBe(true);
    expect(await history(store, scheduled.record.id)).toEqual(['task_ready']);
  });

  test('claims roots in the scheduling transaction when asked, no more than asked', async ({
    store,
  }) => {
    const scheduled = await schedule(store, pair, { claimRoots: 1, initialContext: { k: 'v' } });

    expect(scheduled.record).toMatchObject({ status: 'Running', startedAtMs: 1_000 });
    expect(scheduled.claimed).toEqual([
      expect.objectContaining({
        executionId: scheduled.record.id,
        workflowName: 'pair',
        workflowVersion: pair.version,
        taskId: 'left',
        attempt: 1,
        input: { k: 'v' },
        hasDependents: false,
        claimedAtMs: 1_000,
      }),
    ]);
    const tasks = await store.getTasks(scheduled.record.id);
    expect(tasks.map((t) => [t.taskId, t.status, t.claimedBy, t.startedAtMs])).toEqual([
      ['left', 'Running', RUNNER, 1_000],
      ['right', 'Ready', null, null],
    ]);
    expect(await history(store, scheduled.record.id)).toEqual([
      'task_ready',
      'task_ready',
      'workflow_started',
      'task_started',
    ]);
    // The other root waits for any runner.
    expect((await claim(store, pair)).map((c) => c.taskId)).toEqual(['right']);
  });

  test('skips a root whose rule fails on the initial context and settles its dependents', async ({
    store,
  }) => {
    const quick = await schedule(store, guarded, { initialContext: { mode: 'quick' } });
    const full = await schedule(store, guarded, { initialContext: { mode: 'full' } });

    expect(await statuses(store, quick.record.id)).toEqual({
      full: 'Skipped',
      always: 'Ready',
      after_full: 'Ready',
    });
    expect(quick.record.openTasks).toBe(2);
    const skipped = (await store.getTasks(quick.record.id)).find((t) => t.taskId === 'full')!;
    expect(skipped.skipReason).toEqual(expect.stringContaining('mode'));
    expect(skipped.completedAtMs).toBe(1_000);
    expect(await history(store, quick.record.id)).toEqual([
      'task_skipped',
      'task_ready',
      'task_ready',
    ]);

    expect(await statuses(store, full.record.id)).toEqual({
      full: 'Ready',
      always: 'Ready',
      after_full: 'NotStarted',
    });
    expect(full.record.openTasks).toBe(3);
  });

  test('completes at once an execution whose every task is skipped', async ({ store }) => {
    const scheduled = await schedule(store, gated, { initialContext: { other: 1 } });

    expect(scheduled.record).toMatchObject({
      status: 'Completed',
      finalContext: { other: 1 },
      openTasks: 0,
      startedAtMs: 1_000,
      completedAtMs: 1_000,
    });
    expect(await history(store, scheduled.record.id)).toEqual([
      'task_skipped',
      'workflow_started',
      'workflow_completed',
    ]);
    expect(await claim(store, gated)).toEqual([]);
  });

  test('schedules several executions in one call, each with its own roots', async ({ store }) => {
    const inputs = [
      executionOf(chain, { initialContext: { i: 0 } }),
      executionOf(pair, { initialContext: { i: 1 }, claimRoots: 2 }),
      executionOf(chain, { initialContext: { i: 2 }, claimRoots: 1 }),
    ];
    const scheduled = await store.scheduleExecutions(inputs);

    expect(scheduled.map((s) => [s.record.id, s.record.status, s.claimed.length])).toEqual([
      [inputs[0]!.id, 'Pending', 0],
      [inputs[1]!.id, 'Running', 2],
      [inputs[2]!.id, 'Running', 1],
    ]);
    for (const [i, input] of inputs.entries()) {
      expect((await store.getExecution(input.id))?.initialContext).toEqual({ i });
      expect(await store.getTasks(input.id)).toHaveLength(input.tasks.length);
    }
  });

  test('an idempotency key already used returns its execution and writes nothing', async ({
    store,
  }) => {
    const first = await schedule(store, chain, { idempotencyKey: 'order-1' });
    const again = await schedule(store, chain, {
      idempotencyKey: 'order-1',
      initialContext: { different: true },
      claimRoots: 1,
    });
    // The key is per workflow: another workflow may use it.
    const other = await schedule(store, pair, { idempotencyKey: 'order-1' });

    expect(first.record.idempotencyKey).toBe('order-1');
    expect(again).toEqual({ record: first.record, claimed: [], created: false });
    expect(other.created).toBe(true);
    const listed = await store.listExecutions({ workflowName: 'chain', limit: 10, offset: 0 });
    expect(listed.map((e) => e.id)).toEqual([first.record.id]);
    expect(await history(store, first.record.id)).toEqual(['task_ready']);
  });

  test('inputs sharing a key in one batch share the first one’s execution', async ({ store }) => {
    const inputs = [
      executionOf(chain, { idempotencyKey: 'k' }),
      executionOf(chain),
      executionOf(chain, { idempotencyKey: 'k', claimRoots: 1 }),
    ];
    const [a, plain, b] = await store.scheduleExecutions(inputs);

    expect(a!.created).toBe(true);
    expect(a!.record.id).toBe(inputs[0]!.id);
    expect(plain!.created).toBe(true);
    expect(b).toEqual({ record: a!.record, claimed: [], created: false });
    expect(await store.getExecution(inputs[2]!.id)).toBeNull();
  });

  test('two processes scheduling with one key at once create one execution', async ({
    store: one,
    another,
  }) => {
    const two = await another();
    const results = await Promise.all(
      [one, two, one, two].map((store) => schedule(store, chain, { idempotencyKey: 'race' })),
    );

    expect(results.filter((r) => r.created)).toHaveLength(1);
    const winner = results.find((r) => r.created)!.record.id;
    expect(new Set(results.map((r) => r.record.id))).toEqual(new Set([winner]));
    expect(await one.countActiveExecutions()).toBe(1);
  });

  test('a rerun from failure carries completed tasks over and links both executions', async ({
    store,
  }) => {
    const original = await schedule(store, chain, { claimRoots: 1, initialContext: { n: 1 } });
    await complete(store, original.claimed, 2_000, () => ({ a: 1 }));
    const b = only(await claim(store, chain, 3_000), 'b');
    await store.failTask({
      ...b,
      executionId: b.executionId,
      errorMessage: 'boom',
      nowMs: 4_000,
      runnerId: RUNNER,
    });
    // c runs after b's failure (its rule is `always`) and ends the execution Failed.
    await complete(store, [only(await claim(store, chain, 5_000), 'c')], 6_000);
    expect((await store.getExecution(original.record.id))?.status).toBe('Failed');

    const rerun = await store.scheduleExecution(
      executionOf(chain, {
        initialContext: { n: 1 },
        nowMs: 7_000,
        rerun: {
          executionId: original.record.id,
          from: 'failed',
          carried: new Map([['a', { a: 1 }]]),
        },
      }),
    );

    expect(rerun.record).toMatchObject({ rerunOf: original.record.id, openTasks: 2 });
    expect((await store.getExecution(original.record.id))?.rerunBy).toBe(rerun.record.id);
    const tasks = await store.getTasks(rerun.record.id);
    expect(tasks.map((t) => [t.taskId, t.status, t.outputContext])).toEqual([
      ['a', 'Completed', { a: 1 }],
      ['b', 'Ready', null],
      ['c', 'NotStarted', null],
    ]);
    const events = await store.getEvents(rerun.record.id);
    expect(events.map((e) => [e.type, e.taskId, e.data])).toEqual([
      ['workflow_rerun', null, { rerunOf: original.record.id, from: 'failed' }],
      ['task_completed', 'a', { copiedFrom: original.record.id }],
      ['task_ready', 'b', null],
    ]);
    // b starts from the carried output, as it would have in the original.
    expect(only(await claim(store, chain, 8_000), 'b').input).toEqual({ a: 1 });
  });

  test('writes a delayed start Scheduled, its roots Ready at its time; the first claim then starts it', async ({
    store,
  }) => {
    const scheduled = await schedule(store, chain, { runAtMs: 5_000, claimRoots: 1 });

    // Asked to claim roots, a delayed start still claims none.
    expect(scheduled.claimed).toEqual([]);
    expect(scheduled.record).toMatchObject({
      status: 'Scheduled',
      runAtMs: 5_000,
      startedAtMs: null,
    });
    const id = scheduled.record.id;
    expect((await store.getTasks(id)).map((t) => [t.taskId, t.status, t.readyAtMs])).toEqual([
      ['a', 'Ready', 5_000],
      ['b', 'NotStarted', null],
      ['c', 'NotStarted', null],
    ]);
    expect(await history(store, id)).toEqual(['workflow_scheduled', 'task_ready']);
    expect(await store.countActiveExecutions()).toBe(1);

    expect(await claim(store, chain, 4_999)).toEqual([]);
    expect(only(await claim(store, chain, 5_000), 'a').executionId).toBe(id);
    expect(await store.getExecution(id)).toMatchObject({ status: 'Running', startedAtMs: 5_000 });
    expect(await history(store, id)).toEqual([
      'workflow_scheduled',
      'task_ready',
      'workflow_started',
      'task_started',
    ]);
  });

  test('a start time not after the scheduling time starts at once', async ({ store }) => {
    const scheduled = await schedule(store, chain, { runAtMs: 1_000 });
    expect(scheduled.record).toMatchObject({ status: 'Pending', runAtMs: null });
  });
});
