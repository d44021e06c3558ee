import { describe, expect, it } from 'vitest';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../src/core/limits.js';
import { checkListOptions } from '../../src/core/list-options.js';
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
