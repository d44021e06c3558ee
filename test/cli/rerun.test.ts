/**
 * `cloacinactl executions rerun` through the real binary: it schedules the rerun for a runner
 * with the code (here one in this process), prints the new id (or JSON), and reports what
 * cannot be rerun in one line with a non-zero exit.
 */
import { describe, expect, it } from 'vitest';
import { TaskError, task, workflow } from '../../src/index.js';
import { createRunner, freshDatabaseUrl, nextEvent, stopRunner } from '../helpers/backend.js';
import { cli, json, ok } from './cli-harness.js';

/** One line of stderr, no stack trace. */
function expectOneLineError(run: { code: number | string; stderr: string }, pattern: RegExp): void {
  expect(run.code).not.toBe(0);
  const lines = run.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr).not.toMatch(/^\s+at /m);
}

describe('cloacinactl executions rerun', () => {
  it('reruns from failed and from start, prints the new id, and refuses a running execution', async () => {
    const url = freshDatabaseUrl();
    const runner = await createRunner({}, url);
    let failing = true;
    const runs = { load: 0, save: 0 };
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    runner.register(
      workflow({
        name: 'nightly',
        tasks: [
          task({ id: 'load' }, (ctx) => {
            runs.load += 1;
            ctx.set('rows', 3);
          }),
          task({ id: 'save', dependencies: ['load'] }, (ctx) => {
            runs.save += 1;
            if (failing) throw new TaskError('disk full', { retryable: false });
            ctx.set('saved', ctx.get('rows') as number);
          }),
        ],
      }),
    );
    runner.register(workflow({ name: 'held', tasks: [task({ id: 'wait' }, () => gate)] }));
    await runner.definitionsStored();
    const failed = await runner.execute('nightly');
    expect(failed.status).toBe('Failed');
    failing = false;

    const printed = (await ok(url, ['executions', 'rerun', failed.executionId])).trim();
    expect(printed).toMatch(/^[0-9a-f-]{36}$/);
    const rerun = await runner.waitForExecution(printed);
    expect(rerun).toMatchObject({ status: 'Completed', rerunOf: failed.executionId });
    expect(rerun.finalContext.toJSON()).toEqual({ rows: 3, saved: 3 });
    expect(runs).toEqual({ load: 1, save: 2 });
    expect(await ok(url, ['executions', 'show', failed.executionId])).toMatch(
      new RegExp(`rerun by:\\s+${printed}`),
    );

    const fromStart = await json<{ executionId: string; rerunOf: string; from: string }>(url, [
      'executions',
      'rerun',
      failed.executionId,
      '--from',
      'start',
    ]);
    expect(fromStart).toMatchObject({
      workflowName: 'nightly',
      rerunOf: failed.executionId,
      from: 'start',
    });
    expect((await runner.waitForExecution(fromStart.executionId)).status).toBe('Completed');
    expect(runs).toEqual({ load: 2, save: 3 });

    const started = nextEvent(runner, (e) => e.type === 'task_started' && e.taskId === 'wait');
    const running = await runner.executeAsync('held');
    await started;
    const [refused, badFrom, unknown] = await Promise.all([
      cli(url, ['executions', 'rerun', running.executionId]),
      cli(url, ['executions', 'rerun', failed.executionId, '--from', 'middle']),
      cli(url, ['executions', 'rerun', 'nope']),
    ]);
    expectOneLineError(refused, /^cloacinactl: INVALID_STATE: .*is Running/);
    expectOneLineError(badFrom, /--from must be failed or start; received 'middle'/);
    expectOneLineError(unknown, /^cloacinactl: NOT_FOUND: .*'nope'/);
    release();
    await running.wait();
    await stopRunner(runner);
  }, 240_000);
});
