/**
 * On PostgreSQL a runner sends one completion transaction at a time: concurrent ones would queue
 * on the row locks of the executions they share. Watched at the driver (`pg.Client#query`)
 * while fan-outs run on a real server.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { task, workflow } from '../../src/index.js';
import { createRunner, stopRunner } from '../helpers/backend.js';

const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
const original = proto.query;

afterEach(() => {
  proto.query = original;
});

describe('completion transactions on PostgreSQL', () => {
  it('run one at a time per runner, however many tasks finish together', async () => {
    // A completion transaction opens with the claim-guarded update of its tasks and ends with
    // COMMIT (or ROLLBACK) on the same connection.
    const open = new Set<unknown>();
    let mostAtOnce = 0;
    let completions = 0;
    proto.query = function (this: unknown, ...args: unknown[]): unknown {
      const text = typeof args[0] === 'string' ? args[0] : '';
      if (text.startsWith('BEGIN;') && text.includes("SET status = 'Completed'")) {
        open.add(this);
        completions += 1;
        mostAtOnce = Math.max(mostAtOnce, open.size);
      }
      const result = original.apply(this, args);
      if (open.has(this) && /\b(COMMIT|ROLLBACK)\b/.test(text)) {
        const settle = (): void => {
          open.delete(this);
        };
        (result as Promise<unknown>).then(settle, settle);
      }
      return result;
    };

    const runner = await createRunner({ maxConcurrentTasks: 10 });
    const middle = Array.from({ length: 20 }, (_, i) =>
      task({ id: `p${i}`, dependencies: ['root'] }, () => undefined),
    );
    runner.register(
      workflow({
        name: 'fan',
        tasks: [
          task({ id: 'root' }, () => undefined),
          ...middle,
          task({ id: 'join', dependencies: middle.map((t) => t.id) }, () => undefined),
        ],
      }),
    );
    const results = await Promise.all(Array.from({ length: 6 }, () => runner.execute('fan')));
    await stopRunner(runner);

    expect(results.map((r) => r.status)).toEqual(Array(6).fill('Completed'));
    // 6 × 22 tasks in batches: some batches must have had company to wait for.
    expect(completions).toBeGreaterThan(6);
    expect(completions).toBeLessThan(6 * 22);
    expect(mostAtOnce).toBe(1);
  });
});
