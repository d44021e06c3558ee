/**
 * Thread tasks (`isolate: 'thread'`): the body runs in a worker thread, and everything around
 * it (output, errors, retries, timeouts, cancellation) is what an in-process body gets. The
 * reason for them is the last test: a body computing for seconds leaves the runner's event
 * loop free.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { task, workflow, type DefaultRunner, type RunnerConfig } from '../../src/index.js';
import { createRunner, quietLogger, stopRunner } from '../helpers/backend.js';

const fixtures = new URL('./fixtures/thread-tasks.ts', import.meta.url);
const fast = { initialDelay: '10ms', jitter: false } as const;

/** A thread task running the fixture export `name`. */
function threadTask(id: string, name: string, options: Parameters<typeof task>[0] = { id }) {
  return task({ ...options, id, isolate: 'thread', module: fixtures, export: name });
}

/** A runner, and the promise of its next `handle.log` line `msg`. */
async function runnerHearing(
  msg: string,
  config: RunnerConfig = {},
): Promise<{ runner: DefaultRunner; heard: () => Promise<void> }> {
  let hear: () => void = () => undefined;
  const logger = {
    ...quietLogger,
    info: (_obj: object | string, text?: string) => {
      if (text === msg || _obj === msg) hear();
    },
    child: () => logger,
  };
  const runner = await createRunner({ ...config, logger });
  return {
    runner,
    // Asked before the line is due: the promise of the next such line.
    heard: () => new Promise<void>((resolve) => (hear = resolve)),
  };
}

