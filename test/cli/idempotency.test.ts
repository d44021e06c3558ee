/**
 * `cloacinactl run --idempotency-key` through the real binary: a second run with the key prints
 * the first execution's id (and `created: false` in JSON) and starts nothing; a bad key is one
 * line on stderr and a non-zero exit.
 */
import { describe, expect, it } from 'vitest';
import { task, workflow } from '../../src/index.js';
import { createRunner, freshDatabaseUrl, stopRunner } from '../helpers/backend.js';
import { cli, json, ok } from './cli-harness.js';

describe('cloacinactl run --idempotency-key', () => {
  it('prints the same id twice, runs the workflow once, and refuses an empty key', async () => {
    const url = freshDatabaseUrl();
    const runner = await createRunner({}, url);
    let runs = 0;
    runner.register(workflow({ name: 'once', tasks: [task({ id: 'only' }, () => void runs++)] }));
    await runner.definitionsStored();

    const first = (await ok(url, ['run', 'once', '--idempotency-key', 'deploy-42'])).trim();
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    await runner.waitForExecution(first);
    const second = (await ok(url, ['run', 'once', '--idempotency-key', 'deploy-42'])).trim();
    expect(second).toBe(first);
    const third = await json<{ executionId: string; workflowName: string; created: boolean }>(url, [
      'run',
      'once',
      '--idempotency-key',
      'deploy-42',
    ]);
    expect(third).toEqual({ executionId: first, workflowName: 'once', created: false });
    expect(runs).toBe(1);
    expect(await runner.listExecutions({ workflowName: 'once' })).toHaveLength(1);
    expect(await ok(url, ['executions', 'show', first])).toMatch(/idempotency key:\s+deploy-42/);

    const bad = await cli(url, ['run', 'once', '--idempotency-key', '']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/idempotencyKey must be a string of 1 to 255 characters.*''/);
    await stopRunner(runner);
  }, 60_000);
});
