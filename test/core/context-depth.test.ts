import { describe, expect, it } from 'vitest';
import { Context } from '../../src/core/context.js';
import { toContextObject } from '../../src/core/input.js';
import type { Json } from '../../src/core/json.js';
import { MAX_CONTEXT_DEPTH } from '../../src/core/limits.js';
import { TriggerResult } from '../../src/core/trigger.js';
import { contextError } from '../helpers/context-error.js';

/** A value of `levels` nested objects (`{ a: { a: … 1 } }`); 0 levels is the number 1. */
function nested(levels: number): Json {
  let value: Json = 1;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

/** The same with arrays (`[[… 1]]`). */
function nestedArrays(levels: number): Json {
  let value: Json = 1;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

// The context itself is the first level, so a value under a key may nest one level less.
const deepest = MAX_CONTEXT_DEPTH - 1;

describe('context depth limit', () => {
  it('is a documented, fixed number well below where the stack overflows', () => {
    expect(MAX_CONTEXT_DEPTH).toBe(64);
  });

  it('accepts a context exactly at the limit, objects and arrays alike', () => {
    const ctx = new Context({ k: nested(deepest) });
    ctx.set('l', nestedArrays(deepest));
    ctx.insert('m', nested(deepest));
    ctx.update('m', nestedArrays(deepest));
    expect(ctx.size).toBe(3);
    expect(Context.fromJSON(ctx.toJSON()).size).toBe(3);
  });

  it('rejects one level more with CONTEXT_TOO_DEEP naming the key, the path and the limit', () => {
    const error = contextError(() => new Context({ k: nested(deepest + 1) }));
    expect(error.code).toBe('CONTEXT_TOO_DEEP');
    expect(error.key).toBe('k');
    expect(error.path).toBe(`k${'.a'.repeat(deepest)}`);
    expect(error.message).toContain(`${MAX_CONTEXT_DEPTH} levels`);
    expect(error.message).toContain("key 'k'");
  });

  it('gives the same typed error at every depth past the limit, never a RangeError', () => {
    // Before the limit, 5,000 levels overflowed the stack at a depth that varied by run.
    for (const levels of [deepest + 1, 5_000, 100_000]) {
      for (const value of [nested(levels), nestedArrays(levels)]) {
        const error = contextError(() => new Context({ k: value }));
        expect(error.code).toBe('CONTEXT_TOO_DEEP');
        expect(error.path?.length).toBeLessThan(4 * MAX_CONTEXT_DEPTH);
      }
    }
  });

  it('applies to set, insert, update and fromJSON, leaving the context unchanged', () => {
    const ctx = new Context({ keep: 1 });
    const deep = nested(5_000);
    expect(contextError(() => ctx.set('k', deep)).code).toBe('CONTEXT_TOO_DEEP');
    expect(contextError(() => ctx.insert('k', deep)).code).toBe('CONTEXT_TOO_DEEP');
    expect(contextError(() => ctx.update('keep', deep)).code).toBe('CONTEXT_TOO_DEEP');
    expect(ctx.toJSON()).toEqual({ keep: 1 });
    const parsed: unknown = JSON.parse(`{"k":${'['.repeat(5_000)}${']'.repeat(5_000)}}`);
    expect(contextError(() => Context.fromJSON(parsed)).code).toBe('CONTEXT_TOO_DEEP');
  });

  it('applies to an initial context and to a trigger fire', () => {
    const deep = { k: nested(5_000) };
    expect(contextError(() => toContextObject('The initial context', deep)).code).toBe(
      'CONTEXT_TOO_DEEP',
    );
    expect(contextError(() => TriggerResult.fire(deep)).code).toBe('CONTEXT_TOO_DEEP');
    expect(TriggerResult.fire({ k: nested(deepest) }).isFire()).toBe(true);
  });
});
