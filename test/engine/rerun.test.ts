/**
 * Rerunning ended executions: from failure, the completed tasks are carried over (their bodies
 * do not run, their outputs reach their dependents and the final context); from the start,
 * everything runs again. Both link the original and the rerun, and refuse what cannot be rerun.
 */
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  InvalidStateError,
  NotFoundError,
  TaskError,
  rules,
  task,
  workflow,
  type DefaultRunner,
  type JsonObject,
  type Workflow,
} from '../../src/index.js';
import { createRunner, nextEvent, stopRunner } from '../helpers/backend.js';

/** Body calls by task id, and the switch that makes `t3` fail. */
interface Pipeline {
  readonly workflow: Workflow;
  readonly calls: Map<string, number>;
  /** Inputs `t3` received, one per call. */
  readonly t3Inputs: JsonObject[];
  failing: boolean;
}

/**
 * t1 → t2 → t3 → t4, t2 → t5. Each task reads what its dependency wrote and appends to `trail`
 * (arrays concatenate in the merge), so both a task's input and the final context tell whether
 * outputs were carried exactly. `t4` runs only when `t3` succeeded: in a failed run it is
 * Skipped. `t3` fails, without retry, while `failing` is set.
 */
function pipeline(name = 'pipeline', extra: { t5Note?: string } = {}): Pipeline {
  const calls = new Map<string, number>();
  const t3Inputs: JsonObject[] = [];
  const state = { calls, t3Inputs, failing: true };
  const count = (id: string): void => void calls.set(id, (calls.get(id) ?? 0) + 1);
  const t1 = task({ id: 't1' }, (ctx) => {
    count('t1');
    ctx.set('a', (ctx.get('seed') as number) + 1);
    ctx.set('trail', ['t1']);
  });
  const t2 = task({ id: 't2', dependencies: ['t1'] }, (ctx) => {
    count('t2');
    ctx.set('b', (ctx.get('a') as number) * 2);
    ctx.set('trail', [...(ctx.get('trail') as string[]), 't2']);
  });
  const t3 = task({ id: 't3', dependencies: ['t2'] }, (ctx) => {
    count('t3');
    t3Inputs.push(ctx.toJSON());
    if (state.failing) throw new TaskError('t3 is broken today', { retryable: false });
    ctx.set('c', (ctx.get('b') as number) + 100);
    ctx.set('trail', [...(ctx.get('trail') as string[]), 't3']);
  });
  const t4 = task(
    { id: 't4', dependencies: ['t3'], triggerRules: rules.taskSuccess('t3') },
    (ctx) => {
      count('t4');
      ctx.set('d', `c was ${ctx.get('c') as number}`);
    },
  );
  const t5 = task({ id: 't5', dependencies: ['t2'] }, (ctx) => {
    count('t5');
    ctx.set('e', (ctx.get('b') as number) - 1);
    if (extra.t5Note !== undefined) ctx.set('note', extra.t5Note);
  });
  // The version hashes the task sources, which a closure's note does not change: the
  // description does.
  const description = extra.t5Note === undefined ? '' : `t5 notes ${extra.t5Note}`;
  return Object.assign(state, {
    workflow: workflow({ name, description, tasks: [t1, t2, t3, t4, t5] }),
  });
}

/** A failed run of `p` (t3 fails, t4 skipped), with the body calls it made. */
async function failedRun(runner: DefaultRunner, p: Pipeline, seed = 1) {
  const failed = await runner.execute(p.workflow.name, { seed });
  expect(failed.status).toBe('Failed');
  expect(failed.taskResults.map((t) => [t.taskId, t.status])).toEqual([
    ['t1', 'Completed'],
    ['t2', 'Completed'],
    ['t3', 'Failed'],
    ['t4', 'Skipped'],
    ['t5', 'Completed'],
  ]);
  return failed;
}

