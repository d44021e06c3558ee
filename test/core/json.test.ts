import { describe, it, expect } from 'vitest';
import {
  canonicalJson,
  cloneJson,
  deepEqualJson,
  findNonJson,
  isPlainObject,
} from '../../src/core/json.js';
import type { Json } from '../../src/core/json.js';

class Point {
  constructor(
    public x = 1,
    public y = 2,
  ) {}
}

describe('isPlainObject', () => {
  it('accepts object literals and null-prototype objects only', () => {
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
    expect(isPlainObject([])).toBe(false);
    expect(isPlainObject(null)).toBe(false);
    expect(isPlainObject(new Date())).toBe(false);
    expect(isPlainObject(new Point())).toBe(false);
    expect(isPlainObject('x')).toBe(false);
  });
});

describe('findNonJson', () => {
  it('returns null for JSON, including shared (non-circular) references', () => {
    const shared = { a: 1 };
    expect(findNonJson({ a: [1, 'x', null, true, { b: shared }], c: shared })).toBeNull();
  });

  it.each([
    [undefined, 'undefined'],
    [() => 1, 'a function'],
    [Symbol('s'), 'a symbol'],
    [10n, 'a bigint'],
    [NaN, 'a non-finite number (NaN)'],
    [Infinity, 'a non-finite number (Infinity)'],
    [-Infinity, 'a non-finite number (-Infinity)'],
    [new Date(0), 'a Date instance'],
    [new Map(), 'a Map instance'],
    [new Point(), 'a Point instance'],
    [new Error('x'), 'an Error instance'],
  ])('reports %s at the root', (value, reason) => {
    expect(findNonJson(value)).toEqual({ path: '', reason });
  });

  it('reports nested paths with dots, indexes and quoted odd keys', () => {
    expect(findNonJson({ a: [0, 1, { b: undefined }] })).toEqual({
      path: '.a[2].b',
      reason: 'undefined',
    });
    expect(findNonJson({ 'odd key': [new Date()] })?.path).toBe('["odd key"][0]');
  });

  it('reports holes in sparse arrays', () => {
    // eslint-disable-next-line no-sparse-arrays
    expect(findNonJson([1, , 3])).toEqual({ path: '[1]', reason: 'undefined' });
  });

  it('reports cycles at the place that refers back', () => {
    const a: Record<string, unknown> = { list: [] };
    (a['list'] as unknown[]).push({ parent: a });
    expect(findNonJson(a)).toEqual({ path: '.list[0].parent', reason: 'a circular reference' });
  });

  it('reports symbol keys, which JSON would silently drop', () => {
    expect(findNonJson({ [Symbol('k')]: 1 })?.reason).toMatch(/symbol key/);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,1]},"b":1}',
    );
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });
});

describe('deepEqualJson', () => {
  it('compares deeply, ignoring key order but not array order', () => {
    expect(deepEqualJson({ a: [1, { b: 2 }], c: 'x' }, { c: 'x', a: [1, { b: 2 }] })).toBe(true);
    expect(deepEqualJson([1, 2], [2, 1])).toBe(false);
    expect(deepEqualJson({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(deepEqualJson({ a: null }, { b: null })).toBe(false);
    expect(deepEqualJson([], {})).toBe(false);
    expect(deepEqualJson(null, {})).toBe(false);
    expect(deepEqualJson('1', 1)).toBe(false);
  });
});

describe('cloneJson', () => {
  it('makes an independent deep copy', () => {
    const original: Json = { a: [{ b: 1 }] };
    const copy = cloneJson(original);
    expect(copy).toEqual(original);
    ((copy['a'] as Json[])[0] as Record<string, Json>)['b'] = 2;
    expect(original).toEqual({ a: [{ b: 1 }] });
  });

  it('keeps a "__proto__" key as data', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, Json>;
    const copy = cloneJson(parsed);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__']);
  });
});
