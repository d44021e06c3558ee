/**
 * Identifiers of tasks and workflows. They appear in database rows, logs, metrics labels and
 * rule descriptions, so they are kept to a small, unambiguous alphabet.
 */

/** Allowed task ids and workflow names: letters, digits, `_`, `.` and `-`. */
export const TASK_ID_PATTERN = /^[A-Za-z0-9_.-]+$/;

/** True when `value` is a string matching {@link TASK_ID_PATTERN}. */
export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && TASK_ID_PATTERN.test(value);
}
