import { describe, expect, it } from 'vitest';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../src/core/limits.js';
import { checkListOptions, checkPageOptions } from '../../src/core/list-options.js';
import { ConfigError } from '../../src/errors.js';

const STATUSES = ['Pending', 'Running', 'Completed'] as const;
const FILTERS = { workflowName: 'string', status: STATUSES, enabledOnly: 'boolean' } as const;

/** The ConfigError `fn` throws (fails the test on anything else). */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('checkListOptions', () => {
  it('applies the defaults when nothing is given', () => {
    expect(checkListOptions('list', undefined, FILTERS)).toEqual({
      limit: DEFAULT_PAGE_SIZE,
      offset: 0,
      workflowName: undefined,
      status: undefined,
      enabledOnly: undefined,
    });
    expect(checkListOptions('list', {}, {})).toEqual({ limit: DEFAULT_PAGE_SIZE, offset: 0 });
  });

  it('passes valid paging and filters through', () => {
    const options = { workflowName: 'etl', status: 'Running', enabledOnly: true, limit: 1 };
    expect(checkListOptions('list', { ...options, offset: 7 }, FILTERS)).toEqual({
      ...options,
      offset: 7,
    });
    expect(checkListOptions('list', { limit: MAX_PAGE_SIZE }, {}).limit).toBe(MAX_PAGE_SIZE);
  });

  it('refuses a limit outside 1..MAX_PAGE_SIZE or not an integer, naming the call and value', () => {
    for (const limit of [-1, 0, MAX_PAGE_SIZE + 1, 1.5, 'abc', '10', Number.NaN, null, true]) {
      const error = configError(() => checkListOptions('listExecutions', { limit }, {}));
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toContain('listExecutions');
      expect(error.problems[0]).toContain(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
      expect(error.problems[0]).toContain('received');
    }
  });

  it('refuses a negative, fractional or non-number offset', () => {
    for (const offset of [-1, 0.5, 'abc', Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 2]) {
      const error = configError(() => checkListOptions('list', { offset }, {}));
      expect(error.problems[0]).toContain('offset must be an integer');
    }
  });

  it('refuses a filter value outside its allowed values, listing them', () => {
    const status = configError(() => checkListOptions('list', { status: 'bogus' }, FILTERS));
    expect(status.message).toContain("status must be one of 'Pending', 'Running', 'Completed'");
    expect(status.message).toContain("received 'bogus'");
    const name = configError(() => checkListOptions('list', { workflowName: 3 }, FILTERS));
    expect(name.message).toContain('workflowName must be a string; received 3');
    const flag = configError(() => checkListOptions('list', { enabledOnly: 'yes' }, FILTERS));
    expect(flag.message).toContain("enabledOnly must be true or false; received 'yes'");
  });

  it('refuses unknown options (a misspelt filter would otherwise list everything)', () => {
    const error = configError(() => checkListOptions('list', { stauts: 'Failed' }, FILTERS));
    expect(error.message).toContain("unknown option 'stauts'");
    expect(error.message).toContain('workflowName, status, enabledOnly, limit, offset');
  });

  it('refuses options that are not an object, and lists every problem at once', () => {
    expect(configError(() => checkListOptions('list', 5, {})).message).toContain(
      'expects an options object',
    );
    const error = configError(() =>
      checkListOptions('list', { limit: -1, offset: -1, status: 'x' }, FILTERS),
    );
    expect(error.problems).toHaveLength(3);
  });
});

describe('checkPageOptions', () => {
  const PAGE_FILTERS = { workflow: 'string', status: { anyOf: STATUSES } } as const;

  it('applies the default limit and passes the cursor on as given', () => {
    expect(checkPageOptions('page', undefined, PAGE_FILTERS)).toEqual({
      limit: DEFAULT_PAGE_SIZE,
      cursor: null,
      workflow: undefined,
      status: undefined,
    });
    expect(checkPageOptions('page', { cursor: null }, {}).cursor).toBeNull();
    // The cursor's list reads it: even a number is passed on, to be refused there.
    expect(checkPageOptions('page', { cursor: 'abc', limit: 5 }, {})).toEqual({
      limit: 5,
      cursor: 'abc',
    });
    expect(checkPageOptions('page', { cursor: 7 }, {}).cursor).toBe(7);
  });

  it('takes one status or a non-empty array of them', () => {
    expect(checkPageOptions('page', { status: 'Running' }, PAGE_FILTERS).status).toBe('Running');
    expect(
      checkPageOptions('page', { status: ['Running', 'Pending'] }, PAGE_FILTERS).status,
    ).toEqual(['Running', 'Pending']);
    for (const status of [[], ['Running', 'Done'], 'Done', [3], { 0: 'Running' }]) {
      const error = configError(() =>
        checkPageOptions('listExecutionsPage', { status }, PAGE_FILTERS),
      );
      expect(error.message).toContain(
        "listExecutionsPage: status must be one of 'Pending', 'Running', 'Completed', or a non-empty array of them",
      );
    }
  });

  it('takes a Date that holds a time for a date filter', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    expect(checkPageOptions('page', { since: at }, { since: 'date' }).since).toBe(at);
    for (const since of [new Date('garbage'), '2026-01-01', at.getTime(), null]) {
      const error = configError(() => checkPageOptions('page', { since }, { since: 'date' }));
      expect(error.message).toContain('page: since must be a valid Date; received');
    }
  });

  it('refuses offset and a limit out of range, pointing at the cursor', () => {
    const error = configError(() => checkPageOptions('page', { offset: 10, limit: 0 }, {}));
    expect(error.problems).toEqual([
      "page: unknown option 'offset'; the options are limit, cursor.",
      `page: limit must be an integer from 1 to ${MAX_PAGE_SIZE} (page with cursor for more); received 0.`,
    ]);
  });
});
