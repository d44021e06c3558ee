/**
 * The options of every list call (executions, trigger and cron schedules, their histories),
 * checked in one place. Without it each backend read bad values its own way: SQLite took
 * `limit: -1` as "no limit", PostgreSQL refused it as a database error, a misspelt status matched
 * nothing and a misspelt option was ignored.
 */
import { ConfigError } from '../errors.js';
import { describeValue } from './describe.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './limits.js';

/** How a filter option is checked: any string, a boolean, or one of the listed strings. */
export type FilterRule = 'string' | 'boolean' | readonly string[];

/** The value type a {@link FilterRule} admits. */
export type FilterValue<R extends FilterRule> = R extends 'boolean'
  ? boolean
  : R extends readonly (infer V)[]
    ? V
    : string;

/** Checked options: paging with its defaults applied, and each filter or `undefined`. */
export type CheckedListOptions<F extends Record<string, FilterRule>> = {
  readonly limit: number;
  readonly offset: number;
} & { readonly [K in keyof F]: FilterValue<F[K]> | undefined };

/**
 * Checks the options of the list call `call` (named in messages, e.g. `listExecutions`):
 * `limit` an integer from 1 to {@link MAX_PAGE_SIZE} (default {@link DEFAULT_PAGE_SIZE}),
 * `offset` a non-negative safe integer (default 0), each filter of `filters` as its rule says,
 * and no other key — a misspelt filter would otherwise silently list everything.
 *
 * @throws {ConfigError} listing every problem, each naming the option, the value received and
 *   what is allowed.
 */
export function checkListOptions<F extends Record<string, FilterRule>>(
  call: string,
  options: unknown,
  filters: F,
): CheckedListOptions<F> {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigError(
      `${call} expects an options object such as { limit: 10 }; received ${describeValue(options)}.`,
    );
  }
  const input = options as Record<string, unknown>;
  const known = [...Object.keys(filters), 'limit', 'offset'];
  const problems: string[] = [];
  for (const key of Object.keys(input)) {
    if (!known.includes(key)) {
      problems.push(`${call}: unknown option '${key}'; the options are ${known.join(', ')}.`);
    }
  }
  const limit = integer(input['limit'], DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
  if (limit === undefined) {
    problems.push(
      `${call}: limit must be an integer from 1 to ${MAX_PAGE_SIZE} (page with offset for more); ` +
        `received ${describeValue(input['limit'])}.`,
    );
  }
  const offset = integer(input['offset'], 0, 0, Number.MAX_SAFE_INTEGER);
  if (offset === undefined) {
    problems.push(
      `${call}: offset must be an integer ≥ 0; received ${describeValue(input['offset'])}.`,
    );
  }
  const checked: Record<string, unknown> = { limit, offset };
  for (const [key, rule] of Object.entries(filters)) {
    const value = input[key];
    const problem = value === undefined ? null : filterProblem(value, rule);
    if (problem !== null) {
      problems.push(`${call}: ${key} must be ${problem}; received ${describeValue(value)}.`);
    }
    checked[key] = value;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return checked as CheckedListOptions<F>;
}

/** `value` when it is an integer in `min..max`, `fallback` when absent, else `undefined`. */
function integer(value: unknown, fallback: number, min: number, max: number): number | undefined {
  if (value === undefined) return fallback;
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
    ? value
    : undefined;
}

/** What `value` should have been under `rule`, or `null` when it is fine. */
function filterProblem(value: unknown, rule: FilterRule): string | null {
  // A name with a NUL matches nothing (names cannot hold one), and PostgreSQL refuses it.
  if (rule === 'string') {
    if (typeof value !== 'string') return 'a string';
    return value.includes('\u0000') ? 'a string without NUL characters' : null;
  }
  if (rule === 'boolean') return typeof value === 'boolean' ? null : 'true or false';
  return typeof value === 'string' && rule.includes(value)
    ? null
    : `one of ${rule.map((v) => `'${v}'`).join(', ')}`;
}
