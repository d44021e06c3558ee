/**
 * Workflow rate limits: at most `limit` executions of a workflow (per key) start in any
 * `period`, across every runner on the database. The key is computed once, at scheduling, from
 * the initial context, and stored with the execution with the limit and period, so every runner
 * counts the same way.
 */
import { ConfigError } from '../errors.js';
import { describeValue } from './describe.js';
import { durationProblem, parseDuration, type Duration } from './duration.js';
import type { JsonObject } from './json.js';
import { groupKey } from './concurrency.js';

/** The `rateLimit` option of `workflow()`. */
export interface RateLimitOptions {
  /** Executions (per key) that may start in any `period`: a positive integer. */
  readonly limit: number;
  /** The window: a {@link Duration} such as `'1s'` or `'1m'`, or milliseconds; at least 1 ms. */
  readonly period: Duration;
  /**
   * The group an execution counts in, from its initial context (e.g. `(ctx) => ctx.tenant`):
   * 1 to 255 characters. Without it every execution of the workflow shares one group.
   */
  readonly key?: (context: JsonObject) => string;
}

/** The rate group of one execution and the limit it was scheduled under, as stored with it. */
export interface RateLimitSlot {
  readonly key: string;
  readonly limit: number;
  /** The period, in milliseconds. */
  readonly periodMs: number;
}

/** Why `value` is not a valid `rateLimit` option, or null when it is. */
export function rateLimitProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `rateLimit must be an object { limit, period, key? }; received ${describeValue(value)}.`;
  }
  const { limit, period, key } = value as Record<string, unknown>;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) {
    return `rateLimit.limit must be a positive integer; received ${describeValue(limit)}.`;
  }
  const problem = durationProblem(period, 'rateLimit.period');
  if (problem !== null) return problem;
  if (parseDuration(period, 'rateLimit.period') < 1) {
    return `rateLimit.period must be at least 1 ms; received ${describeValue(period)}.`;
  }
  if (key !== undefined && typeof key !== 'function') {
    return `rateLimit.key must be a function of the initial context returning a string; received ${describeValue(key)}.`;
  }
  return null;
}

/**
 * The rate slot an execution of `workflowName` with `context` counts in.
 * @throws {InputValidationError} when the key function throws or returns something other than
 *   a string of 1 to 255 characters without NUL: nothing is scheduled.
 */
export function rateLimitSlot(
  workflowName: string,
  options: RateLimitOptions,
  context: JsonObject,
): RateLimitSlot {
  const periodMs = parseDuration(options.period, 'rateLimit.period');
  if (options.key === undefined) return { key: '', limit: options.limit, periodMs };
  const key = groupKey(workflowName, 'rate limit key', options.key, context);
  return { key, limit: options.limit, periodMs };
}

/**
 * The rate slot of an execution scheduled from a stored definition, by a process without the
 * workflow's code (a `Client`, the CLI, the HTTP API): a limit without a key function applies
 * as in a runner.
 * @throws {ConfigError} when the workflow computes its key in code, which only a runner with
 *   the workflow registered can run.
 */
export function storedRateLimitSlot(
  workflowName: string,
  definition: JsonObject,
): RateLimitSlot | undefined {
  const stored = definition['rateLimit'];
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) return undefined;
  const { limit, periodMs, keyed } = stored as {
    limit?: unknown;
    periodMs?: unknown;
    keyed?: unknown;
  };
  if (typeof limit !== 'number' || typeof periodMs !== 'number') return undefined;
  if (keyed === true) {
    throw new ConfigError(
      `Workflow '${workflowName}' computes its rate limit key in code; start it from a ` +
        'runner (or a runner-backed server) that has the workflow registered.',
    );
  }
  return { key: '', limit, periodMs };
}
