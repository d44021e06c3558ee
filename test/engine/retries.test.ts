import { describe, expect, it } from 'vitest';
import { TaskError, TimeoutError, task, workflow } from '../../src/index.js';
import { createRunner, stopRunner } from '../helpers/backend.js';

const fast = { initialDelay: '10ms', jitter: false } as const;

describe('retries and timeouts', () => {
  it('retries a task that fails twice and completes on the third attempt', async () => {
    const runner = await createRunner();
    const seen: number[] = [];
    const flaky = task({ id: 'flaky', retry: { ...fast, attempts: 3 } }, (ctx, handle) => {
      seen.push(handle.attempt);
      if (handle.attempt < 3) throw new Error(`boom ${handle.attempt}`);
      ctx.set('ok', true);
    });
    runner.register(workflow({ name: 'flaky', tasks: [flaky] }));
    const result = await runner.execute('flaky');
    expect(result.status).toBe('Completed');
    expect(seen).toEqual([1, 2, 3]);
    expect(result.taskResults[0]!.attempts).toBe(3);
    const events = await runner.getExecutionEvents(result.executionId);
    const retries = events.filter((e) => e.type === 'task_retry_scheduled');
    expect(retries.map((e) => e.data?.error)).toEqual(['boom 1', 'boom 2']);
    expect(events.filter((e) => e.type === 'task_completed')).toHaveLength(1);
    await stopRunner(runner);
  });

  it('waits durably: the retry becomes due at retryAt, not before', async () => {
    const runner = await createRunner();
    const starts: number[] = [];
    const slow = task(
      {
        id: 'slow',
        retry: { attempts: 2, backoff: 'fixed', initialDelay: '300ms', jitter: false },
      },
      () => {
        starts.push(Date.now());
        if (starts.length === 1) throw new Error('first');
      },
    );
    runner.register(workflow({ name: 'slow_retry', tasks: [slow] }));
    const result = await runner.execute('slow_retry');
    expect(result.status).toBe('Completed');
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(290);
    const events = await runner.getExecutionEvents(result.executionId);
    const scheduled = events.find((e) => e.type === 'task_retry_scheduled')!;
    expect(Number(scheduled.data?.retryAtMs) - scheduled.createdAtMs).toBe(300);
    await stopRunner(runner);
  });

  it("runs a task with retryOn 'never' exactly once", async () => {
    const runner = await createRunner();
    let runs = 0;
    const once = task({ id: 'once', retry: { ...fast, attempts: 5, retryOn: 'never' } }, () => {
      runs += 1;
      throw new Error('no retry please');
    });
    runner.register(workflow({ name: 'once', tasks: [once] }));
    const result = await runner.execute('once');
    expect(result.status).toBe('Failed');
    expect(runs).toBe(1);
    expect(result.taskResults[0]!.errorMessage).toBe('no retry please');
    await stopRunner(runner);
  });

  it('fails at once on TaskError({ retryable: false }) whatever the policy', async () => {
    const runner = await createRunner();
    let runs = 0;
    const fatal = task({ id: 'fatal', retry: { ...fast, attempts: 5 } }, () => {
      runs += 1;
      throw new TaskError('bad input file', { retryable: false });
    });
    runner.register(workflow({ name: 'fatal', tasks: [fatal] }));
    const result = await runner.execute('fatal');
    expect(runs).toBe(1);
    expect(result.status).toBe('Failed');
    expect(result.taskResults[0]!.errorMessage).toBe('bad input file');
    await stopRunner(runner);
  });

  it('retries only transient errors under retryOn transient', async () => {
    const runner = await createRunner();
    const messages = ['connection reset by peer', 'invalid record'];
    let runs = 0;
    const t = task({ id: 't', retry: { ...fast, attempts: 5, retryOn: 'transient' } }, () => {
      runs += 1;
      throw new Error(messages[Math.min(runs - 1, 1)]);
    });
    runner.register(workflow({ name: 'transient', tasks: [t] }));
    const result = await runner.execute('transient');
    expect(runs).toBe(2);
    expect(result.taskResults[0]!.errorMessage).toBe('invalid record');
    await stopRunner(runner);
  });

  it('aborts the signal of an attempt past its timeout and fails the task', async () => {
    const runner = await createRunner();
    let abortedWith: unknown;
    const hang = task(
      { id: 'hang', timeout: '100ms', retry: { attempts: 1 } },
      async (_ctx, handle) => {
        await new Promise<void>((resolve) => {
          handle.signal.addEventListener('abort', () => {
            abortedWith = handle.signal.reason;
            resolve();
          });
        });
      },
    );
    runner.register(workflow({ name: 'hang', tasks: [hang] }));
    const result = await runner.execute('hang');
    expect(result.status).toBe('Failed');
    expect(abortedWith).toBeInstanceOf(TimeoutError);
    expect(result.taskResults[0]!.errorMessage).toMatch(/timed out after 100 ms/);
    await stopRunner(runner);
  });

  it('retries a timed-out attempt as a transient failure', async () => {
    const runner = await createRunner();
    const timeouts: number[] = [];
    const slowThenFast = task(
      {
        id: 'slow_then_fast',
        timeout: '80ms',
        retry: { ...fast, attempts: 2, retryOn: 'transient' },
      },
      async (_ctx, handle) => {
        if (handle.attempt === 1) {
          await new Promise((r) => setTimeout(r, 1000));
          timeouts.push(handle.attempt);
        }
      },
    );
    runner.register(workflow({ name: 'timeout_retry', tasks: [slowThenFast] }));
    const result = await runner.execute('timeout_retry');
    expect(result.status).toBe('Completed');
    expect(result.taskResults[0]!.attempts).toBe(2);
    await stopRunner(runner);
  });
});
