/**
 * Thread polls (`defineTrigger({ module, export, isolate: 'thread' })`): the poll runs in a
 * worker thread of the runner's pool, and everything around it (fire with a context, skip,
 * errors recorded, the poll timeout) is what an in-process poll gets. The reason for them: a
 * poll computing for a second leaves the runner free to run a task meanwhile.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  defineTrigger,
  task,
  workflow,
  type DefineTriggerOptions,
  type JsonObject,
} from '../../src/index.js';
import { createRunner, stopRunner } from '../helpers/backend.js';
import { waitFor } from '../helpers/wait.js';
import { recordingWorkflow } from './triggers-fixtures.js';

const fixtures = new URL('./fixtures/thread-polls.ts', import.meta.url);
const FAST = { triggerBasePollInterval: '20ms' } as const;

/** A thread poll running the fixture export `name`. */
function threadTrigger(
  name: string,
  exportName: string,
  options: Partial<DefineTriggerOptions> = {},
) {
  return defineTrigger({
    pollInterval: '50ms',
    ...options,
    name,
    isolate: 'thread',
    module: fixtures,
    export: exportName,
  });
}

describe('thread polls', () => {
  it('fires with the context the poll returned in a worker thread', async () => {
    const runner = await createRunner(FAST);
    const seen: JsonObject[] = [];
    runner.register(recordingWorkflow('wf', { seen }));
    // Polled once, at registration: a later poll would fire again once this run has ended.
    await runner.registerTrigger(threadTrigger('fires', 'fires', { pollInterval: '1h' }), 'wf');
    await waitFor(() => seen.length > 0, 10_000, 'the fired workflow');
    expect(seen[0]).toMatchObject({ file: 'a.csv', trigger_name: 'fires' });
    expect(seen[0]!['threadId']).not.toBe(threadId);
    const fired = (await runner.getTriggerExecutionHistory('fires')).filter(
      (h) => h.workflowExecutionId !== null,
    );
    expect(fired).toHaveLength(1);
    await stopRunner(runner);
  });

  it("runs a module poll in the runner's thread by default, in a thread with defaultTaskIsolation", async () => {
    const plain = defineTrigger({
      name: 'fires',
      pollInterval: '50ms',
      module: fixtures,
      export: 'fires',
    });
    for (const [config, inRunnerThread] of [
      [FAST, true],
      [{ ...FAST, defaultTaskIsolation: 'thread' as const }, false],
    ] as const) {
      const runner = await createRunner(config);
      const seen: JsonObject[] = [];
      runner.register(recordingWorkflow('wf', { seen }));
      await runner.registerTrigger(plain, 'wf');
      await waitFor(() => seen.length > 0, 10_000, 'the fired workflow');
      expect(seen[0]!['threadId'] === threadId).toBe(inRunnerThread);
      await stopRunner(runner);
    }
  });

  it('skips with its reason, starting nothing', async () => {
    const runner = await createRunner(FAST);
    runner.register(recordingWorkflow('wf'));
    await runner.registerTrigger(threadTrigger('skips', 'skips'), 'wf');
    const schedule = await waitFor(
      async () => {
        const row = await runner.getTriggerSchedule('skips');
        return row !== null && row.skips >= 2 ? row : undefined;
      },
      10_000,
      'two recorded skips',
    );
    expect(schedule.lastSkipReason).toBe('nothing new');
    expect(schedule.consecutiveErrors).toBe(0);
    expect(await runner.listExecutions({ workflowName: 'wf' })).toHaveLength(0);
    await stopRunner(runner);
  });

  it('records the error a poll threw, and a returned value that is not a result, as in process', async () => {
    const runner = await createRunner(FAST);
    runner.register(recordingWorkflow('wf'));
    await runner.registerTrigger(threadTrigger('throws', 'throws'), 'wf');
    await runner.registerTrigger(threadTrigger('number', 'returnsNumber'), 'wf');
    const thrown = await waitFor(
      async () => {
        const row = await runner.getTriggerSchedule('throws');
        return row !== null && row.consecutiveErrors >= 2 ? row : undefined;
      },
      10_000,
      'two recorded errors',
    );
    expect(thrown.lastError).toBe('sensor offline in a thread');
    const history = await runner.getTriggerExecutionHistory('throws');
    expect(history.every((h) => h.status === 'error')).toBe(true);
    const number = await waitFor(
      async () => {
        const row = await runner.getTriggerSchedule('number');
        return row !== null && row.consecutiveErrors >= 1 ? row : undefined;
      },
      10_000,
      'the invalid result recorded',
    );
    expect(number.lastError).toBe(
      "POLL_ERROR: Trigger 'number': poll() returned 42; it must return a TriggerResult " +
        '(TriggerResult.skip() or TriggerResult.fire(ctx)) or a boolean (true = fire without ' +
        'context, false = skip).',
    );
    expect(await runner.listExecutions({ workflowName: 'wf' })).toHaveLength(0);
    await stopRunner(runner);
  });

  it('times out a poll that never returns, and terminates its thread', async () => {
    // One slot, so one thread: the other poll runs only if the spinning one's thread was stopped.
    // The timeout counts the start of a thread too (a second or so from the TypeScript sources
    // on a busy machine), so it is set well above that.
    const runner = await createRunner({
      ...FAST,
      maxConcurrentTasks: 1,
      triggerPollTimeout: '2s',
    });
    const seen: JsonObject[] = [];
    runner.register(recordingWorkflow('wf', { seen }));
    await runner.registerTrigger(threadTrigger('forever', 'spinsForever'), 'wf');
    const errors = await waitFor(
      async () => {
        const rows = (await runner.getTriggerExecutionHistory('forever')).filter(
          (h) => h.status === 'error',
        );
        return rows.length >= 1 ? rows : undefined;
      },
      10_000,
      'a timed-out poll',
    );
    expect(errors[0]!.errorMessage).toContain('POLL_TIMEOUT');
    await runner.setTriggerEnabled('forever', false);
    await runner.registerTrigger(threadTrigger('fires', 'fires'), 'wf');
    await waitFor(() => seen.length > 0, 10_000, 'a fire from the freed thread');
    await stopRunner(runner);
  });

  it('computes for a second in a thread while an in-process task runs and completes', async () => {
    const runner = await createRunner(FAST);
    const seen: JsonObject[] = [];
    runner.register(recordingWorkflow('wf', { seen }));
    const quickAt: number[] = [];
    runner.register(
      workflow({
        name: 'quick',
        tasks: [task({ id: 'quick' }, () => void quickAt.push(Date.now()))],
      }),
    );
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    await runner.registerTrigger(threadTrigger('spins', 'spins', { pollInterval: '1h' }), 'wf');
    // Quick workflows one after another until the spinning poll has fired.
    while (seen.length === 0) {
      const result = await runner.execute('quick');
      expect(result.status).toBe('Completed');
    }
    delay.disable();
    const { startedAt, endedAt } = seen[0] as { startedAt: number; endedAt: number };
    expect(endedAt - startedAt).toBeGreaterThanOrEqual(1000);
    // Tasks completed in the runner's thread while the poll was computing in its own...
    expect(
      quickAt.filter((at) => at > startedAt + 100 && at < endedAt - 100).length,
    ).toBeGreaterThan(0);
    // ...and the runner's event loop never stalled for long (a poll in process holds it 1 s).
    expect(delay.max / 1e6).toBeLessThan(300);
    await stopRunner(runner);
  });
});

