import { describe, it, expect } from 'vitest';
import { deepEqualJson, deepFreezeJson, isPlainObject } from '../../src/core/json.js';
import type { Json, JsonObject } from '../../src/core/json.js';
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

/** The merge fold written plainly (quadratic, fine for small inputs): the reference. */
function referenceMerge(list: readonly JsonObject[]): JsonObject {
  const value = (a: Json, b: Json): Json => {
    if (Array.isArray(a) && Array.isArray(b)) {
      const out: Json[] = [];
      for (const item of [...a, ...b]) {
        if (!out.some((kept) => deepEqualJson(kept, item))) out.push(item);
      }
      return out;
    }
    if (isPlainObject(a) && isPlainObject(b)) return object(a, b);
    return b;
  };
  const object = (a: JsonObject, b: JsonObject): JsonObject => {
    const out = new Map<string, Json>(Object.entries(a));
    for (const [key, v] of Object.entries(b)) {
      out.set(key, out.has(key) ? value(out.get(key) as Json, v) : v);
    }
    return Object.fromEntries(out);
  };
  return JSON.parse(JSON.stringify(list.reduce(object, {}))) as JsonObject;
}

/** A small random JSON value over few keys and scalars, so merges collide often. */
function randomJson(next: () => number, depth: number): Json {
  const pick = next();
  if (depth <= 0 || pick < 0.4) return [1, 'a', null, true, 2][Math.floor(next() * 5)] as Json;
  if (pick < 0.7) {
    return Array.from({ length: Math.floor(next() * 4) }, () => randomJson(next, depth - 1));
  }
  const entries: [string, Json][] = [];
  for (let i = Math.floor(next() * 4); i > 0; i--) {
    entries.push([
      ['a', 'b', 'c', '__proto__'][Math.floor(next() * 4)]!,
      randomJson(next, depth - 1),
    ]);
  }
  // fromEntries keeps '__proto__' as a key (an assignment would set the prototype).
  return Object.fromEntries(entries);
}

describe('mergeAll at scale', () => {
  // Sizes at which a fold that copies what it has merged so far (quadratic) runs past the
  // test timeout; a linear merge takes milliseconds.
  const N = 8_000;

  it('merges many outputs with a key each: every key, in order', () => {
    const outputs = Array.from({ length: N }, (_, i): JsonObject => ({ seed: 1, [`k${i}`]: i }));
    const out = mergeAll(outputs);
    expect(Object.keys(out)).toHaveLength(N + 1);
    expect(Object.keys(out)[1]).toBe('k0');
    expect(out[`k${N - 1}`]).toBe(N - 1);
  });

  it('concatenates one array key over many outputs, de-duplicated', () => {
    // Re-checking every item kept so far at each step is cheaper than copying keys: more items.
    const n = 3 * N;
    const outputs = Array.from({ length: n }, (_, i): JsonObject => ({
      items: [i, { at: i % 7 }],
    }));
    const items = mergeAll(outputs)['items'] as Json[];
    expect(items).toHaveLength(n + 7);
    expect(items.slice(0, 4)).toEqual([0, { at: 0 }, 1, { at: 1 }]);
    expect(items[items.length - 1]).toBe(n - 1);
  });

  it('merges one nested object over many outputs', () => {
    const outputs = Array.from({ length: N }, (_, i): JsonObject => ({ cfg: { [`k${i}`]: [i] } }));
    const cfg = mergeAll(outputs)['cfg'] as JsonObject;
    expect(Object.keys(cfg)).toHaveLength(N);
    expect(cfg[`k${N - 1}`]).toEqual([N - 1]);
  });

  it('agrees with the plain fold on random inputs and shares nothing with them', () => {
    let seed = 42;
    const next = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 300; round++) {
      const list = Array.from({ length: 1 + Math.floor(next() * 5) }, () => {
        const obj = randomJson(next, 3);
        return isPlainObject(obj) ? obj : { v: obj };
      });
      const snapshot = JSON.stringify(list);
      const out = mergeAll(list);
      expect(JSON.stringify(out)).toBe(JSON.stringify(referenceMerge(list)));
      expect(JSON.stringify(list)).toBe(snapshot);
      deepFreezeJson(list as Json);
      // Writing into every part of the result must not reach an input (frozen: it would throw).
      const touch = (v: Json): void => {
        if (Array.isArray(v)) {
          v.forEach(touch);
          v.push(0);
        } else if (isPlainObject(v)) {
          Object.values(v).forEach((item) => touch(item));
          v['touched'] = true;
        }
      };
      touch(out);
    }
  });
});
