/**
 * The options of every list call (executions, trigger and cron schedules, their histories),
 * checked in one place. Without it each backend read bad values its own way: SQLite took
 * `limit: -1` as "no limit", PostgreSQL refused it as a database error, a misspelt status matched
 * nothing and a misspelt option was ignored.
 */
import { ConfigError } from '../errors.js';
import { describeValue } from './describe.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './limits.js';

/**
 * How a filter option is checked: any string, a boolean, a `Date` that holds a time, one of the
 * listed strings, or (`anyOf`) one of them or a non-empty array of them.
 */
export type FilterRule =
  'string' | 'boolean' | 'date' | readonly string[] | { readonly anyOf: readonly string[] };

/** The value type a {@link FilterRule} admits. */
export type FilterValue<R extends FilterRule> = R extends 'boolean'
  ? boolean
  : R extends 'date'
    ? Date
    : R extends readonly (infer V)[]
      ? V
      : R extends { readonly anyOf: readonly (infer V)[] }
        ? V | readonly V[]
        : string;

/** Checked filters: each as its rule admits, or `undefined`. */
export type CheckedFilters<F extends Record<string, FilterRule>> = {
  readonly [K in keyof F]: FilterValue<F[K]> | undefined;
};

/** Checked options: paging with its defaults applied, and each filter or `undefined`. */
export type CheckedListOptions<F extends Record<string, FilterRule>> = {
  readonly limit: number;
  readonly offset: number;
} & CheckedFilters<F>;

/**
 * Checked options of a keyset page: `limit` with its default applied, the cursor as given (it
 * is read by the list it belongs to), and each filter or `undefined`.
 */
export type CheckedPageOptions<F extends Record<string, FilterRule>> = {
  readonly limit: number;
  readonly cursor: unknown;
} & CheckedFilters<F>;

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
  const { input, problems, checked } = checkCommon(call, options, filters, 'offset');
  const offset = integer(input['offset'], 0, 0, Number.MAX_SAFE_INTEGER);
  if (offset === undefined) {
    problems.push(
      `${call}: offset must be an integer ≥ 0; received ${describeValue(input['offset'])}.`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...checked, offset } as CheckedListOptions<F>;
}

/**
 * Checks the options of the keyset page call `call`, as {@link checkListOptions} does, with a
 * `cursor` (`undefined` or `null` for the first page) instead of `offset`. The cursor is passed
 * on unchecked: only its list can tell whether it is one of its own.
 *
 * @throws {ConfigError} listing every problem of the other options.
 */
export function checkPageOptions<F extends Record<string, FilterRule>>(
  call: string,
  options: unknown,
  filters: F,
): CheckedPageOptions<F> {
  const { input, problems, checked } = checkCommon(call, options, filters, 'cursor');
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...checked, cursor: input['cursor'] ?? null } as CheckedPageOptions<F>;
}

/** The checks both kinds of paging share: the object, unknown keys, `limit`, the filters. */
function checkCommon(
  call: string,
  options: unknown,
  filters: Record<string, FilterRule>,
  paging: 'offset' | 'cursor',
): { input: Record<string, unknown>; problems: string[]; checked: Record<string, unknown> } {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigError(
      `${call} expects an options object such as { limit: 10 }; received ${describeValue(options)}.`,
    );
  }
  const input = options as Record<string, unknown>;
  const known = [...Object.keys(filters), 'limit', paging];
  const problems: string[] = [];
  for (const key of Object.keys(input)) {
    if (!known.includes(key)) {
      problems.push(`${call}: unknown option '${key}'; the options are ${known.join(', ')}.`);
    }
  }
  const limit = integer(input['limit'], DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
  if (limit === undefined) {
    problems.push(
      `${call}: limit must be an integer from 1 to ${MAX_PAGE_SIZE} (page with ${paging} for more); ` +
        `received ${describeValue(input['limit'])}.`,
    );
  }
  const checked: Record<string, unknown> = { limit };
  for (const [key, rule] of Object.entries(filters)) {
    const value = input[key];
    const problem = value === undefined ? null : filterProblem(value, rule);
    if (problem !== null) {
      problems.push(`${call}: ${key} must be ${problem}; received ${describeValue(value)}.`);
    }
    checked[key] = value;
  }
  return { input, problems, checked };
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
  // An Invalid Date (`new Date('garbage')`) would reach SQL as NaN and match nothing.
  if (rule === 'date') {
    return value instanceof Date && Number.isFinite(value.getTime()) ? null : 'a valid Date';
  }
  if ('anyOf' in rule) {
    const allowed = rule.anyOf;
    const ok = Array.isArray(value)
      ? value.length > 0 && value.every((v) => typeof v === 'string' && allowed.includes(v))
      : typeof value === 'string' && allowed.includes(value);
    return ok ? null : `one of ${quoted(allowed)}, or a non-empty array of them`;
  }
  return typeof value === 'string' && rule.includes(value) ? null : `one of ${quoted(rule)}`;
}

function quoted(values: readonly string[]): string {
  return values.map((v) => `'${v}'`).join(', ');
}
