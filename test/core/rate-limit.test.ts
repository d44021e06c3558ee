/** The `rateLimit` option: validation, the slot a context gets, and the stored form. */
import { describe, expect, it } from 'vitest';
import { rateLimitSlot, storedRateLimitSlot } from '../../src/core/rate-limit.js';
import {
  ConfigError,
  InputValidationError,
  WorkflowBuilder,
  task,
  workflow,
} from '../../src/index.js';

const tasks = [task({ id: 'a' }, () => undefined)];

describe('rateLimit option', () => {
  it('refuses a bad limit, period or key with a ConfigError naming the value', () => {
    for (const [rateLimit, message] of [
      [{ limit: 1.5, period: '1s' }, /rateLimit.limit must be a positive integer; received 1.5/],
      [{ limit: 1, period: 'soon' }, /rateLimit.period must be/],
      [{ limit: 1, period: 0 }, /at least 1 ms/],
      [{ limit: 1, period: '1s', key: 'tenant' }, /rateLimit.key must be a function/],
      ['10/s', /rateLimit must be an object/],
    ] as const) {
      expect(() => workflow({ name: 'bad', tasks, rateLimit: rateLimit as never })).toThrow(
        ConfigError,
      );
      expect(() => workflow({ name: 'bad', tasks, rateLimit: rateLimit as never })).toThrow(
        message,
      );
    }
  });

  it('computes the slot from the context, and stores whether the key is code', () => {
    const keyed = new WorkflowBuilder('keyed')
      .addTask(tasks[0]!)
      .rateLimit({ limit: 3, period: '2s', key: (ctx) => ctx['tenant'] as string })
      .build();
    expect(keyed.rateLimitSlotFor({ tenant: 'eu' })).toEqual({
      key: 'eu',
      limit: 3,
      periodMs: 2_000,
    });
    expect(() => keyed.rateLimitSlotFor({})).toThrow(InputValidationError);
    expect(keyed.toDefinition()['rateLimit']).toEqual({ limit: 3, periodMs: 2_000, keyed: true });
    expect(() => storedRateLimitSlot('keyed', keyed.toDefinition())).toThrow(ConfigError);

    const plain = workflow({ name: 'plain', tasks, rateLimit: { limit: 5, period: 250 } });
    expect(storedRateLimitSlot('plain', plain.toDefinition())).toEqual({
      key: '',
      limit: 5,
      periodMs: 250,
    });
    expect(rateLimitSlot('plain', plain.rateLimit!, {})).toEqual({
      key: '',
      limit: 5,
      periodMs: 250,
    });
    expect(workflow({ name: 'none', tasks }).rateLimitSlotFor({})).toBeUndefined();
  });
});
