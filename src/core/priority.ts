/**
 * Priorities: an integer per execution, higher first. Ready tasks are claimed by priority, then
 * oldest ready first; Queued executions of a concurrency group are admitted by priority, then
 * first in, first out. The workflow sets a default (`workflow({ priority })`), a start may
 * override it (`executeAsync(wf, input, { priority })`).
 */
import { ConfigError } from '../errors.js';
import { describeValue } from './describe.js';

/** Lowest priority accepted. */
export const MIN_PRIORITY = -1000;

/** Highest priority accepted. */
export const MAX_PRIORITY = 1000;

/** The priority of an execution when neither its workflow nor its start sets one. */
export const DEFAULT_PRIORITY = 0;

/** The `priority` option of a start (`executeAsync`, `execute`). */
export interface PriorityOptions {
  /**
   * Claims take this execution's Ready tasks before those of lower priorities, and a
   * concurrency group admits it before lower priorities waiting there: an integer from -1000 to
   * 1000, higher first. Defaults to the workflow's `priority` (itself 0 by default).
   */
  priority?: number;
}

/**
 * Why `value` is not a priority, or null when it is one. `what` names it in the message
 * (`priority`, `--priority`).
 */
export function priorityProblem(value: unknown, what = 'priority'): string | null {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < MIN_PRIORITY ||
    value > MAX_PRIORITY
  ) {
    return (
      `${what} must be an integer from ${MIN_PRIORITY} to ${MAX_PRIORITY} (higher runs first); ` +
      `received ${describeValue(value)}.`
    );
  }
  return null;
}

/**
 * The priority of a new execution: the start's `priority` when given, else the workflow's
 * default.
 * @throws {ConfigError} when the start's `priority` is not an integer from -1000 to 1000; the
 *   message names the value received.
 */
export function priorityOf(options: PriorityOptions, workflowDefault: number): number {
  const { priority } = options;
  if (priority === undefined) return workflowDefault;
  const problem = priorityProblem(priority);
  if (problem !== null) throw new ConfigError(problem);
  return priority;
}

/**
 * The default priority a stored definition records (`toDefinition().priority`), or 0 for a
 * definition stored without one (or with a value that is not a priority).
 */
export function storedPriority(definition: Readonly<Record<string, unknown>>): number {
  const stored = definition['priority'];
  return priorityProblem(stored) === null ? (stored as number) : DEFAULT_PRIORITY;
}
