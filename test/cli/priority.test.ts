/**
 * `cloacinactl run --priority` through the real binary: the execution gets the priority given,
 * or the workflow's stored default without the flag; `executions show` prints a priority other
 * than 0; a bad priority is one line on stderr naming the flag, and nothing is written.
 */
import { describe, expect, it } from 'vitest';
import { task, workflow } from '../../src/index.js';
import { createRunner, freshDatabaseUrl, stopRunner } from '../helpers/backend.js';
import { cli, ok } from './cli-harness.js';

describe('cloacinactl run --priority', () => {
  it('starts at the priority given or the workflow default, shows it, refuses a bad one', async () => {
    const url = freshDatabaseUrl();
    const runner = await createRunner({}, url);
    runner.register(
      workflow({ name: 'urgent', priority: 3, tasks: [task({ id: 'only' }, () => undefined)] }),
    );
    await runner.definitionsStored();
    try {
      const given = (await ok(url, ['run', 'urgent', '--priority', '7', '--wait'])).trim();
      expect(given).toMatch(/priority:\s+7/);
      const negative = (await ok(url, ['run', 'urgent', '--priority', '-5'])).trim();
      expect((await runner.waitForExecution(negative)).priority).toBe(-5);
      const byDefault = (await ok(url, ['run', 'urgent'])).trim();
      expect((await runner.waitForExecution(byDefault)).priority).toBe(3);
      expect(await ok(url, ['executions', 'show', byDefault])).toMatch(/priority:\s+3/);

      for (const value of ['1.5', '-1001', 'high']) {
        const bad = await cli(url, ['run', 'urgent', `--priority=${value}`]);
        expect(bad.code, value).not.toBe(0);
        expect(bad.stderr.trim().split('\n')).toHaveLength(1);
        expect(bad.stderr).toContain(
          `--priority must be an integer from -1000 to 1000 (higher runs first); received '${value}'.`,
        );
      }
      expect(await runner.listExecutions({ workflowName: 'urgent' })).toHaveLength(3);
    } finally {
      await stopRunner(runner);
    }
  }, 60_000);
});
