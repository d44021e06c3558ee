import { describe, it, expect } from 'vitest';
import { ConfigError, ContextError, TriggerError } from '../../src/errors.js';
import { Context } from '../../src/core/context.js';
import {
  RESERVED_TRIGGER_KEYS,
  TriggerRegistry,
  TriggerResult,
  buildFiredContext,
  defaultTriggerRegistry,
  defineTrigger,
  isTriggerResult,
  normalizePollResult,
  registerTrigger,
  validateTrigger,
} from '../../src/core/trigger.js';
import type { Trigger } from '../../src/core/trigger.js';
import type { Json } from '../../src/core/json.js';

const signal = new AbortController().signal;

/** Catches what `fn` throws, failing the test when it does not throw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/** A class-style trigger keeping state on `this`, which the trigger contract allows. */
class CountingTrigger implements Trigger {
  readonly pollInterval = '1s';
  readonly allowConcurrent = false;
  polls = 0;
  constructor(readonly name: string) {}
  async poll(): Promise<TriggerResult> {
    this.polls += 1;
    return this.polls % 2 === 0 ? TriggerResult.fire({ n: this.polls }) : TriggerResult.skip();
  }
}

describe('TriggerResult', () => {
  it('skip carries an optional reason and no context', () => {
    const plain = TriggerResult.skip();
    expect(plain.isSkip()).toBe(true);
    expect(plain.isFire()).toBe(false);
    expect(plain.reason).toBeUndefined();
    expect(plain.context).toBeUndefined();
    expect(TriggerResult.skip('inbox empty').reason).toBe('inbox empty');
  });

  it('fire with no context, a record or a Context', () => {
    const bare = TriggerResult.fire();
    expect(bare.isFire()).toBe(true);
    expect(bare.isSkip()).toBe(false);
    expect(bare.context).toBeUndefined();
    expect(bare.reason).toBeUndefined();

    expect(TriggerResult.fire({ file: 'a.csv', size: 3 }).context).toEqual({
      file: 'a.csv',
      size: 3,
    });
    const ctx = new Context({ file: 'b.csv' });
    expect(TriggerResult.fire(ctx).context).toEqual({ file: 'b.csv' });
  });

  it('copies the fired context, so later changes to the input do not leak in', () => {
    const input = { rows: [1, 2], meta: { a: 1 } };
    const result = TriggerResult.fire(input);
    const hash = result.contextHash();
    input.rows.push(3);
    input.meta.a = 2;
    expect(result.context).toEqual({ rows: [1, 2], meta: { a: 1 } });
    expect(result.contextHash()).toBe(hash);
    expect(Object.isFrozen(result.context)).toBe(true);
  });

  it('rejects a context that is not JSON, naming the path', () => {
    const error = thrown(() => TriggerResult.fire({ when: new Date() as never }));
    expect(error).toBeInstanceOf(ContextError);
    expect((error as ContextError).code).toBe('NOT_JSON');
    expect((error as ContextError).path).toBe('when');
    const notObject = thrown(() => TriggerResult.fire(['a'] as never));
    expect((notObject as ContextError).code).toBe('INVALID_CONTEXT');
  });

  it('isTriggerResult recognises results only', () => {
    expect(isTriggerResult(TriggerResult.skip())).toBe(true);
    expect(isTriggerResult({ isFire: () => true })).toBe(false);
    expect(isTriggerResult(null)).toBe(false);
  });
});

