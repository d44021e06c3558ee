import { describe, it, expect } from 'vitest';
import { Context } from '../../src/core/context.js';
import type { Json } from '../../src/core/json.js';
import { contextError } from '../helpers/context-error.js';

class Thing {
  value = 1;
}

describe('Context', () => {
  it('starts empty or from initial values', () => {
    expect(new Context().size).toBe(0);
    const ctx = new Context({ a: 1, b: [true, null] });
    expect(ctx.size).toBe(2);
    expect(ctx.keys()).toEqual(['a', 'b']);
    expect(ctx.get('b')).toEqual([true, null]);
  });

  it('get/has distinguish a missing key from a null value', () => {
    const ctx = new Context({ n: null });
    expect(ctx.has('n')).toBe(true);
    expect(ctx.get('n')).toBeNull();
    expect(ctx.has('missing')).toBe(false);
    expect(ctx.get('missing')).toBeUndefined();
  });

  it('insert adds and refuses an existing key with KEY_EXISTS', () => {
    const ctx = new Context();
    ctx.insert('rows', 42);
    expect(ctx.get('rows')).toBe(42);
    const error = contextError(() => ctx.insert('rows', 43));
    expect(error.code).toBe('KEY_EXISTS');
    expect(error.key).toBe('rows');
    expect(error.message).toContain("'rows'");
    expect(error.message).toContain('update');
    expect(error.message).toContain('set');
    expect(ctx.get('rows')).toBe(42);
  });

  it('update replaces and refuses a missing key with KEY_NOT_FOUND', () => {
    const ctx = new Context({ a: 1 });
    ctx.update('a', 2);
    expect(ctx.get('a')).toBe(2);
    const error = contextError(() => ctx.update('b', 1));
    expect(error.code).toBe('KEY_NOT_FOUND');
    expect(error.key).toBe('b');
    expect(error.message).toContain('insert');
    expect(ctx.has('b')).toBe(false);
  });

  it('set upserts', () => {
    const ctx = new Context();
    ctx.set('a', 1);
    ctx.set('a', { b: 2 });
    expect(ctx.get('a')).toEqual({ b: 2 });
    expect(ctx.size).toBe(1);
  });

  it('remove returns the removed value or undefined', () => {
    const ctx = new Context({ a: 'x' });
    expect(ctx.remove('a')).toBe('x');
    expect(ctx.remove('a')).toBeUndefined();
    expect(ctx.size).toBe(0);
  });

  it('rejects empty keys', () => {
    expect(contextError(() => new Context().set('', 1)).code).toBe('INVALID_CONTEXT');
    expect(contextError(() => new Context({ '': 1 })).code).toBe('INVALID_CONTEXT');
  });

  describe('NOT_JSON', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    const cases: [string, unknown, string, string][] = [
      ['undefined', undefined, 'v', 'undefined'],
      ['a function', { f: () => 1 }, 'v.f', 'a function'],
      ['a symbol', [Symbol('s')], 'v[0]', 'a symbol'],
      ['a bigint', { n: 1n }, 'v.n', 'a bigint'],
      ['NaN', { deep: { x: NaN } }, 'v.deep.x', 'a non-finite number (NaN)'],
      ['Infinity', [1, Infinity], 'v[1]', 'a non-finite number (Infinity)'],
      ['a Date', { rows: [{}, {}, { when: new Date() }] }, 'v.rows[2].when', 'a Date instance'],
      ['a Map', { m: new Map() }, 'v.m', 'a Map instance'],
      ['a class instance', [new Thing()], 'v[0]', 'a Thing instance'],
      ['a cycle', cyclic, 'v.self', 'a circular reference'],
    ];
    it.each(cases)('rejects %s naming the key and path', (_label, value, path, reason) => {
      const writes: [string, (ctx: Context) => void][] = [
        ['set', (ctx) => ctx.set('v', value as Json)],
        ['insert', (ctx) => ctx.insert('v', value as Json)],
        ['update', (ctx) => ctx.update('v', value as Json)],
      ];
      for (const [method, write] of writes) {
        // update needs the key present, insert needs it absent.
        const ctx = method === 'update' ? new Context({ v: 0 }) : new Context();
        const error = contextError(() => write(ctx));
        expect(error.code).toBe('NOT_JSON');
        expect(error.key).toBe('v');
        expect(error.path).toBe(path);
        expect(error.message).toContain(`key 'v'`);
        expect(error.message).toContain(`at ${path}: ${reason}`);
      }
    });

    it('rejects non-JSON in the constructor', () => {
      const error = contextError(() => new Context({ when: new Date() as unknown as Json }));
      expect(error.code).toBe('NOT_JSON');
      expect(error.path).toBe('when');
    });

    it('gives the documented message', () => {
      const error = contextError(() =>
        new Context().set('rows', [1, 2, { when: new Date() }] as unknown as Json),
      );
      expect(error.message).toBe(
        "Context value for key 'rows' is not JSON at rows[2].when: a Date instance. Store only JSON values (null, boolean, finite number, string, array, plain object); convert dates to ISO strings.",
      );
    });

    it('leaves the context unchanged when a write is rejected', () => {
      const ctx = new Context({ a: 1 });
      contextError(() => ctx.set('a', [undefined] as unknown as Json));
      expect(ctx.get('a')).toBe(1);
    });
  });

  it('stores a copy: later changes to the caller object do not leak in', () => {
    const value = { list: [1] as Json[] };
    const ctx = new Context();
    ctx.set('v', value);
    value.list.push(new Date() as unknown as Json);
    expect(ctx.get('v')).toEqual({ list: [1] });
  });

  it('returns frozen values so in-place mutation fails loudly', () => {
    const ctx = new Context({ list: [1] });
    const list = ctx.get('list') as Json[];
    expect(() => list.push(2)).toThrow(TypeError);
    expect(ctx.get('list')).toEqual([1]);
  });

  it('toJSON returns a fresh mutable deep copy', () => {
    const ctx = new Context({ a: { b: [1] } });
    const first = ctx.toJSON();
    expect(first).toEqual({ a: { b: [1] } });
    ((first['a'] as Record<string, Json>)['b'] as Json[]).push(2);
    expect(ctx.toJSON()).toEqual({ a: { b: [1] } });
    expect(ctx.toJSON()).not.toBe(ctx.toJSON());
    expect(JSON.stringify(ctx)).toBe('{"a":{"b":[1]}}');
  });

  it('fromJSON builds a context from a plain object', () => {
    const ctx = Context.fromJSON(JSON.parse('{"a":1,"b":{"c":[2]}}'));
    expect(ctx.toJSON()).toEqual({ a: 1, b: { c: [2] } });
  });

  it.each([null, undefined, 42, 'text', [1, 2], new Date()])(
    'fromJSON rejects %j with INVALID_CONTEXT naming what it received',
    (input) => {
      const error = contextError(() => Context.fromJSON(input));
      expect(error.code).toBe('INVALID_CONTEXT');
      expect(error.message).toMatch(/received/);
    },
  );

  it('fromJSON names the received value', () => {
    expect(contextError(() => Context.fromJSON([1, 2])).message).toContain('[1,2]');
    expect(contextError(() => Context.fromJSON('abc')).message).toContain("'abc'");
  });

  it('fromJSON still checks values', () => {
    expect(contextError(() => Context.fromJSON({ a: undefined })).code).toBe('NOT_JSON');
  });

  it('clone is independent of the original', () => {
    const ctx = new Context({ a: 1 });
    const copy = ctx.clone();
    copy.set('a', 2);
    copy.insert('b', 3);
    expect(ctx.toJSON()).toEqual({ a: 1 });
    expect(copy.toJSON()).toEqual({ a: 2, b: 3 });
  });

  it('treats a "__proto__" key as ordinary data', () => {
    const ctx = Context.fromJSON(JSON.parse('{"__proto__": {"x": 1}}'));
    expect(ctx.get('__proto__')).toEqual({ x: 1 });
    const json = ctx.toJSON();
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype);
    expect(Object.keys(json)).toEqual(['__proto__']);
  });
});
