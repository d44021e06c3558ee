import { describe, expect, it } from 'vitest';
import { InvalidStateError, task, workflow } from '../../src/index.js';
import { createRunner, nextEvent, stopRunner } from '../helpers/backend.js';

/** A task that runs until its signal aborts (or `release()` is called). */
function gated(id: string, dependencies: string[] = []) {
  let release!: () => void;
  let aborted: unknown;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const definition = task({ id, dependencies }, async (_ctx, handle) => {
    await Promise.race([
      gate,
      new Promise<void>((resolve) =>
        handle.signal.addEventListener('abort', () => {
          aborted = handle.signal.reason;
          resolve();
        }),
      ),
    ]);
  });
  return { definition, release: () => release(), aborted: () => aborted };
}

describe('cancel, pause and resume', () => {
  it('hard-cancels: aborts the running task, starts nothing new, and execute() returns Cancelled', async () => {
    const runner = await createRunner();
    const long = gated('long');
    let nextRan = false;
    const next = task({ id: 'next', dependencies: ['long'] }, () => {
      nextRan = true;
    });
    runner.register(workflow({ name: 'cancel_me', tasks: [long.definition, next] }));
    const started = nextEvent(runner, (e) => e.type === 'task_started');
    const handle = await runner.executeAsync('cancel_me');
    await started;
    const waiting = handle.wait();
    await handle.cancel();
    const result = await waiting;
    expect(result.status).toBe('Cancelled');
    expect(long.aborted()).toBeInstanceOf(Error);
    expect(nextRan).toBe(false);
    expect(result.taskResults.map((t) => t.status)).toEqual(['Cancelled', 'Cancelled']);
    await expect(handle.cancel()).rejects.toBeInstanceOf(InvalidStateError);
    await expect(handle.pause()).rejects.toBeInstanceOf(InvalidStateError);
    const events = await runner.getExecutionEvents(handle.executionId);
    expect(events.filter((e) => e.type === 'workflow_cancelled')).toHaveLength(1);
    expect(events.some((e) => e.type === 'task_completed')).toBe(false);
    expect(await handle.status()).toBe('Cancelled');
    await stopRunner(runner);
  });

  it('pauses mid-DAG: the running task finishes, the next does not start until resume', async () => {
    const runner = await createRunner({ schedulerPollInterval: '20ms' });
    const first = gated('first');
    const startedIds: string[] = [];
    const second = task({ id: 'second', dependencies: ['first'] }, (_ctx, handle) => {
      startedIds.push(handle.taskId);
    });
    runner.register(workflow({ name: 'pausable', tasks: [first.definition, second] }));
    const started = nextEvent(runner, (e) => e.type === 'task_started');
    const handle = await runner.executeAsync('pausable');
    await started;
    await handle.pause('maintenance');
    expect(await handle.status()).toBe('Paused');
    const firstDone = nextEvent(runner, (e) => e.type === 'task_completed' && e.taskId === 'first');
    first.release();
    await firstDone;
    // Several scheduler ticks pass while paused: the ready task must not start.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(startedIds).toEqual([]);
    expect(await handle.status()).toBe('Paused');
    await expect(handle.pause()).rejects.toBeInstanceOf(InvalidStateError);
    await handle.resume();
    await expect(handle.resume()).rejects.toBeInstanceOf(InvalidStateError);
    const result = await handle.wait();
    expect(result.status).toBe('Completed');
    expect(startedIds).toEqual(['second']);
    const types = (await runner.getExecutionEvents(handle.executionId)).map((e) => e.type);
    expect(types).toContain('workflow_paused');
    expect(types).toContain('workflow_resumed');
    expect(types.indexOf('workflow_resumed')).toBeLessThan(types.lastIndexOf('task_started'));
    await stopRunner(runner);
  });

  it('never overwrites a terminal status', async () => {
    const runner = await createRunner();
    runner.register(workflow({ name: 'done', tasks: [task({ id: 'a' }, () => undefined)] }));
    const result = await runner.execute('done');
    await expect(runner.cancelExecution(result.executionId)).rejects.toBeInstanceOf(
      InvalidStateError,
    );
    await expect(runner.pauseExecution(result.executionId)).rejects.toBeInstanceOf(
      InvalidStateError,
    );
    await expect(runner.resumeExecution(result.executionId)).rejects.toBeInstanceOf(
      InvalidStateError,
    );
    expect(await runner.getExecutionStatus(result.executionId)).toBe('Completed');
    await stopRunner(runner);
  });
});

describe('deferral', () => {
  it('releases the slot while deferred so another task runs in it', async () => {
    const runner = await createRunner({ maxConcurrentTasks: 1 });
    let ready = false;
    const order: string[] = [];
    const waiter = task({ id: 'waiter' }, async (_ctx, handle) => {
      order.push('waiter:start');
      await handle.deferUntil(() => ready, '20ms');
      order.push('waiter:resumed');
    });
    const other = task({ id: 'other' }, () => {
      order.push('other');
      ready = true;
    });
    runner.register(workflow({ name: 'defer', tasks: [waiter, other] }));
    const result = await runner.execute('defer');
    expect(result.status).toBe('Completed');
    expect(order).toEqual(['waiter:start', 'other', 'waiter:resumed']);
    const types = (await runner.getExecutionEvents(result.executionId)).map((e) => e.type);
    expect(types.indexOf('task_deferred')).toBeLessThan(types.indexOf('task_resumed'));
    await stopRunner(runner);
  });

  it('marks the task Deferred while it waits', async () => {
    const runner = await createRunner();
    let ready = false;
    const waiter = task({ id: 'waiter' }, async (_ctx, handle) => {
      await handle.deferUntil(() => ready, '20ms');
    });
    runner.register(workflow({ name: 'deferred_state', tasks: [waiter] }));
    const deferred = nextEvent(runner, (e) => e.type === 'task_deferred');
    const handle = await runner.executeAsync('deferred_state');
    await deferred;
    expect((await handle.result()).taskResults[0]!.status).toBe('Deferred');
    ready = true;
    expect((await handle.wait()).status).toBe('Completed');
    await stopRunner(runner);
  });

  it('is bounded by the task timeout', async () => {
    const runner = await createRunner({ maxConcurrentTasks: 1 });
    const never = task(
      { id: 'never', timeout: '150ms', retry: { attempts: 1 } },
      async (_ctx, handle) => {
        await handle.deferUntil(() => false, '20ms');
      },
    );
    runner.register(workflow({ name: 'defer_timeout', tasks: [never] }));
    const result = await runner.execute('defer_timeout');
    expect(result.status).toBe('Failed');
    expect(result.taskResults[0]!.errorMessage).toMatch(/timed out/);
    // The timed-out deferral neither leaked its slot nor returned it twice.
    let running = 0;
    let peak = 0;
    const probe = (id: string) =>
      task({ id }, async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 20));
        running -= 1;
      });
    runner.register(workflow({ name: 'after', tasks: [probe('a'), probe('b'), probe('c')] }));
    expect((await runner.execute('after')).status).toBe('Completed');
    expect(peak).toBe(1);
    await stopRunner(runner);
  });
});
