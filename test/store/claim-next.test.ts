import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { newExecutionId } from '../../src/core/execution-id.js';
import { openStore } from '../../src/store/open.js';
import type { ClaimedTask, Store } from '../../src/store/store.js';
import { freshDatabaseUrl } from '../helpers/backend.js';
import { planOf } from '../helpers/plan.js';
import { chain, fan, pair, single } from './fixtures/workflows.js';

const RUNNER = 'runner-1';

describe('claiming with a final write', () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
  });

  it('claims the dependent a completion readies, in the same transaction, and no more than asked', async () => {
    store = await openStore(freshDatabaseUrl());
    await store.migrate();
    const id = randomUUID();
    const scheduled = await store.scheduleExecution({
      id,
      workflowName: 'chain',
      workflowVersion: chain.version,
      initialContext: { n: 1 },
      tasks: planOf(chain),
      nowMs: 1_000,
      runnerId: RUNNER,
      claimRoots: 1,
    });
    expect(scheduled.claimed.map((c) => c.taskId)).toEqual(['a']);
    expect(scheduled.claimed[0]!.hasDependents).toBe(true);
    expect(scheduled.record.status).toBe('Running');

    const a = scheduled.claimed[0]!;
    const afterA = await store.completeTasks({
      completions: [{ ...a, output: { a: true } }],
      nowMs: 2_000,
      runnerId: RUNNER,
      claimNext: { limit: 5, workflowNames: ['chain'] },
    });
    expect(afterA.held).toEqual([true]);
    expect(afterA.claimed.map((c) => c.taskId)).toEqual(['b']);
    expect(afterA.claimed[0]!.input).toEqual({ a: true });
    const tasks = await store.getTasks(id);
    expect(tasks.find((t) => t.taskId === 'b')).toMatchObject({
      status: 'Running',
      claimedBy: RUNNER,
    });

    // Without claimNext (or with a limit of 0) the next dependent stays Ready for any runner.
    const b = afterA.claimed[0]!;
    const afterB = await store.completeTasks({
      completions: [{ ...b, output: {} }],
      nowMs: 3_000,
      runnerId: RUNNER,
      claimNext: { limit: 0, workflowNames: ['chain'] },
    });
    expect(afterB).toEqual({ held: [true], claimed: [], moreReady: false });
    expect((await store.getTasks(id)).find((t) => t.taskId === 'c')?.status).toBe('Ready');
  });

  it('claims no roots when asked for none, and signals them Ready instead', async () => {
    store = await openStore(freshDatabaseUrl());
    await store.migrate();
    const scheduled = await store.scheduleExecution({
      id: randomUUID(),
      workflowName: 'chain',
      workflowVersion: chain.version,
      initialContext: {},
      tasks: planOf(chain),
      nowMs: 1_000,
      runnerId: RUNNER,
    });
    expect(scheduled.claimed).toEqual([]);
    expect(scheduled.record.status).toBe('Pending');
    const claimed = await store.claimReadyTasks({
      runnerId: RUNNER,
      limit: 10,
      nowMs: 1_000,
      workflowNames: ['chain'],
    });
    expect(claimed.tasks.map((c) => c.taskId)).toEqual(['a']);
    expect(claimed.moreReady).toBe(false);
  });

  it('two claimers taking the roots of one Pending execution at once start it exactly once', async () => {
    const url = freshDatabaseUrl();
    store = await openStore(url);
    await store.migrate();
    const other = await openStore(url);
    try {
      const scheduled = await store.scheduleExecution({
        id: newExecutionId(),
        workflowName: 'pair',
        workflowVersion: pair.version,
        initialContext: {},
        tasks: planOf(pair),
        nowMs: 1_000,
        runnerId: RUNNER,
      });
      expect(scheduled.record.status).toBe('Pending');
      const claim = (claimer: Store, runnerId: string) =>
        claimer.claimReadyTasks({ runnerId, limit: 1, nowMs: 2_000, workflowNames: ['pair'] });
      const [mine, theirs] = await Promise.all([claim(store, RUNNER), claim(other, 'runner-2')]);

      expect([...mine.tasks, ...theirs.tasks].map((task) => task.taskId).sort()).toEqual([
        'left',
        'right',
      ]);
      const id = scheduled.record.id;
      expect(await store.getExecution(id)).toMatchObject({ status: 'Running', startedAtMs: 2_000 });
      const types = (await store.getEvents(id)).map((event) => event.type);
      expect(types.filter((type) => type === 'workflow_started')).toHaveLength(1);
      expect(types.filter((type) => type === 'task_started')).toHaveLength(2);
    } finally {
      await other.close();
    }
  });

  it('says whether Ready work was left behind: exactly on SQLite, "maybe" after a full claim with SKIP LOCKED', async () => {
    store = await openStore(freshDatabaseUrl());
    await store.migrate();
    for (let i = 0; i < 3; i += 1) {
      await store.scheduleExecution({
        id: newExecutionId(),
        workflowName: 'chain',
        workflowVersion: chain.version,
        initialContext: {},
        tasks: planOf(chain),
        nowMs: 1_000 + i,
        runnerId: RUNNER,
      });
    }
    const claim = (limit: number) =>
      store!.claimReadyTasks({ runnerId: RUNNER, limit, nowMs: 2_000, workflowNames: ['chain'] });

    const two = await claim(2);
    expect(two.tasks).toHaveLength(2);
    expect(two.moreReady).toBe(true);

    const last = await claim(1);
    expect(last.tasks).toHaveLength(1);
    expect(last.moreReady).toBe(store.capabilities.claimsSkipHeldRows);

    const none = await claim(5);
    expect(none).toEqual({ tasks: [], moreReady: false });
  });

  it('completes tasks of several executions in one call, reporting a lost claim in its place', async () => {
    store = await openStore(freshDatabaseUrl());
    await store.migrate();
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    const claims = [];
    for (const id of ids) {
      const { claimed } = await store.scheduleExecution({
        id,
        workflowName: 'single',
        workflowVersion: single.version,
        initialContext: { id },
        tasks: planOf(single),
        nowMs: 1_000,
        runnerId: RUNNER,
        claimRoots: 1,
      });
      claims.push(claimed[0]!);
    }
    const outcome = await store.completeTasks({
      completions: claims.map((c, i) => ({
        taskExecutionId: c.taskExecutionId,
        // The second claim was lost (a wrong claim id): nothing may be written for it.
        claimId: i === 1 ? 'not-the-claim' : c.claimId,
        executionId: c.executionId,
        output: { done: i },
      })),
      nowMs: 2_000,
      runnerId: RUNNER,
    });
    expect(outcome).toEqual({ held: [true, false, true], claimed: [], moreReady: false });
    const records = await Promise.all(ids.map((id) => store!.getExecution(id)));
    expect(records.map((r) => r?.status)).toEqual(['Completed', 'Running', 'Completed']);
    expect(records[0]?.finalContext).toEqual({ done: 0 });
    expect(records[2]?.finalContext).toEqual({ done: 2 });
    const events = await store.getEvents(ids[2]!);
    expect(events.map((e) => e.type)).toEqual([
      'task_ready',
      'workflow_started',
      'task_started',
      'task_completed',
      'workflow_completed',
    ]);
  });

  it('keeps the open-task count exact through a fan-out and a join settled in separate batches', async () => {
    store = await openStore(freshDatabaseUrl());
    await store.migrate();
    const id = newExecutionId();
    const { claimed: roots } = await store.scheduleExecution({
      id,
      workflowName: 'fan',
      workflowVersion: fan.version,
      initialContext: {},
      tasks: planOf(fan),
      nowMs: 1_000,
      runnerId: RUNNER,
      claimRoots: 1,
    });
    let now = 1_000;
    const complete = async (tasks: readonly ClaimedTask[]): Promise<readonly ClaimedTask[]> => {
      now += 1;
      const out = await store!.completeTasks({
        completions: tasks.map((task) => ({ ...task, output: { [task.taskId]: true } })),
        nowMs: now,
        runnerId: RUNNER,
        claimNext: { limit: 10, workflowNames: ['fan'] },
      });
      expect(out.held).toEqual(tasks.map(() => true));
      return out.claimed;
    };
    const openTasks = async (): Promise<number> => (await store!.getExecution(id))!.openTasks;

    const middle = await complete(roots);
    expect(middle.map((t) => t.taskId).sort()).toEqual(['b', 'c', 'd']);
    expect(await openTasks()).toBe(4);
    expect(await complete(middle.slice(0, 1))).toEqual([]);
    expect(await openTasks()).toBe(3);
    expect((await store.getExecution(id))!.status).toBe('Running');
    const join = await complete(middle.slice(1));
    expect(join.map((t) => t.taskId)).toEqual(['e']);
    expect(await openTasks()).toBe(1);
    expect(await complete(join)).toEqual([]);
    const done = (await store.getExecution(id))!;
    expect(done).toMatchObject({ status: 'Completed', openTasks: 0 });
    expect(done.finalContext).toEqual({ a: true, b: true, c: true, d: true, e: true });
  });

  it('a cron fire claims the roots each fired execution asks for, in its own transaction', async () => {
    store = await openStore(freshDatabaseUrl());
    await store.migrate();
    const schedule = await store.insertCronSchedule({
      id: randomUUID(),
      workflowName: 'chain',
      expression: '* * * * *',
      timezone: 'UTC',
      catchupPolicy: 'run_all',
      context: {},
      startAtMs: null,
      endAtMs: null,
      nextRunAtMs: 60_000,
      nowMs: 1_000,
    });
    // Two catch-up times of a one-root workflow; the runner had a slot for one (the older).
    const fires = [60_000, 120_000].map((scheduledTimeMs, i) => ({
      scheduledTimeMs,
      execution: {
        id: newExecutionId(),
        workflowName: 'chain',
        workflowVersion: chain.version,
        initialContext: { at: scheduledTimeMs },
        tasks: planOf(chain),
        nowMs: 130_000,
        runnerId: RUNNER,
        claimRoots: i === 0 ? 1 : 0,
      },
    }));
    const outcome = await store.claimCronFire({
      scheduleId: schedule.id,
      seenVersion: schedule.version,
      seenNextRunAtMs: 60_000,
      nextRunAtMs: 180_000,
      workflowName: 'chain',
      fires,
      missed: null,
      nowMs: 130_000,
    });
    expect(outcome.claimed).toBe(true);
    expect(outcome.roots.map((t) => [t.executionId, t.taskId])).toEqual([
      [fires[0]!.execution.id, 'a'],
    ]);
    const [older, newer] = await Promise.all(
      fires.map(async (fire) =>
        (await store!.getTasks(fire.execution.id)).find((t) => t.taskId === 'a'),
      ),
    );
    expect(older).toMatchObject({ status: 'Running', claimedBy: RUNNER });
    expect(newer).toMatchObject({ status: 'Ready', claimedBy: null });
    expect((await store.getExecution(fires[0]!.execution.id))!.status).toBe('Running');
    expect((await store.getExecution(fires[1]!.execution.id))!.status).toBe('Pending');
  });
});
