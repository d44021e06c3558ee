/**
 * `cloacinactl` signs what it records as `client:cli@<hostname>`, through the real binary: the
 * events of the executions it starts name it, and commands run again and again (from cron, a
 * script) share one row of `event_runners` instead of adding one each.
 */
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { task, workflow } from '../../src/index.js';
import { createRunner, freshDatabase, stopRunner } from '../helpers/backend.js';
import { rawQuery } from '../helpers/raw.js';
import { ok } from './cli-harness.js';

describe('the writer id of cloacinactl', () => {
  it('is one per host, however many commands run', async () => {
    const db = freshDatabase();
    const runner = await createRunner({}, db.url);
    runner.register(workflow({ name: 'tick', tasks: [task({ id: 'only' }, () => undefined)] }));
    await runner.definitionsStored();
    try {
      const ids: string[] = [];
      for (let i = 0; i < 2; i++) ids.push((await ok(db.url, ['run', 'tick'])).trim());
      const signer = `client:cli@${hostname()}`;
      for (const id of ids) {
        const [first] = await runner.getExecutionEvents(id);
        expect(first?.runnerId).toBe(signer);
      }
      const rows = await rawQuery<{ n: number | string }>(
        db,
        'SELECT COUNT(*) AS n FROM event_runners WHERE runner_id = ?',
        [signer],
      );
      expect(Number(rows[0]!.n)).toBe(1);
    } finally {
      await stopRunner(runner);
    }
  }, 60_000);
});
