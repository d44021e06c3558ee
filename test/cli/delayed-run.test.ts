/**
 * `cloacinactl run --delay / --run-at` through the real binary: the execution is written
 * Scheduled with its start time, shown by `executions show` and listed by `--status Scheduled`;
 * `executions cancel` cancels it; a bad time is one line on stderr and nothing is written.
 */
import { describe, expect, it } from 'vitest';
import { task, workflow } from '../../src/index.js';
import { createRunner, freshDatabaseUrl, stopRunner } from '../helpers/backend.js';
import { cli, ok } from './cli-harness.js';

describe('cloacinactl run --delay / --run-at', () => {
  it('schedules for later, shows and lists it as Scheduled, cancels it, refuses a bad time', async () => {
    const url = freshDatabaseUrl();
    const runner = await createRunner({}, url);
    let runs = 0;
    runner.register(workflow({ name: 'later', tasks: [task({ id: 'only' }, () => void runs++)] }));
    await runner.definitionsStored();
    try {
      const id = (await ok(url, ['run', 'later', '--delay', '2h'])).trim();
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      const shown = await ok(url, ['executions', 'show', id]);
      expect(shown).toMatch(/status:\s+Scheduled/);
      const runAt = (await runner.getExecutionResult(id)).runAt!;
      expect(runAt.getTime() - Date.now()).toBeGreaterThan(7_100_000);
      expect(shown).toContain(`run at:`);

      const at = '2031-01-02T03:04:05.000Z';
      const second = (await ok(url, ['run', 'later', '--run-at', at])).trim();
      expect((await runner.getExecutionResult(second)).runAt).toEqual(new Date(at));
      const listed = await ok(url, ['executions', 'list', '--status', 'Scheduled']);
      expect(listed).toContain(id.slice(0, 8));
      expect(listed).toContain(second.slice(0, 8));

      await ok(url, ['executions', 'cancel', id]);
      expect(await runner.getExecutionStatus(id)).toBe('Cancelled');

      for (const args of [
        ['--run-at', 'tomorrow'],
        ['--run-at', '2031-01-02T03:04:05'],
        ['--delay', 'soon'],
        ['--delay', '1h', '--run-at', at],
      ]) {
        const bad = await cli(url, ['run', 'later', ...args]);
        expect(bad.code, args.join(' ')).not.toBe(0);
        expect(bad.stderr.trim().split('\n')).toHaveLength(1);
        expect(bad.stderr).toMatch(/run-at|runAt|delay/);
      }
      expect(await runner.listExecutions({ workflowName: 'later' })).toHaveLength(2);
      expect(runs).toBe(0);
      await runner.cancelExecution(second);
    } finally {
      await stopRunner(runner);
    }
  }, 60_000);
});