describe('rerunExecution from failed', () => {
  it('carries over what completed, runs the rest, and ends with the context of a clean run', async () => {
    const runner = await createRunner();
    const p = pipeline();
    runner.register(p.workflow);
    const failed = await failedRun(runner, p);
    expect(Object.fromEntries(p.calls)).toEqual({ t1: 1, t2: 1, t3: 1, t5: 1 });

    p.failing = false;
    const handle = await runner.rerunExecution(failed.executionId);
    expect(handle.executionId).not.toBe(failed.executionId);
    expect(handle.workflowName).toBe('pipeline');
    const rerun = await handle.wait();
    expect(rerun.status).toBe('Completed');
    // t1, t2 and t5 did not run again; t3 ran from t2's carried output, and t4 after it.
    expect(Object.fromEntries(p.calls)).toEqual({ t1: 1, t2: 1, t3: 2, t4: 1, t5: 1 });
    expect(p.t3Inputs[1]).toEqual(p.t3Inputs[0]);
    expect(p.t3Inputs[1]).toMatchObject({ a: 2, b: 4, trail: ['t1', 't2'] });
    expect(rerun.taskResults.map((t) => [t.taskId, t.status, t.attempts])).toEqual([
      ['t1', 'Completed', 0],
      ['t2', 'Completed', 0],
      ['t3', 'Completed', 1],
      ['t4', 'Completed', 1],
      ['t5', 'Completed', 0],
    ]);

    const clean = await runner.execute('pipeline', { seed: 1 });
    expect(clean.status).toBe('Completed');
    expect(rerun.finalContext.toJSON()).toEqual(clean.finalContext.toJSON());
    expect(rerun.finalContext.get('trail')).toEqual(['t1', 't2', 't3']);

    // Linked both ways, in results and in list pages.
    expect(rerun.rerunOf).toBe(failed.executionId);
    expect(rerun.rerunBy).toBeUndefined();
    const original = await runner.getExecutionResult(failed.executionId);
    expect(original.rerunBy).toBe(rerun.executionId);
    expect(original.rerunOf).toBeUndefined();
    expect(original.status).toBe('Failed');
    const page = await runner.listExecutionsPage({ workflow: 'pipeline' });
    const summaries = new Map(page.items.map((s) => [s.executionId, s]));
    expect(summaries.get(rerun.executionId)).toMatchObject({
      rerunOf: failed.executionId,
      rerunBy: null,
    });
    expect(summaries.get(failed.executionId)).toMatchObject({
      rerunOf: null,
      rerunBy: rerun.executionId,
    });
    expect(summaries.get(clean.executionId)).toMatchObject({ rerunOf: null, rerunBy: null });

    // The rerun's history says what it is and which tasks it carried over.
    const events = await runner.getExecutionEvents(rerun.executionId);
    expect(events[0]).toMatchObject({
      type: 'workflow_rerun',
      taskId: null,
      data: { rerunOf: failed.executionId, from: 'failed' },
    });
    expect(
      events.filter((e) => e.type === 'task_completed' && e.data?.copiedFrom !== undefined),
    ).toEqual([
      expect.objectContaining({ taskId: 't1', data: { copiedFrom: failed.executionId } }),
      expect.objectContaining({ taskId: 't2', data: { copiedFrom: failed.executionId } }),
      expect.objectContaining({ taskId: 't5', data: { copiedFrom: failed.executionId } }),
    ]);
    expect(events.filter((e) => e.type === 'task_started').map((e) => e.taskId)).toEqual([
      't3',
      't4',
    ]);
    expect(events.at(-1)?.type).toBe('workflow_completed');
    await stopRunner(runner);
  });

  it('makes a join wait only for its dependencies that run, and merges carried outputs in', async () => {
    const runner = await createRunner();
    let failing = true;
    let joins = 0;
    const a = task({ id: 'a' }, (ctx) => ctx.set('list', ['a']));
    const b = task({ id: 'b', dependencies: ['a'], retry: { attempts: 1 } }, (ctx) => {
      if (failing) throw new Error('b failed');
      ctx.set('list', [...(ctx.get('list') as string[]), 'b']);
      ctx.set('from_b', true);
    });
    const c = task({ id: 'c', dependencies: ['a'] }, (ctx) => {
      ctx.set('list', [...(ctx.get('list') as string[]), 'c']);
    });
    // Runs after b failed too (rule `always`): from c's output alone.
    const join = task({ id: 'join', dependencies: ['b', 'c'] }, (ctx) => {
      joins += 1;
      ctx.set('joined', ctx.get('list') as string[]);
      ctx.set('saw_b', ctx.has('from_b'));
    });
    runner.register(workflow({ name: 'diamond', tasks: [a, b, c, join] }));
    const failed = await runner.execute('diamond');
    expect(failed.status).toBe('Failed');
    expect(failed.finalContext.get('saw_b')).toBe(false);

    failing = false;
    const rerun = await (
      await runner.rerunExecution(failed.executionId, { from: 'failed' })
    ).wait();
    expect(rerun.status).toBe('Completed');
    expect(joins).toBe(2);
    // The join completed in the original, downstream of b: it ran again, once b was done.
    expect(rerun.taskResults.map((t) => [t.taskId, t.attempts])).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 0],
      ['join', 1],
    ]);
    expect(rerun.finalContext.get('joined')).toEqual(['a', 'b', 'c']);
    expect(rerun.finalContext.get('saw_b')).toBe(true);
    const clean = await runner.execute('diamond');
    expect(rerun.finalContext.toJSON()).toEqual(clean.finalContext.toJSON());
    await stopRunner(runner);
  });

  it('reruns a cancelled execution: what completed is kept, the cancelled tasks run', async () => {
    const runner = await createRunner();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let firstRuns = 0;
    const first = task({ id: 'first' }, (ctx) => {
      firstRuns += 1;
      ctx.set('first', true);
    });
    const held = task({ id: 'held', dependencies: ['first'] }, async (ctx, handle) => {
      await Promise.race([
        gate,
        new Promise((resolve) => handle.signal.addEventListener('abort', resolve)),
      ]);
      ctx.set('held', ctx.get('first') === true);
    });
    runner.register(workflow({ name: 'cancellable', tasks: [first, held] }));
    const started = nextEvent(runner, (e) => e.type === 'task_started' && e.taskId === 'held');
    const handle = await runner.executeAsync('cancellable');
    await started;
    await handle.cancel();
    expect(await handle.status()).toBe('Cancelled');
    release();

    const rerun = await (await runner.rerunExecution(handle.executionId)).wait();
    expect(rerun.status).toBe('Completed');
    expect(firstRuns).toBe(1);
    expect(rerun.finalContext.toJSON()).toEqual({ first: true, held: true });
    await stopRunner(runner);
  });
});

