import { describe, expect, it } from 'vitest';
import { Batcher } from '../../src/engine/batcher.js';

describe('Batcher', () => {
  it('serves requests made in one turn with one call, in order, and later ones in another', async () => {
    const calls: number[][] = [];
    const batcher = new Batcher<number, string>((items) => {
      calls.push([...items]);
      return Promise.resolve(items.map((n) => `#${n}`));
    });
    const first = await Promise.all([batcher.add(1), batcher.add(2), batcher.add(3)]);
    expect(first).toEqual(['#1', '#2', '#3']);
    expect(await batcher.add(4)).toBe('#4');
    expect(calls).toEqual([[1, 2, 3], [4]]);
  });

  it('rejects every request of a failed batch and serves the next batch normally', async () => {
    let fail = true;
    const batcher = new Batcher<number, number>((items) => {
      if (fail) return Promise.reject(new Error('database down'));
      return Promise.resolve(items.map((n) => n * 2));
    });
    const failed = await Promise.allSettled([batcher.add(1), batcher.add(2)]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await batcher.add(5)).toBe(10);
  });

  it('serial: serves one batch at a time; requests made meanwhile form the next batch', async () => {
    const calls: number[][] = [];
    let serving = 0;
    let mostAtOnce = 0;
    const releases: (() => void)[] = [];
    const batcher = new Batcher<number, number>(
      async (items) => {
        calls.push([...items]);
        serving += 1;
        mostAtOnce = Math.max(mostAtOnce, serving);
        await new Promise<void>((resolve) => releases.push(resolve));
        serving -= 1;
        return items.map((n) => n * 10);
      },
      { serial: true },
    );
    const first = batcher.add(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([[1]]);
    // Added in different turns while the first batch is served: they wait, then go together.
    const second = batcher.add(2);
    await new Promise((resolve) => setImmediate(resolve));
    const third = batcher.add(3);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([[1]]);
    releases.shift()!();
    expect(await first).toBe(10);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([[1], [2, 3]]);
    releases.shift()!();
    expect(await Promise.all([second, third])).toEqual([20, 30]);
    expect(mostAtOnce).toBe(1);
  });
});