describe('contextHash', () => {
  it("is 'skip' for Skip and 'fire_no_context' for Fire without context", () => {
    expect(TriggerResult.skip('x').contextHash()).toBe('skip');
    expect(TriggerResult.fire().contextHash()).toBe('fire_no_context');
  });

  it('treats an empty context like no context', () => {
    expect(TriggerResult.fire({}).contextHash()).toBe('fire_no_context');
    expect(TriggerResult.fire(new Context()).contextHash()).toBe('fire_no_context');
  });

  it('is a hex SHA-256 for a context', () => {
    expect(TriggerResult.fire({ a: 1 }).contextHash()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ignores key order at the top level and at every depth', () => {
    const one = TriggerResult.fire({
      file: 'a.csv',
      size: 10,
      meta: { owner: 'ann', tags: ['x', 'y'], deep: { p: 1, q: [{ r: 1, s: 2 }] } },
    });
    const two = TriggerResult.fire({
      meta: { deep: { q: [{ s: 2, r: 1 }], p: 1 }, tags: ['x', 'y'], owner: 'ann' },
      size: 10,
      file: 'a.csv',
    });
    expect(two.contextHash()).toBe(one.contextHash());
  });

  it('differs for different contexts, including array order and value types', () => {
    const contexts: Record<string, Json>[] = [
      { file: 'a.csv' },
      { file: 'b.csv' },
      { file: 'a.csv', size: 1 },
      { tags: ['x', 'y'] },
      { tags: ['y', 'x'] },
      { n: 1 },
      { n: '1' },
      { n: null },
    ];
    const hashes = contexts.map((c) => TriggerResult.fire(c).contextHash());
    expect(new Set(hashes).size).toBe(hashes.length);
  });
});

describe('normalizePollResult', () => {
  it('keeps results and maps booleans', () => {
    const result = TriggerResult.fire({ a: 1 });
    expect(normalizePollResult('t', result)).toBe(result);
    expect(normalizePollResult('t', true).isFire()).toBe(true);
    expect(normalizePollResult('t', true).context).toBeUndefined();
    expect(normalizePollResult('t', false).isSkip()).toBe(true);
  });

  it.each([undefined, null, 1, 'fire', { fire: true }, [true]])(
    'rejects %j with POLL_ERROR naming the trigger',
    (junk) => {
      const error = thrown(() => normalizePollResult('inbox', junk));
      expect(error).toBeInstanceOf(TriggerError);
      expect((error as TriggerError).code).toBe('POLL_ERROR');
      expect((error as TriggerError).triggerName).toBe('inbox');
      expect((error as Error).message).toContain("'inbox'");
      expect((error as Error).message).toContain('TriggerResult');
    },
  );
});

describe('defineTrigger', () => {
  it('applies the defaults', () => {
    const t = defineTrigger({ name: 'inbox' }, () => false);
    expect(t.name).toBe('inbox');
    expect(t.pollInterval).toBe('30s');
    expect(t.allowConcurrent).toBe(false);
    expect(t.workflow).toBeUndefined();
  });

  it('keeps the options given', () => {
    const t = defineTrigger(
      { name: 'q', workflow: 'drain', pollInterval: 500, allowConcurrent: true },
      () => true,
    );
    expect(t).toMatchObject({
      name: 'q',
      workflow: 'drain',
      pollInterval: 500,
      allowConcurrent: true,
    });
  });

  it('maps boolean returns, sync or async', async () => {
    const yes = defineTrigger({ name: 'yes' }, () => true);
    const no = defineTrigger({ name: 'no' }, async () => false);
    const fired = await yes.poll(signal);
    expect(fired.isFire()).toBe(true);
    expect(fired.contextHash()).toBe('fire_no_context');
    expect((await no.poll(signal)).isSkip()).toBe(true);
  });

  it('passes the signal and returns results as they are', async () => {
    let seen: AbortSignal | undefined;
    const t = defineTrigger({ name: 'ctx' }, (s) => {
      seen = s;
      return TriggerResult.fire({ file: 'a' });
    });
    expect((await t.poll(signal)).context).toEqual({ file: 'a' });
    expect(seen).toBe(signal);
  });

  it('rejects a junk return with POLL_ERROR naming the trigger', async () => {
    const t = defineTrigger({ name: 'sloppy' }, (() => undefined) as never);
    const error: unknown = await t.poll(signal).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TriggerError);
    expect((error as TriggerError).code).toBe('POLL_ERROR');
    expect((error as TriggerError).triggerName).toBe('sloppy');
    expect((error as Error).message).toMatch(/'sloppy'.*undefined/);
  });

  it('lets an error thrown by poll reject unchanged', async () => {
    const boom = new Error('disk gone');
    const t = defineTrigger({ name: 'thrower' }, () => {
      throw boom;
    });
    await expect(t.poll(signal)).rejects.toBe(boom);
  });

  it('validates the options at definition', () => {
    const error = thrown(() =>
      defineTrigger({ name: 'bad name', pollInterval: 'soon' }, 'nope' as never),
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toHaveLength(3);
  });
});

describe('validateTrigger', () => {
  it('resolves a valid trigger', () => {
    const t = defineTrigger(
      { name: 'a.b:c-d_1', workflow: 'wf', pollInterval: '1m30s' },
      () => true,
    );
    expect(validateTrigger(t)).toEqual({
      name: 'a.b:c-d_1',
      pollIntervalMs: 90_000,
      allowConcurrent: false,
      workflow: 'wf',
    });
    expect(validateTrigger(new CountingTrigger('counter'))).toEqual({
      name: 'counter',
      pollIntervalMs: 1_000,
      allowConcurrent: false,
      workflow: undefined,
    });
  });

  it('lists every problem', () => {
    const error = thrown(() =>
      validateTrigger({ name: 'has space', pollInterval: 0, allowConcurrent: 'no', workflow: '' }),
    );
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(/name must be/);
    expect(problems.join('\n')).toMatch(/pollInterval must be greater than zero/);
    expect(problems.join('\n')).toMatch(/poll must be a function/);
    expect(problems.join('\n')).toMatch(/allowConcurrent must be a boolean/);
    expect(problems.join('\n')).toMatch(/workflow must be/);
  });

  it('reports an invalid duration and a missing name', () => {
    const problems = (
      thrown(() =>
        validateTrigger({ pollInterval: '5 minutes', allowConcurrent: true, poll: () => true }),
      ) as ConfigError
    ).problems;
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/name must be.*undefined/);
    expect(problems[1]).toMatch(/pollInterval.*'5 minutes'/);
  });

  it('rejects a non-object', () => {
    expect(() => validateTrigger(null)).toThrow(ConfigError);
    expect(() => validateTrigger('inbox')).toThrow(/received 'inbox'/);
  });
});

