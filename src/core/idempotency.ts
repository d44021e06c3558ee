/**
 * Idempotency keys of starts: a caller that may retry a start (a timed-out HTTP request, a
 * queue consumer redelivered a message) names it with a key, and every start of the same
 * workflow with that key returns the one execution the first created.
 */
import { ConfigError } from '../errors.js';
import { describeValue } from './describe.js';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from './limits.js';

/**
 * Checks the `idempotencyKey` option of `execute` / `executeAsync`: absent (undefined), or a
 * string of 1 to {@link MAX_IDEMPOTENCY_KEY_LENGTH} characters without NUL (PostgreSQL refuses
 * NUL in text, so SQLite must refuse it too for a key to mean the same on both).
 *
 * @throws {ConfigError} naming the value received.
 */
export function checkIdempotencyKey(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const ok =
    typeof value === 'string' &&
    value.length >= 1 &&
    value.length <= MAX_IDEMPOTENCY_KEY_LENGTH &&
    !value.includes('\u0000');
  if (!ok) {
    const length =
      typeof value === 'string' && value.length > MAX_IDEMPOTENCY_KEY_LENGTH
        ? ` (${value.length} characters)`
        : '';
    throw new ConfigError(
      `idempotencyKey must be a string of 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters ` +
        `without NUL; received ${describeValue(value)}${length}.`,
    );
  }
  return value;
}