describe('rerunExecution from start', () => {
  it('runs every body again with the original initial context; the original names its latest rerun', async () => {
    const runner = await createRunner();
    const p = pipeline();
    runner.register(p.workflow);
    const failed = await failedRun(runner, p, 5);
    p.failing = false;
    const first = await (await runner.rerunExecution(failed.executionId, { from: 'start' })).wait();
    expect(first.status).toBe('Completed');
    expect(Object.fromEntries(p.calls)).toEqual({ t1: 2, t2: 2, t3: 2, t4: 1, t5: 2 });
    expect(first.taskResults.every((t) => t.attempts === 1)).toBe(true);
    expect(first.finalContext.get('a')).toBe(6);
    expect(first.rerunOf).toBe(failed.executionId);
    const events = await runner.getExecutionEvents(first.executionId);
    expect(events[0]).toMatchObject({
      type: 'workflow_rerun',
      data: { rerunOf: failed.executionId, from: 'start' },
    });
    expect(events.some((e) => e.data?.copiedFrom !== undefined)).toBe(false);

    // A Completed execution can be rerun from the start (also a rerun itself).
    const second = await (await runner.rerunExecution(first.executionId, { from: 'start' })).wait();
    expect(second.status).toBe('Completed');
    expect(second.rerunOf).toBe(first.executionId);
    expect((await runner.getExecutionResult(first.executionId)).rerunBy).toBe(second.executionId);
    const third = await (await runner.rerunExecution(failed.executionId, { from: 'start' })).wait();
    expect((await runner.getExecutionResult(failed.executionId)).rerunBy).toBe(third.executionId);
    await stopRunner(runner);
  });
});