describe('buildFiredContext', () => {
  const at = Date.UTC(2025, 0, 1, 14, 0, 0);

  it('adds trigger_name and triggered_at (RFC 3339, UTC)', () => {
    const ctx = buildFiredContext('inbox', TriggerResult.fire({ file: 'a.csv' }), at);
    expect(ctx).toEqual({
      file: 'a.csv',
      trigger_name: 'inbox',
      triggered_at: '2025-01-01T14:00:00.000Z',
    });
  });

  it('works without a fired context and returns a mutable copy', () => {
    const result = TriggerResult.fire({ nested: { a: 1 } });
    const ctx = buildFiredContext('t', result, at);
    (ctx['nested'] as { a: number }).a = 2;
    expect(result.context).toEqual({ nested: { a: 1 } });
    expect(buildFiredContext('t', TriggerResult.fire(), at)).toEqual({
      trigger_name: 't',
      triggered_at: '2025-01-01T14:00:00.000Z',
    });
  });

  it.each(RESERVED_TRIGGER_KEYS)('rejects a fired context holding %s', (key) => {
    const error = thrown(() => buildFiredContext('inbox', TriggerResult.fire({ [key]: 'x' }), at));
    expect(error).toBeInstanceOf(TriggerError);
    expect((error as TriggerError).code).toBe('RESERVED_KEY');
    expect((error as TriggerError).triggerName).toBe('inbox');
    expect((error as Error).message).toContain(`'${key}'`);
    expect((error as Error).message).toContain("'inbox'");
  });

  it('refuses a Skip result', () => {
    expect(() => buildFiredContext('t', TriggerResult.skip(), at)).toThrow(TypeError);
  });
});

describe('TriggerRegistry', () => {
  it('registers, replaces by name, lists, gets and deletes', () => {
    const registry = new TriggerRegistry();
    const a = defineTrigger({ name: 'a' }, () => false);
    const b = defineTrigger({ name: 'b' }, () => false);
    const a2 = defineTrigger({ name: 'a', pollInterval: '5s' }, () => true);
    registry.register(a);
    registry.register(b);
    expect(registry.list()).toEqual([a, b]);
    registry.register(a2);
    expect(registry.get('a')).toBe(a2);
    expect(registry.list()).toHaveLength(2);
    expect(registry.has('b')).toBe(true);
    expect(registry.delete('b')).toBe(true);
    expect(registry.delete('b')).toBe(false);
    expect(registry.get('b')).toBeUndefined();
    expect(registry.list()).toEqual([a2]);
  });

  it('rejects an invalid trigger', () => {
    const registry = new TriggerRegistry();
    expect(() => registry.register({ name: 'x' } as never)).toThrow(ConfigError);
    expect(registry.list()).toEqual([]);
  });

  it('keeps one object per registration, so state on `this` survives between polls', async () => {
    const registry = new TriggerRegistry();
    const trigger = new CountingTrigger('counter');
    registry.register(trigger);
    const held = registry.get('counter')!;
    expect(held).toBe(trigger);
    expect((await held.poll(signal)).isSkip()).toBe(true);
    const second = await registry.get('counter')!.poll(signal);
    expect(second.context).toEqual({ n: 2 });
    expect(trigger.polls).toBe(2);
  });

  it('registerTrigger registers into the default registry', () => {
    const trigger = new CountingTrigger('default-registry-test');
    try {
      registerTrigger(trigger);
      expect(defaultTriggerRegistry.get('default-registry-test')).toBe(trigger);
    } finally {
      defaultTriggerRegistry.delete('default-registry-test');
    }
  });
});
