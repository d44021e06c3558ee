/**
 * Task concurrency: at most `limit` attempts of one task (a workflow name and a task id) run
 * at once across every runner on the database, e.g. to protect a rate-limited dependency. The
 * place is taken when an attempt is claimed and given back when it ends; nothing is stored
 * but the attempts themselves (see `store/ops/task-limits.ts`).
 */
import { describeValue } from './describe.js';

/** The `concurrency` option of `task()`. */
export interface TaskConcurrencyOptions {
  /** Attempts of this task that may run at once, across all runners: a positive integer. */
  readonly limit: number;
}

/** Why `value` is not a valid task `concurrency` option, or null when it is. */
export function taskConcurrencyProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `concurrency must be an object { limit }; received ${describeValue(value)}.`;
  }
  const unknownKey = Object.keys(value).find((key) => key !== 'limit');
  if (unknownKey !== undefined) {
    return `concurrency has unknown option '${unknownKey}'; a task's concurrency takes only limit.`;
  }
  const { limit } = value as Record<string, unknown>;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) {
    return `concurrency.limit must be a positive integer; received ${describeValue(limit)}.`;
  }
  return null;
}
