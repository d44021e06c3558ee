/**
 * The test kit: a real runner on a virtual clock, here on its default in-memory SQLite database
 * (`test-runner.pg.test.ts` runs it on PostgreSQL). Every timer of the engine goes through the
 * clock, so cron times, trigger polls, retry backoffs, timeouts and sweeps happen exactly when
 * `advance` reaches them, with no real time passing, and a test gives the same history every run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  DefaultRunner,
  ManualClock,
  TriggerResult,
  defineTrigger,
  task,
  workflow,
  type Workflow,
} from '../../src/index.js';
import {
  createTestRunner,
  type TestRunner,
  type TestRunnerOptions,
} from '../../src/testing/index.js';
import { freshSqliteUrl, quietLogger } from '../helpers/backend.js';
import { waitFor } from '../helpers/wait.js';

const open: TestRunner[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((kit) => kit.close()));
});

/** A kit on its default database, closed after the test. */
async function kit(options: TestRunnerOptions = {}): Promise<TestRunner> {
  const created = await createTestRunner(options);
  open.push(created);
  return created;
}

const START = Date.UTC(2026, 0, 1);
const at = (minutes: number): string => new Date(START + minutes * 60_000).toISOString();

/** A one-task workflow whose task records each run's virtual time. */
function recording(name: string, runs: number[], clock: () => number): Workflow {
  return workflow({ name, tasks: [task({ id: 'work' }, () => void runs.push(clock()))] });
}