describe('rerunExecution refusals', () => {
  it('refuses an unknown id, a running or completed original, and bad options', async () => {
    const runner = await createRunner();
    const p = pipeline();
    runner.register(p.workflow);
    await expect(runner.rerunExecution('no-such-execution')).rejects.toBeInstanceOf(NotFoundError);
    await expect(runner.rerunExecution('no-such-execution')).rejects.toThrow(
      "No workflow execution with id 'no-such-execution'",
    );

    p.failing = false;
    const done = await runner.execute('pipeline', { seed: 1 });
    const refused = await runner.rerunExecution(done.executionId).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InvalidStateError);
    expect(refused).toMatchObject({ code: 'INVALID_STATE', currentState: 'Completed' });
    expect((refused as Error).message).toMatch(/from: 'start'/);
    await expect(
      runner.rerunExecution(done.executionId, { from: 'middle' as never }),
    ).rejects.toBeInstanceOf(ConfigError);
    await expect(
      runner.rerunExecution(done.executionId, { form: 'start' } as never),
    ).rejects.toThrow(/unknown option 'form'/);
    // Nothing was written by the refusals.
    expect((await runner.getExecutionResult(done.executionId)).rerunBy).toBeUndefined();
    expect((await runner.listExecutionsPage()).items).toHaveLength(1);
    await stopRunner(runner);
  });

  it('refuses a running execution with InvalidStateError naming its status', async () => {
    const runner = await createRunner();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    runner.register(workflow({ name: 'slow', tasks: [task({ id: 'wait' }, () => gate)] }));
    const started = nextEvent(runner, (e) => e.type === 'task_started');
    const handle = await runner.executeAsync('slow');
    await started;
    for (const from of ['failed', 'start'] as const) {
      const error = await runner
        .rerunExecution(handle.executionId, { from })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidStateError);
      expect(error).toMatchObject({ currentState: 'Running' });
      expect((error as Error).message).toContain('is Running');
    }
    release();
    expect((await handle.wait()).status).toBe('Completed');
    await stopRunner(runner);
  });

  it('refuses from failed after the workflow changed, naming both versions; from start runs the new one', async () => {
    const runner = await createRunner();
    const v1 = pipeline('changing');
    runner.register(v1.workflow);
    const failed = await failedRun(runner, v1);
    const v2 = pipeline('changing', { t5Note: 'v2' });
    v2.failing = false;
    expect(v2.workflow.version).not.toBe(v1.workflow.version);
    runner.register(v2.workflow);

    const error = await runner.rerunExecution(failed.executionId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidStateError);
    expect(error).toMatchObject({ code: 'INVALID_STATE', currentState: 'Failed' });
    const message = (error as Error).message;
    expect(message).toContain(v1.workflow.version);
    expect(message).toContain(v2.workflow.version);
    expect(message).toContain("from: 'start'");

    const rerun = await (await runner.rerunExecution(failed.executionId, { from: 'start' })).wait();
    expect(rerun).toMatchObject({
      status: 'Completed',
      workflowVersion: v2.workflow.version,
      rerunOf: failed.executionId,
    });
    expect(rerun.finalContext.get('note')).toBe('v2');
    expect(Object.fromEntries(v2.calls)).toEqual({ t1: 1, t2: 1, t3: 1, t4: 1, t5: 1 });
    await stopRunner(runner);
  });
});

describe('Client.rerunExecution', () => {
  it('reruns by the stored definition, scheduled for the runner with the code', async () => {
    const runner = await createRunner();
    const p = pipeline();
    runner.register(p.workflow);
    await runner.definitionsStored();
    const failed = await failedRun(runner, p);
    p.failing = false;
    const client = await runner.client();
    try {
      const handle = await client.rerunExecution(failed.executionId);
      const rerun = await handle.wait('20s');
      expect(rerun).toMatchObject({ status: 'Completed', rerunOf: failed.executionId });
      expect(Object.fromEntries(p.calls)).toEqual({ t1: 1, t2: 1, t3: 2, t4: 1, t5: 1 });
      expect(await client.getExecutionSummary(failed.executionId)).toMatchObject({
        rerunOf: null,
        rerunBy: rerun.executionId,
      });
      expect(await client.getExecutionSummary(rerun.executionId)).toMatchObject({
        rerunOf: failed.executionId,
        rerunBy: null,
      });
      await expect(client.rerunExecution(rerun.executionId)).rejects.toBeInstanceOf(
        InvalidStateError,
      );
      await expect(client.rerunExecution('nope')).rejects.toBeInstanceOf(NotFoundError);
    } finally {
      await client.close();
    }
    await stopRunner(runner);
  });
});
