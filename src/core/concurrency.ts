/**
 * Workflow concurrency: at most `limit` executions of a workflow (per key) run at once across
 * every runner on the database. The key is computed once, at scheduling, from the initial
 * context, and stored with the execution, so every runner counts the same way.
 */
import { ConfigError, InputValidationError } from '../errors.js';
import { describeValue } from './describe.js';
import type { JsonObject } from './json.js';

/** Longest concurrency key, in characters (an index column on both backends). */
export const MAX_CONCURRENCY_KEY_LENGTH = 255;

/** The `concurrency` option of `workflow()`. */
export interface ConcurrencyOptions {
  /** Executions (per key) that may be active at once: a positive integer. */
  readonly limit: number;
  /**
   * The group an execution counts in, from its initial context (e.g. `(ctx) => ctx.customerId`):
   * 1 to 255 characters. Without it every execution of the workflow shares one group.
   */
  readonly key?: (context: JsonObject) => string;
}

/** The group of one execution and the limit it was scheduled under, as stored with it. */
export interface ConcurrencySlot {
  readonly key: string;
  readonly limit: number;
}

/** Why `value` is not a valid `concurrency` option, or null when it is. */
export function concurrencyProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `concurrency must be an object { limit, key? }; received ${describeValue(value)}.`;
  }
  const { limit, key } = value as Record<string, unknown>;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) {
    return `concurrency.limit must be a positive integer; received ${describeValue(limit)}.`;
  }
  if (key !== undefined && typeof key !== 'function') {
    return `concurrency.key must be a function of the initial context returning a string; received ${describeValue(key)}.`;
  }
  return null;
}

/**
 * The group key a limit's `key` function gives `context`, checked.
 * @throws {InputValidationError} when the function throws or returns something other than a
 *   string of 1 to {@link MAX_CONCURRENCY_KEY_LENGTH} characters without NUL (`what` names the
 *   key in the message): nothing is scheduled.
 */
export function groupKey(
  workflowName: string,
  what: string,
  keyOf: (context: JsonObject) => string,
  context: JsonObject,
): string {
  let key: unknown;
  try {
    key = keyOf(context);
  } catch (error) {
    throw new InputValidationError(workflowName, [
      {
        path: [],
        message: `the ${what} function threw: ${(error as Error)?.message ?? String(error)}`,
      },
    ]);
  }
  if (
    typeof key !== 'string' ||
    key.length === 0 ||
    key.length > MAX_CONCURRENCY_KEY_LENGTH ||
    key.includes('\u0000')
  ) {
    throw new InputValidationError(workflowName, [
      {
        path: [],
        message:
          `the ${what} must be a string of 1 to ${MAX_CONCURRENCY_KEY_LENGTH} characters ` +
          `without NUL; the key function returned ${describeValue(key)}.`,
      },
    ]);
  }
  return key;
}

/**
 * The slot an execution of `workflowName` with `context` waits for.
 * @throws {InputValidationError} when the key function throws or returns something other than
 *   a string of 1 to 255 characters without NUL: nothing is scheduled.
 */
export function concurrencySlot(
  workflowName: string,
  options: ConcurrencyOptions,
  context: JsonObject,
): ConcurrencySlot {
  if (options.key === undefined) return { key: '', limit: options.limit };
  const key = groupKey(workflowName, 'concurrency key', options.key, context);
  return { key, limit: options.limit };
}

/**
 * The slot of an execution scheduled from a stored definition, by a process without the
 * workflow's code (a `Client`, the CLI, the HTTP API): a limit without a key function applies
 * as in a runner.
 * @throws {ConfigError} when the workflow computes its key in code, which only a runner with
 *   the workflow registered can run.
 */
export function storedConcurrencySlot(
  workflowName: string,
  definition: JsonObject,
): ConcurrencySlot | undefined {
  const stored = definition['concurrency'];
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) return undefined;
  const { limit, keyed } = stored as { limit?: unknown; keyed?: unknown };
  if (typeof limit !== 'number') return undefined;
  if (keyed === true) {
    throw new ConfigError(
      `Workflow '${workflowName}' computes its concurrency key in code; start it from a ` +
        'runner (or a runner-backed server) that has the workflow registered.',
    );
  }
  return { key: '', limit };
}
