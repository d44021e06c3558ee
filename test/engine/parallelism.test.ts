import { describe, expect, it } from 'vitest';
import { task, workflow } from '../../src/index.js';
import { createRunner, stopRunner } from '../helpers/backend.js';

interface Span {
  start: number;
  end: number;
}

function sleepingTasks(count: number, ms: number, spans: Map<string, Span>) {
  return Array.from({ length: count }, (_, i) =>
    task({ id: `t${i}` }, async () => {
      const start = performance.now();
      await new Promise((r) => setTimeout(r, ms));
      spans.set(`t${i}`, { start, end: performance.now() });
    }),
  );
}

/** Largest number of spans open at one instant. */
function maxOverlap(spans: Iterable<Span>): number {
  const points = [...spans].flatMap((s) => [
    { at: s.start, delta: 1 },
    { at: s.end, delta: -1 },
  ]);
  points.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let open = 0;
  let max = 0;
  for (const p of points) {
    open += p.delta;
    max = Math.max(max, open);
  }
  return max;
}

describe('bounded parallelism', () => {
  it('runs 4 independent 200 ms tasks at once with maxConcurrentTasks 4', async () => {
    const runner = await createRunner({ maxConcurrentTasks: 4 });
    const spans = new Map<string, Span>();
    runner.register(workflow({ name: 'wide', tasks: sleepingTasks(4, 200, spans) }));
    const began = performance.now();
    const result = await runner.execute('wide');
    const elapsed = performance.now() - began;
    expect(result.status).toBe('Completed');
    expect(maxOverlap(spans.values())).toBe(4);
    // Every task started before any finished: they really overlapped.
    const latestStart = Math.max(...[...spans.values()].map((s) => s.start));
    const earliestEnd = Math.min(...[...spans.values()].map((s) => s.end));
    expect(latestStart).toBeLessThan(earliestEnd);
    expect(elapsed).toBeLessThan(800);
    await stopRunner(runner);
  });

  it('never runs more than maxConcurrentTasks at once', async () => {
    const runner = await createRunner({ maxConcurrentTasks: 2 });
    const spans = new Map<string, Span>();
    runner.register(workflow({ name: 'bounded', tasks: sleepingTasks(6, 60, spans) }));
    const result = await runner.execute('bounded');
    expect(result.status).toBe('Completed');
    expect(spans.size).toBe(6);
    expect(maxOverlap(spans.values())).toBe(2);
    await stopRunner(runner);
  });

  it('starts a newly ready task without waiting for the poll tick', async () => {
    const runner = await createRunner({ schedulerPollInterval: '10s' });
    const a = task({ id: 'a' }, () => undefined);
    const b = task({ id: 'b', dependencies: ['a'] }, () => undefined);
    const c = task({ id: 'c', dependencies: ['b'] }, () => undefined);
    runner.register(workflow({ name: 'chain', tasks: [a, b, c] }));
    const began = performance.now();
    const result = await runner.execute('chain');
    expect(result.status).toBe('Completed');
    // With a 10 s backstop tick, finishing at all within the test timeout proves wake-ups.
    expect(performance.now() - began).toBeLessThan(5000);
    await stopRunner(runner);
  });

  it('runs many executions concurrently and completes them all', async () => {
    const runner = await createRunner({ maxConcurrentTasks: 8 });
    const a = task({ id: 'a' }, (ctx) => {
      ctx.set('n', (ctx.get('i') as number) * 2);
    });
    const b = task({ id: 'b', dependencies: ['a'] }, (ctx) => {
      ctx.set('n', (ctx.get('n') as number) + 1);
    });
    runner.register(workflow({ name: 'many', tasks: [a, b] }));
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => runner.execute('many', { i })),
    );
    expect(results.every((r) => r.status === 'Completed')).toBe(true);
    expect(results.map((r) => r.finalContext.get('n'))).toEqual(
      Array.from({ length: 50 }, (_, i) => i * 2 + 1),
    );
    await stopRunner(runner);
  });
});
