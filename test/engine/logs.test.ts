/**
 * What the engine logs, through a real pino logger: a task's final failure is a warning an
 * operator sees at the default level, its retried attempts are not; a cron fire's line names
 * the runner once.
 */
import { describe, expect, it } from 'vitest';
import { TaskError, task, workflow } from '../../src/index.js';
import { createRunner, stopRunner } from '../helpers/backend.js';
import { captureLogs, LEVEL } from '../helpers/log-capture.js';
import { waitFor } from '../helpers/wait.js';

describe('task failure logs', () => {
  it('logs the final failure at warn and the retried attempts below info', async () => {
    const { logger, lines } = captureLogs();
    const runner = await createRunner({ logger });
    runner.register(
      workflow({
        name: 'flaky',
        tasks: [
          task({ id: 'load', retry: { attempts: 3, initialDelay: '5ms', jitter: false } }, () => {
            throw new Error('upstream refused');
          }),
        ],
      }),
    );
    const result = await runner.execute('flaky');
    expect(result.status).toBe('Failed');
    const failed = lines.filter((l) => l.msg === 'task failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.level).toBe(LEVEL.warn);
    expect(failed[0]!.fields).toMatchObject({
      executionId: result.executionId,
      taskId: 'load',
      attempt: 3,
      reason: 'retries exhausted',
      err: { message: 'upstream refused' },
    });
    const retried = lines.filter((l) => l.msg === 'task attempt failed; retry scheduled');
    expect(retried.map((l) => l.fields.attempt)).toEqual([1, 2]);
    expect(retried.every((l) => l.level < LEVEL.info)).toBe(true);
    await stopRunner(runner);
  });

  it('logs a non-retryable failure at warn on its first attempt', async () => {
    const { logger, lines } = captureLogs('info');
    const runner = await createRunner({ logger });
    runner.register(
      workflow({
        name: 'refused',
        tasks: [
          task({ id: 'check', retry: { attempts: 5 } }, () => {
            throw new TaskError('bad input', { retryable: false });
          }),
        ],
      }),
    );
    expect((await runner.execute('refused')).status).toBe('Failed');
    const failed = lines.filter((l) => l.msg === 'task failed');
    expect(failed.map((l) => [l.level, l.fields.attempt, l.fields.reason])).toEqual([
      [LEVEL.warn, 1, 'non-retryable'],
    ]);
    await stopRunner(runner);
  });
});

describe('cron logs', () => {
  it('names the runner once in the line of a fire', async () => {
    const { logger, lines } = captureLogs('info');
    const runner = await createRunner({ logger });
    runner.register(workflow({ name: 'tick', tasks: [task({ id: 'x' }, () => undefined)] }));
    await runner.registerCronWorkflow('tick', '* * * * * *');
    const fired = await waitFor(
      () => lines.find((l) => l.msg === 'cron schedule fired'),
      5000,
      'a cron fire to be logged',
    );
    expect(fired.fields.runnerId).toBe(runner.runnerId);
    expect(fired.raw.match(/"runnerId"/g)).toHaveLength(1);
    await stopRunner(runner);
  });
});