describe('thread tasks', () => {
  it('completes in a worker thread with its output context, and its log lines are kept', async () => {
    const runner = await createRunner();
    runner.register(workflow({ name: 'doubling', tasks: [threadTask('double', 'double')] }));
    const result = await runner.execute('doubling', { n: 21 });
    expect(result.status).toBe('Completed');
    expect(result.finalContext.get('doubled')).toBe(42);
    expect(result.finalContext.get('threadId')).not.toBe(threadId);
    const logs = await runner.getTaskLogs(result.executionId, 'double');
    expect(logs.lines.map((line) => [line.message, line.fields])).toEqual([
      ['doubling', { n: 21 }],
    ]);
    await stopRunner(runner);
  });

  it("runs a module task in the runner's thread by default, in a thread with defaultTaskIsolation", async () => {
    const plain = task({ id: 'double', module: fixtures, export: 'double' });
    const inline = await createRunner();
    inline.register(workflow({ name: 'doubling', tasks: [plain] }));
    const here = await inline.execute('doubling', { n: 1 });
    expect(here.finalContext.get('threadId')).toBe(threadId);
    await stopRunner(inline);
    const threaded = await createRunner({ defaultTaskIsolation: 'thread' });
    threaded.register(workflow({ name: 'doubling', tasks: [plain] }));
    const there = await threaded.execute('doubling', { n: 1 });
    expect(there.finalContext.get('doubled')).toBe(2);
    expect(there.finalContext.get('threadId')).not.toBe(threadId);
    await stopRunner(threaded);
  });

  it('fails and retries like an in-process task, with the error name, code and message', async () => {
    const runner = await createRunner();
    runner.register(
      workflow({
        name: 'failing',
        tasks: [
          // Retried: the policy matches the code, which only crosses the thread as a field.
          threadTask('by_code', 'fail', {
            id: 'by_code',
            retry: { ...fast, attempts: 2, retryOn: ['E_CUSTOM'] },
          }),
          threadTask('other_code', 'fail', {
            id: 'other_code',
            retry: { ...fast, attempts: 3, retryOn: ['E_OTHER'] },
          }),
          threadTask('no_export', 'notAFunction', { id: 'no_export', retry: { ...fast } }),
          // Would end the thread without an answer, leaving the attempt to its timeout.
          threadTask('exits', 'exits', { id: 'exits', timeout: '1h', retry: { ...fast } }),
        ],
      }),
    );
    const result = await runner.execute('failing');
    expect(result.status).toBe('Failed');
    const byId = new Map(result.taskResults.map((t) => [t.taskId, t]));
    expect(byId.get('by_code')).toMatchObject({
      status: 'Failed',
      attempts: 2,
      errorMessage: 'custom failure on attempt 2',
    });
    expect(byId.get('other_code')).toMatchObject({ status: 'Failed', attempts: 1 });
    // A missing export is a non-retryable TaskError: one attempt despite the default 3.
    expect(byId.get('no_export')?.attempts).toBe(1);
    expect(byId.get('no_export')?.errorMessage).toMatch(/no exported function 'notAFunction'/);
    expect(byId.get('exits')).toMatchObject({ status: 'Failed', attempts: 1 });
    expect(byId.get('exits')?.errorMessage).toMatch(
      /process\.exit\(3\) was called in a thread task/,
    );
    await stopRunner(runner);
  });

  it('times out a body that never yields, and its thread is freed for the next task', async () => {
    // One slot, so one thread: the next thread task runs only if the spinning one was stopped.
    const runner = await createRunner({ maxConcurrentTasks: 1 });
    runner.register(
      workflow({
        name: 'forever',
        tasks: [
          threadTask('forever', 'spinForever', {
            id: 'forever',
            timeout: '300ms',
            retry: { attempts: 1 },
          }),
        ],
      }),
    );
    runner.register(workflow({ name: 'doubling', tasks: [threadTask('double', 'double')] }));
    const result = await runner.execute('forever');
    expect(result.status).toBe('Failed');
    expect(result.taskResults[0]?.errorMessage).toMatch(/timed out after 300 ms/);
    const next = await runner.execute('doubling', { n: 2 });
    expect(next.finalContext.get('doubled')).toBe(4);
    await stopRunner(runner);
  });

  it('cancels a body that never yields by terminating its thread', async () => {
    const { runner, heard } = await runnerHearing('spinning', { maxConcurrentTasks: 1 });
    runner.register(workflow({ name: 'forever', tasks: [threadTask('forever', 'spinForever')] }));
    runner.register(workflow({ name: 'doubling', tasks: [threadTask('double', 'double')] }));
    const spinning = heard();
    const handle = await runner.executeAsync('forever');
    await spinning;
    const waiting = handle.wait();
    await handle.cancel();
    expect((await waiting).status).toBe('Cancelled');
    const next = await runner.execute('doubling', { n: 3 });
    expect(next.finalContext.get('doubled')).toBe(6);
    await stopRunner(runner);
  });

  /**
   * Runs `spin` for 1.5 s (in a thread or not) and, once it spins, an in-process task; says
   * when each finished and how long the runner's event loop was held at most meanwhile.
   */
  async function spinBeside(isolate: 'thread' | 'none') {
    const { runner, heard } = await runnerHearing('spinning');
    runner.register(
      workflow({
        name: 'spin',
        tasks: [task({ id: 'spin', isolate, module: fixtures, export: 'spin' })],
      }),
    );
    runner.register(
      workflow({ name: 'quick', tasks: [task({ id: 'quick' }, (ctx) => ctx.set('ok', true))] }),
    );
    // Measured from before the start: a body in process holds the loop from its first line.
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    // The histogram's first tick only sets its baseline, so a stall before it went unseen.
    await new Promise((resolve) => setTimeout(resolve, 30));
    const spinning = heard();
    const spin = await runner.executeAsync('spin', { spinMs: 1500 });
    await spinning;
    const spinDone = spin.wait().then((result) => ({ result, at: performance.now() }));
    const quick = await runner.execute('quick');
    const quickAt = performance.now();
    const spun = await spinDone;
    delay.disable();
    await stopRunner(runner);
    return { quick, quickAt, spun, maxDelayMs: delay.max / 1e6 };
  }

  it("keeps the runner's event loop free while a thread task computes", async () => {
    const { quick, quickAt, spun, maxDelayMs } = await spinBeside('thread');
    expect(spun.result.status).toBe('Completed');
    expect(spun.result.finalContext.get('turns')).toBeGreaterThan(0);
    expect(quick.status).toBe('Completed');
    // The in-process task finished while the thread was still computing...
    expect(quickAt).toBeLessThan(spun.at - 500);
    // ...and the loop never stalled for long (the same body in process holds it ~1.5 s).
    expect(maxDelayMs).toBeLessThan(300);
  });

  it('the same body in process holds the event loop for its whole run (the contrast)', async () => {
    const { spun, maxDelayMs } = await spinBeside('none');
    expect(spun.result.status).toBe('Completed');
    expect(maxDelayMs).toBeGreaterThan(1000);
  });
});
