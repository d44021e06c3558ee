/** Catching the `ContextError` a context operation throws, for tests of its code and fields. */
import { expect } from 'vitest';
import { ContextError } from '../../src/errors.js';

/** Runs `fn` and returns the ContextError it throws (fails the test on anything else). */
export function contextError(fn: () => unknown): ContextError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ContextError);
    return error as ContextError;
  }
  throw new Error('expected a ContextError, nothing was thrown');
}
