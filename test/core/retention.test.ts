/** The retention option and the options of prune(), resolved without a database. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/index.js';
import { checkPruneOptions, resolveRetention } from '../../src/core/retention.js';

describe('retention options', () => {
  it('resolves ages per status and history, with a one-minute interval by default', () => {
    const problems: string[] = [];
    expect(
      resolveRetention({ completed: '7d', cancelled: 3_600_000, history: '30d' }, problems),
    ).toEqual({
      executions: [
        { status: 'Completed', ageMs: 7 * 86_400_000 },
        { status: 'Cancelled', ageMs: 3_600_000 },
      ],
      historyMs: 30 * 86_400_000,
      intervalMs: 60_000,
    });
    expect(problems).toEqual([]);
  });

  it('prunes nothing when no age is given: absent, empty, or an interval alone', () => {
    const problems: string[] = [];
    expect(resolveRetention(undefined, problems)).toBeNull();
    expect(resolveRetention({}, problems)).toBeNull();
    expect(resolveRetention({ interval: '5m' }, problems)).toBeNull();
    expect(problems).toEqual([]);
  });

  it('lists every problem, naming the field and the value', () => {
    const problems: string[] = [];
    expect(resolveRetention('30d', problems)).toBeNull();
    expect(problems).toEqual([
      "retention must be an object like { completed: '7d', failed: '30d', history: '30d' }, received '30d'.",
    ]);
    problems.length = 0;
    resolveRetention({ failed: '0s', history: 'soon', completd: '1d' }, problems);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/unknown retention key 'completd'/);
    expect(problems[1]).toMatch(
      /retention\.failed must be greater than 0, received '0s'; leave the field out/,
    );
    expect(problems[2]).toMatch(/retention\.history must be .*received 'soon'/);
  });
});

describe('prune options', () => {
  it('covers every terminal status and history, or one status and no history', () => {
    expect(checkPruneOptions({ olderThan: '1d' })).toEqual({
      executions: ['Completed', 'Failed', 'Cancelled'].map((status) => ({
        status,
        ageMs: 86_400_000,
      })),
      historyMs: 86_400_000,
      dryRun: false,
    });
    expect(checkPruneOptions({ olderThan: 1_000, status: 'Failed', dryRun: true })).toEqual({
      executions: [{ status: 'Failed', ageMs: 1_000 }],
      historyMs: null,
      dryRun: true,
    });
  });

  it('refuses a status that has not ended, and anything but an options object', () => {
    expect(() => checkPruneOptions({ olderThan: '1d', status: 'Paused' })).toThrow(
      /status must be one of Completed, Failed, Cancelled .*received 'Paused'/,
    );
    expect(() => checkPruneOptions('30d')).toThrow(ConfigError);
    expect(() => checkPruneOptions({ olderThan: '1d', dryRun: 'yes' })).toThrow(
      /dryRun must be true or false, received 'yes'/,
    );
  });
});
