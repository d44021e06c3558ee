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
});
