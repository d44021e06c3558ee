import { describe, expect, it } from 'vitest';
import { task } from '../../src/core/task.js';
import type { TaskOptions } from '../../src/core/task.js';
import { WorkflowValidationError } from '../../src/errors.js';

const noop = (): void => undefined;

describe('task concurrency option', () => {
  it('keeps a valid limit, frozen, and no limit by default', () => {
    const limited = task({ id: 'call', concurrency: { limit: 5 } }, noop);
    expect(limited.concurrency).toEqual({ limit: 5 });
    expect(Object.isFrozen(limited.concurrency)).toBe(true);
    expect(task({ id: 'free' }, noop).concurrency).toBeUndefined();
  });

  it.each([
    ['a number', 5, /concurrency must be an object \{ limit \}; received 5/],
    ['null', null, /concurrency must be an object/],
    ['zero', { limit: 0 }, /concurrency.limit must be a positive integer; received 0/],
    ['a fraction', { limit: 1.5 }, /concurrency.limit must be a positive integer; received 1.5/],
    [
      'a string',
      { limit: '2' },
      /concurrency.limit must be a positive integer; received ["']2["']/,
    ],
    ['no limit', {}, /concurrency.limit must be a positive integer; received undefined/],
    ['a key', { limit: 1, key: () => 'k' }, /unknown option 'key'/],
  ])('rejects %s with INVALID_TASK naming the task', (_label, concurrency, message) => {
    let caught: unknown;
    try {
      task({ id: 'call', concurrency } as unknown as TaskOptions, noop);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WorkflowValidationError);
    const error = caught as WorkflowValidationError;
    expect(error.code).toBe('INVALID_TASK');
    expect(error.message).toMatch(/^Task 'call': /);
    expect(error.message).toMatch(message);
  });
});
