import { describe, it, expect } from 'vitest';
import { durationProblem, formatDuration, parseDuration } from '../../src/core/duration.js';
import { ConfigError } from '../../src/errors.js';

describe('parseDuration', () => {
  it.each([
    [0, 0],
    [1500, 1500],
    [2.4, 2],
    ['250ms', 250],
    ['5s', 5_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1.5s', 1_500],
    ['.5s', 500],
    ['1h30m', 5_400_000],
    ['1d2h', 93_600_000],
    ['1m30s500ms', 90_500],
    ['1h 30m', 5_400_000],
    ['  5s  ', 5_000],
    ['30d', 2_592_000_000],
    ['1w', 604_800_000],
    ['2w3d', 1_468_800_000],
    ['3650d', 315_360_000_000],
    [315_360_000_000, 315_360_000_000],
  ])('%j → %d ms', (input, ms) => {
    expect(parseDuration(input, 'timeout')).toBe(ms);
    expect(durationProblem(input, 'timeout')).toBeNull();
  });

  it.each([
    -1,
    NaN,
    Infinity,
    '',
    '   ',
    '5',
    '5x',
    's',
    '-5s',
    '1.5.5s',
    '5 seconds',
    '5S',
    '30m1h',
    '1s2s',
    '1d1w',
    '5W',
    '1e3ms',
    '3650d1ms',
    '3651d',
    315_360_000_001,
    '99999999999999999999d',
    1e300,
    null,
    undefined,
    true,
    {},
    [],
  ])('rejects %j', (input) => {
    expect(() => parseDuration(input, 'retry.initialDelay')).toThrow(ConfigError);
    expect(durationProblem(input, 'retry.initialDelay')).toMatch(/^retry\.initialDelay must be/);
  });

  it('names the label, the value received and the accepted forms', () => {
    const message = durationProblem('5x', 'pollInterval') ?? '';
    expect(message).toContain('pollInterval');
    expect(message).toContain("received '5x'");
    expect(message).toContain("'250ms'");
    expect(message).toContain("'1h30m'");
    try {
      parseDuration('5x', 'pollInterval');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([message]);
    }
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [850, '850ms'],
    [1_000, '1s'],
    [1_234, '1.2s'],
    [59_960, '1m'],
    [184_000, '3m 4s'],
    [120_000, '2m'],
    [3_720_000, '1h 2m'],
    [90_000_000, '1d 1h'],
    [-1_500, '-1.5s'],
  ])('%d → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
