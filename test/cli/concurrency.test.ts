/**
 * Concurrency limits through the real `cloacinactl`: an execution waiting for a place lists as
 * Queued (`--status queued`) and `executions show` names the group it waits in.
 */
import { describe, expect, it } from 'vitest';
import { task, workflow } from '../../src/index.js';
import { createRunner, freshDatabaseUrl, stopRunner } from '../helpers/backend.js';
import { json, ok } from './cli-harness.js';

describe('cloacinactl and concurrency limits', () => {
  it('lists a waiting execution as Queued and shows its group', async () => {
    const url = freshDatabaseUrl();
    const runner = await createRunner({}, url);
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    try {
      runner.register(
        workflow({
          name: 'sync',
          concurrency: { limit: 1, key: (ctx) => ctx['customer'] as string },
          tasks: [task({ id: 'work' }, () => gate)],
        }),
      );
      await runner.definitionsStored();
      await runner.executeAsync('sync', { customer: 'c-42' });
      const waiting = await runner.executeAsync('sync', { customer: 'c-42' });

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
      expect(shown).toMatch(/concurrency:\s+key 'c-42', limit 1/);
    } finally {
      open();
      await stopRunner(runner);
    }
  }, 60_000);
});