describe('thread polls: definition', () => {
  function problems(fn: () => unknown): string {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).problems.join('\n');
    }
    throw new Error('expected a ConfigError, nothing was thrown');
  }

  it('keeps the module and isolation; refuses what a thread task refuses', () => {
    const trigger = threadTrigger('t', 'fires');
    expect(trigger.module).toMatchObject({ url: fixtures.href, export: 'fires' });
    expect(trigger.isolate).toBe('thread');
    expect(problems(() => defineTrigger({ name: 't', isolate: 'thread' }, () => true))).toMatch(
      /Trigger 't': a function cannot run in a thread/,
    );
    expect(problems(() => defineTrigger({ name: 't', module: './poll.js' }))).toMatch(
      /module must be a URL or an absolute path/,
    );
    expect(problems(() => defineTrigger({ name: 't', module: fixtures }, () => true))).toMatch(
      /both a function and a module/,
    );
    expect(problems(() => defineTrigger({ name: 't', export: 'fires' }, () => true))).toMatch(
      /export is given without module/,
    );
    expect(
      problems(() =>
        defineTrigger({ name: 't', module: fixtures, isolate: 'process' as 'thread' }),
      ),
    ).toMatch(/isolate must be 'none' or 'thread'/);
    // Listed with the other problems of the options.
    const both = problems(() => defineTrigger({ name: 'has space' }));
    expect(both).toMatch(/name must be/);
    expect(both).toMatch(/needs a function as the second argument of defineTrigger\(\)/);
  });
});
