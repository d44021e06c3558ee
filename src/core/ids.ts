/**
 * Names users define: task ids, workflow names, trigger names and runner names. They appear in
 * database rows and indexes, logs, metrics labels and rule descriptions, so they are kept to a
 * small, unambiguous alphabet and to {@link MAX_NAME_LENGTH} characters. A name is checked when
 * it is defined, so a bad one fails there with a typed error rather than at its first write.
 */
import { describeValue } from './describe.js';
import { MAX_NAME_LENGTH } from './limits.js';

/** Allowed task ids and workflow names: letters, digits, `_`, `.` and `-`. */
export const TASK_ID_PATTERN = /^[A-Za-z0-9_.-]+$/;

/** Allowed trigger names: the task id alphabet plus `:`. */
export const TRIGGER_NAME_PATTERN = /^[A-Za-z0-9_.:-]+$/;

/** True when `value` is a string matching {@link TASK_ID_PATTERN}, of at most 255 characters. */
export function isValidId(value: unknown): value is string {
  return isName(value, TASK_ID_PATTERN);
}

/** True when `value` is a string matching {@link TRIGGER_NAME_PATTERN}, of at most 255 characters. */
export function isValidTriggerName(value: unknown): value is string {
  return isName(value, TRIGGER_NAME_PATTERN);
}

function isName(value: unknown, pattern: RegExp): value is string {
  return typeof value === 'string' && value.length <= MAX_NAME_LENGTH && pattern.test(value);
}

/** What a task id or workflow name must be, for error messages. */
export const ID_RULE = `a non-empty string of at most ${MAX_NAME_LENGTH} characters: letters, digits, '_', '.' or '-'`;

/** What a trigger name must be, for error messages. */
export const TRIGGER_NAME_RULE = `a non-empty string of at most ${MAX_NAME_LENGTH} characters: letters, digits, '_', '.', ':' or '-'`;

/**
 * A received name for an error message: short ones as given, a too-long one by its length and
 * first characters, so the message stays readable.
 */
export function describeName(value: unknown): string {
  if (typeof value === 'string' && value.length > MAX_NAME_LENGTH) {
    return `a string of ${value.length} characters (${describeValue(value)})`;
  }
  return describeValue(value);
}

/** Characters no runner name may hold (C0 controls, NUL among them, and DEL). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * Why `value` cannot be a runner's `runnerId` or `runnerName` (free text, but a bounded one), or
 * `null` when it can.
 */
export function runnerNameProblem(key: string, value: unknown): string | null {
  if (
    typeof value === 'string' &&
    value.trim() !== '' &&
    value.length <= MAX_NAME_LENGTH &&
    // Written with every claim and event: a NUL would make each such write fail on PostgreSQL.
    !CONTROL_CHARACTER.test(value)
  ) {
    return null;
  }
  return `${key} must be a non-empty string of at most ${MAX_NAME_LENGTH} characters without control characters, received ${describeName(value)}.`;
}
