import { describe, it, expect } from 'vitest';
import type { JsonObject } from '../../src/core/json.js';
import { mergeAll, smartMerge } from '../../src/core/merge.js';

describe('smartMerge', () => {
  it('copies keys present on one side only', () => {
    expect(smartMerge({ a: 1 }, { b: 2 })).toEqual({ a: 1, b: 2 });
  });

  it('lets the later side win for scalars and mismatched kinds', () => {
    expect(
      smartMerge({ a: 1, b: 'x', c: [1], d: { e: 1 } }, { a: 2, b: null, c: { x: 1 }, d: [1] }),
    ).toEqual({ a: 2, b: null, c: { x: 1 }, d: [1] });
  });

  it('concatenates arrays with deep de-duplication, keeping first occurrences', () => {
    expect(smartMerge({ a: [1, 2, { k: 1 }] }, { a: [2, 3, { k: 1 }, { k: 2 }] })).toEqual({
      a: [1, 2, { k: 1 }, 3, { k: 2 }],
    });
    // Deep equality ignores key order.
    expect(smartMerge({ a: [{ x: 1, y: 2 }] }, { a: [{ y: 2, x: 1 }] })).toEqual({
      a: [{ x: 1, y: 2 }],
    });
    expect(smartMerge({ a: [1, 1] }, { a: [1] })).toEqual({ a: [1] });
  });

  it('merges nested objects recursively', () => {
    expect(
      smartMerge(
        { cfg: { a: 1, list: ['x'], deep: { p: 1 } } },
        { cfg: { b: 2, list: ['y'], deep: { q: 2 } } },
      ),
    ).toEqual({ cfg: { a: 1, b: 2, list: ['x', 'y'], deep: { p: 1, q: 2 } } });
  });

  it('never mutates or shares its inputs', () => {
    const into: JsonObject = { a: { b: [1] }, only: { x: 1 } };
    const from: JsonObject = { a: { b: [2] }, other: [1] };
    const snapshot = JSON.stringify([into, from]);
    const out = smartMerge(into, from);
    expect(JSON.stringify([into, from])).toBe(snapshot);
    (out['only'] as JsonObject)['x'] = 2;
    (out['other'] as number[]).push(9);
    expect(into['only']).toEqual({ x: 1 });
    expect(from['other']).toEqual([1]);
  });
});

describe('mergeAll', () => {
  it('folds left from {} in declared order', () => {
    expect(mergeAll([])).toEqual({});
    expect(
      mergeAll([
        { v: 1, a: [1] },
        { v: 2, a: [2] },
        { v: 3, a: [1, 3] },
      ]),
    ).toEqual({
      v: 3,
      a: [1, 2, 3],
    });
    expect(mergeAll([{ v: 3 }, { v: 2 }, { v: 1 }])).toEqual({ v: 1 });
  });

  it('returns a copy even for one input', () => {
    const only: JsonObject = { a: [1] };
    const out = mergeAll([only]);
    (out['a'] as number[]).push(2);
    expect(only).toEqual({ a: [1] });
  });
});