describe('createTestRunner', () => {
  it('a */5 cron over advance("1h") runs exactly 12 executions, at the exact times', async () => {
    const runs: number[] = [];
    const t = await kit();
    t.runner.register(recording('report', runs, () => t.clock.now()));
    await t.runner.registerCronWorkflow('report', '*/5 * * * *');

    await t.advance('1h');

    const expected = Array.from({ length: 12 }, (_, i) => at(5 * (i + 1)));
    const executions = await t.executions('report');
    expect(executions.map((e) => e.createdAt.toISOString())).toEqual(expected);
    expect(executions.every((e) => e.status === 'Completed')).toBe(true);
    expect(runs.map((ms) => new Date(ms).toISOString())).toEqual(expected);
    const history = await t.cronHistory('report');
    expect(history.map((h) => [h.scheduledTime.toISOString(), h.status])).toEqual(
      expected.map((time) => [time, 'completed']),
    );
    expect(t.clock.now()).toBe(START + 3_600_000);
  });

  it('a trigger polled every 10 s that fires every third poll: 6 polls and 2 fires in a minute', async () => {
    const polls: number[] = [];
    const t = await kit();
    t.runner.register(workflow({ name: 'ingest', tasks: [task({ id: 'load' }, () => {})] }));
    await t.runner.registerTrigger(
      defineTrigger({ name: 'inbox', pollInterval: '10s' }, () => {
        polls.push(t.clock.now());
        return polls.length % 3 === 0
          ? TriggerResult.fire({ batch: polls.length / 3 })
          : TriggerResult.skip('empty');
      }),
      'ingest',
    );

    await t.advance('59s');

    // Polled at once when registered, then every 10 s: six polls within the first minute.
    expect(polls.map((ms) => (ms - START) / 1000)).toEqual([0, 10, 20, 30, 40, 50]);
    const history = await t.triggerHistory('inbox');
    expect(history.map((h) => h.status)).toEqual(['completed', 'completed']);
    const executions = await t.executions('ingest');
    expect(executions).toHaveLength(2);
    expect(executions.every((e) => e.status === 'Completed')).toBe(true);
  });

  it('a second fire of the same context is suppressed while the first run is open', async () => {
    let polls = 0;
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const t = await kit();
    // The task waits for the test: the first run stays open across the second fire.
    t.runner.register(workflow({ name: 'ingest', tasks: [task({ id: 'load' }, () => gate)] }));
    await t.runner.registerTrigger(
      defineTrigger({ name: 'inbox', pollInterval: '10s' }, () => {
        polls += 1;
        return polls % 3 === 0 ? TriggerResult.fire({ file: 'a.csv' }) : TriggerResult.skip();
      }),
      'ingest',
    );

    await t.advance('59s');

    expect(polls).toBe(6);
    const history = await t.triggerHistory('inbox');
    expect(history.map((h) => h.status)).toEqual(['open', 'deduplicated']);
    expect(await t.executions('ingest')).toHaveLength(1);

    release();
    await t.runUntilIdle();
    expect((await t.triggerHistory('inbox')).map((h) => h.status)).toEqual([
      'completed',
      'deduplicated',
    ]);
  });

  it('a retry with a 10-minute backoff runs its second attempt after advance("10m"), not before', async () => {
    const attempts: number[] = [];
    const t = await kit();
    t.runner.register(
      workflow({
        name: 'flaky',
        tasks: [
          task(
            {
              id: 'call',
              retry: { attempts: 2, backoff: 'fixed', initialDelay: '10m', maxDelay: '10m' },
            },
            () => {
              attempts.push(t.clock.now());
              if (attempts.length === 1) throw new Error('upstream busy');
            },
          ),
        ],
      }),
    );
    const handle = await t.runner.executeAsync('flaky');
    await t.runUntilIdle();
    expect(attempts).toEqual([START]);

    await t.advance(10 * 60_000 - 1);
    expect(attempts).toHaveLength(1);
    expect(await t.runner.getExecutionStatus(handle.executionId)).toBe('Running');

    await t.advance(1);
    expect(attempts).toEqual([START, START + 10 * 60_000]);
    expect((await t.result(handle.executionId)).status).toBe('Completed');
    expect((await t.taskResult(handle.executionId, 'call')).status).toBe('Completed');
  });

  it('a task that overruns its 30 s timeout fails at 30 s of virtual time', async () => {
    const t = await kit();
    t.runner.register(
      workflow({
        name: 'slow',
        tasks: [
          task(
            { id: 'wait', timeout: '30s', retry: { attempts: 1 } },
            (_ctx, handle) =>
              new Promise<void>((_, reject) =>
                handle.signal.addEventListener('abort', () => reject(new Error('aborted'))),
              ),
          ),
        ],
      }),
    );
    const handle = await t.runner.executeAsync('slow');
    await t.advance('29s');
    expect((await t.taskResult(handle.executionId, 'wait')).status).toBe('Running');

    await t.advance('1s');
    const result = await t.result(handle.executionId);
    expect(result.status).toBe('Failed');
    const wait = await t.taskResult(handle.executionId, 'wait');
    expect(wait.status).toBe('Failed');
    expect(wait.completedAt?.getTime()).toBe(START + 30_000);
    expect(wait.errorMessage).toMatch(/timed out after 30000 ms/);
  });

  it('a delayed start and a deferred task wait for virtual time', async () => {
    let ready = false;
    const t = await kit();
    t.runner.register(
      workflow({
        name: 'later',
        tasks: [
          task({ id: 'first' }, async (_ctx, handle) => {
            await handle.deferUntil(() => ready, '1m');
          }),
        ],
      }),
    );
    const handle = await t.runner.executeAsync('later', {}, { delay: '1h' });
    await t.advance('59m');
    expect(await t.runner.getExecutionStatus(handle.executionId)).toBe('Scheduled');
    await t.advance('1m');
    expect((await t.taskResult(handle.executionId, 'first')).status).toBe('Deferred');
    ready = true;
    await t.advance('59s');
    expect(await t.runner.getExecutionStatus(handle.executionId)).not.toBe('Completed');
    await t.advance('1s');
    const result = await t.result(handle.executionId);
    expect(result.status).toBe('Completed');
    // Started at 60 min; the condition is checked each minute after that.
    expect(result.completedAt?.getTime()).toBe(START + 61 * 60_000);
  });

  it('a day of a once-a-minute cron: 1,440 executions, one at each minute', async () => {
    const t = await kit();
    t.runner.register(workflow({ name: 'minutely', tasks: [task({ id: 'tick' }, () => {})] }));
    await t.runner.registerCronWorkflow('minutely', '* * * * *');

    await t.advance('1d');

    const executions = await t.executions('minutely');
    expect(executions).toHaveLength(1440);
    expect(executions.every((e, i) => e.createdAt.getTime() === START + (i + 1) * 60_000)).toBe(
      true,
    );
    expect(executions.every((e) => e.status === 'Completed')).toBe(true);
  }, 60_000);

  it('a claim whose runner went silent is swept after staleClaimThreshold, and runs again', async () => {
    const url = freshSqliteUrl();
    const hang = workflow({
      name: 'hang',
      tasks: [
        task(
          { id: 'body', retry: { attempts: 1 } },
          (_ctx, handle) =>
            // The first runner never finishes it: it holds the claim until it is stopped.
            new Promise<void>((resolve) =>
              handle.signal.addEventListener('abort', () => resolve()),
            ),
        ),
      ],
    });
    // The silent runner: its clock stays at START, so its heartbeats never move past START.
    const silent = await DefaultRunner.create(url, {
      clock: new ManualClock(START),
      logger: quietLogger,
      enableRecovery: false,
    });
    silent.register(hang);
    const handle = await silent.executeAsync('hang');
    await waitFor(
      async () =>
        (await silent.getExecutionResult(handle.executionId)).taskResults[0]?.status === 'Running',
    );

    const again = workflow({ name: 'hang', tasks: [task({ id: 'body' }, () => {})] });
    const t = await kit({ url, workflows: [again], enableClaiming: true });
    try {
      await t.advance('59s');
      expect((await t.taskResult(handle.executionId, 'body')).status).toBe('Running');

      // Stale at 60 s; the sweeper runs every 30 s, so the 90 s sweep takes it back.
      await t.advance('31s');
      const body = await t.taskResult(handle.executionId, 'body');
      expect(body.status).toBe('Completed');
      expect(body.completedAt?.getTime()).toBe(START + 90_000);
      const events = await t.runner.getExecutionEvents(handle.executionId);
      expect(events.map((e) => e.type)).toContain('task_recovered');
    } finally {
      await silent.shutdown({ graceful: false });
    }
  });

  it("the guide's cron example: an hourly schedule in a zone, a day in one call", async () => {
    const t = await kit({
      start: '2026-03-01T00:00:00Z',
      workflows: [
        workflow({
          name: 'hourly_report',
          tasks: [task({ id: 'build' }, (ctx) => ctx.set('rows', 42))],
        }),
      ],
    });
    await t.runner.registerCronWorkflow('hourly_report', '0 * * * *', 'Europe/Berlin');

    await t.advance('1d');

    const runs = await t.cronHistory('hourly_report');
    expect(runs).toHaveLength(24);
    expect(runs.every((run) => run.status === 'completed')).toBe(true);
    expect(runs[0]!.scheduledTime.toISOString()).toBe('2026-03-01T01:00:00.000Z');
    expect(runs[23]!.scheduledTime.toISOString()).toBe('2026-03-02T00:00:00.000Z');
    const [first] = await t.executions('hourly_report');
    expect((await t.result(first!.executionId)).finalContext.get('rows')).toBe(42);
  });

  it('the same test run twice gives identical histories', async () => {
    const history = async (): Promise<unknown[]> => {
      const t = await kit();
      let polls = 0;
      let calls = 0;
      t.runner.register(
        workflow({
          name: 'etl',
          tasks: [
            task({ id: 'extract' }, (ctx) => ctx.set('rows', 3)),
            task(
              {
                id: 'load',
                dependencies: ['extract'],
                retry: { attempts: 3, initialDelay: '30s' },
              },
              () => {
                calls += 1;
                if (calls % 2 === 1) throw new Error('flaky');
              },
            ),
          ],
        }),
      );
      await t.runner.registerCronWorkflow('etl', '*/15 * * * *');
      await t.runner.registerTrigger(
        defineTrigger({ name: 'poke', pollInterval: '7m' }, () => {
          polls += 1;
          return polls % 2 === 0 ? TriggerResult.fire({ poll: polls }) : TriggerResult.skip();
        }),
        'etl',
      );
      await t.advance('2h');
      const rows: unknown[] = [];
      for (const execution of await t.executions('etl')) {
        const events = await t.runner.getExecutionEvents(execution.executionId);
        rows.push({
          createdAt: execution.createdAt.getTime(),
          status: execution.status,
          events: events.map((e) => [e.type, e.taskId ?? null, e.createdAtMs]),
        });
      }
      rows.push((await t.triggerHistory('poke')).map((h) => [h.status, h.startedAt.getTime()]));
      rows.push((await t.cronHistory('etl')).map((h) => [h.status, h.scheduledTime.getTime()]));
      await t.close();
      return rows;
    };
    const first = await history();
    const second = await history();
    expect(first.length).toBeGreaterThan(10);
    expect(second).toEqual(first);
  });
});
