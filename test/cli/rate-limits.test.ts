/**
 * Rate limits through the real `cloacinactl`: an execution waiting for its window lists as
 * Queued and `executions show` names the rate group it counts in.
 */
import { describe, expect, it } from 'vitest';
import { task, workflow } from '../../src/index.js';
import { createRunner, freshDatabaseUrl, stopRunner } from '../helpers/backend.js';
import { json, ok } from './cli-harness.js';

describe('cloacinactl and rate limits', () => {
  it('lists a waiting execution as Queued and shows its rate group', async () => {
    const url = freshDatabaseUrl();
    const runner = await createRunner({}, url);
    try {
      runner.register(
        workflow({
          name: 'report',
          rateLimit: { limit: 1, period: '1m', key: (ctx) => ctx['tenant'] as string },
          tasks: [task({ id: 'work' }, () => undefined)],
        }),
      );
      await runner.definitionsStored();
      await runner.executeAsync('report', { tenant: 'eu' });
      const waiting = await runner.executeAsync('report', { tenant: 'eu' });

      const listed = await json<{ executionId: string; status: string }[]>(url, [
        'executions',
        'list',
        '--status',
        'queued',
      ]);
      expect(listed.map((e) => [e.executionId, e.status])).toEqual([
        [waiting.executionId, 'Queued'],
      ]);
      const shown = await ok(url, ['executions', 'show', waiting.executionId]);
      expect(shown).toMatch(/status:\s+Queued/);
      expect(shown).toMatch(/rate limit:\s+key 'eu', 1 per 1m/);
    } finally {
      await stopRunner(runner);
    }
  }, 60_000);
});
