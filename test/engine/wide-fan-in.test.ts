import { describe, expect, it } from 'vitest';
import { task, workflow, type JsonObject } from '../../src/index.js';
import { createRunner, stopRunner } from '../helpers/backend.js';

describe('a wide fan-in', () => {
  it('joins 6,000 branches that each set their own key: the join and the final context see every key', async () => {
    // Merging the branches' outputs by copying everything merged so far (quadratic) took
    // longer than the test timeout at this width; linear, it takes a few seconds end to end.
    const n = 6_000;
    const runner = await createRunner({ maxConcurrentTasks: 32 });
    const root = task({ id: 'root' }, (ctx) => {
      ctx.set('seed', 1);
    });
    const branches = Array.from({ length: n }, (_, i) =>
      task({ id: `b${i}`, dependencies: ['root'] }, (ctx) => {
        ctx.set(`k${i}`, i);
      }),
    );
    let joined: JsonObject = {};
    const join = task({ id: 'join', dependencies: branches.map((b) => b.id) }, (ctx) => {
      joined = ctx.toJSON();
      ctx.set('joined', true);
    });
    runner.register(workflow({ name: 'wide_fan_in', tasks: [root, ...branches, join] }));
    const result = await runner.execute('wide_fan_in', { input: 'x' });

    expect(result.status).toBe('Completed');
    expect(Object.keys(joined)).toHaveLength(n + 2);
    expect(joined['seed']).toBe(1);
    expect(joined['input']).toBe('x');
    const missing = branches.filter((_, i) => joined[`k${i}`] !== i).map((b) => b.id);
    expect(missing).toEqual([]);
    const final = result.finalContext.toJSON();
    expect(Object.keys(final)).toHaveLength(n + 3);
    expect(final['joined']).toBe(true);
    expect(final[`k${n - 1}`]).toBe(n - 1);
    await stopRunner(runner);
  });
});
