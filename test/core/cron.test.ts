import { describe, it, expect } from 'vitest';
import { CronError } from '../../src/errors.js';
import { cronTimesBetween, nextCronTime, validateCron } from '../../src/core/cron.js';

const NY = 'America/New_York';
const at = (iso: string): number => Date.parse(iso);
const isos = (times: readonly number[]): string[] => times.map((t) => new Date(t).toISOString());
const next = (expression: string, timezone: string, after: string): string | null => {
  const t = nextCronTime(expression, timezone, at(after));
  return t === null ? null : new Date(t).toISOString();
};
const between = (
  expression: string,
  timezone: string,
  after: string,
  until: string,
  limit = 1000,
): string[] => isos(cronTimesBetween(expression, timezone, at(after), at(until), limit));

/** Catches the CronError `fn` throws, failing the test when it throws nothing else. */
function cronError(fn: () => unknown): CronError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CronError);
    expect((error as CronError).code).toBe('CRON');
    return error as CronError;
  }
  throw new Error('expected a CronError');
}

describe('nextCronTime', () => {
  it('returns the first time strictly after the reference', () => {
    expect(next('0 * * * *', 'UTC', '2025-06-01T10:30:00Z')).toBe('2025-06-01T11:00:00.000Z');
    expect(next('0 * * * *', 'UTC', '2025-06-01T11:00:00Z')).toBe('2025-06-01T12:00:00.000Z');
    expect(next('0 * * * *', 'UTC', '2025-06-01T10:59:59.999Z')).toBe('2025-06-01T11:00:00.000Z');
  });

  it('evaluates in the time zone', () => {
    expect(next('0 9 * * *', NY, '2025-01-01T00:00:00Z')).toBe('2025-01-01T14:00:00.000Z');
    // Summer: EDT is UTC-4.
    expect(next('0 9 * * *', NY, '2025-07-01T00:00:00Z')).toBe('2025-07-01T13:00:00.000Z');
    expect(next('0 9 * * *', 'Asia/Kolkata', '2025-01-01T00:00:00Z')).toBe(
      '2025-01-01T03:30:00.000Z',
    );
  });

  it('supports a leading seconds field', () => {
    expect(
      between('*/10 * * * * *', 'UTC', '2025-06-01T10:00:05Z', '2025-06-01T10:00:40Z'),
    ).toEqual([
      '2025-06-01T10:00:10.000Z',
      '2025-06-01T10:00:20.000Z',
      '2025-06-01T10:00:30.000Z',
      '2025-06-01T10:00:40.000Z',
    ]);
    expect(next('30 15 10 * * *', 'UTC', '2025-06-01T00:00:00Z')).toBe('2025-06-01T10:15:30.000Z');
  });

  it('supports day names, skipping the weekend', () => {
    // 2025-01-03 is a Friday.
    expect(
      between('0 9 * * MON-FRI', 'UTC', '2025-01-03T00:00:00Z', '2025-01-08T00:00:00Z'),
    ).toEqual(['2025-01-03T09:00:00.000Z', '2025-01-06T09:00:00.000Z', '2025-01-07T09:00:00.000Z']);
    expect(next('0 9 * * mon-fri', 'UTC', '2025-01-03T09:00:00Z')).toBe('2025-01-06T09:00:00.000Z');
    expect(next('0 0 1 JAN *', 'UTC', '2025-06-01T00:00:00Z')).toBe('2026-01-01T00:00:00.000Z');
  });

  it('supports nicknames', () => {
    expect(next('@daily', 'UTC', '2025-06-01T10:00:00Z')).toBe('2025-06-02T00:00:00.000Z');
  });
});

describe('cronTimesBetween', () => {
  it('lists times with after < t <= until, oldest first', () => {
    // "Between 10:30 and 14:00" with an exclusive end gives 11:00, 12:00, 13:00.
    expect(between('0 * * * *', 'UTC', '2025-06-01T10:30:00Z', '2025-06-01T13:59:59.999Z')).toEqual(
      ['2025-06-01T11:00:00.000Z', '2025-06-01T12:00:00.000Z', '2025-06-01T13:00:00.000Z'],
    );
    // The end is inclusive: a time exactly at `until` is listed.
    expect(
      between('0 * * * *', 'UTC', '2025-06-01T10:30:00Z', '2025-06-01T14:00:00Z'),
    ).toHaveLength(4);
    // The start is exclusive: a time exactly at `after` is not.
    expect(between('0 * * * *', 'UTC', '2025-06-01T11:00:00Z', '2025-06-01T12:00:00Z')).toEqual([
      '2025-06-01T12:00:00.000Z',
    ]);
  });

  it('respects the limit, keeping the oldest', () => {
    const times = between('*/5 * * * *', 'UTC', '2025-06-01T00:00:00Z', '2025-06-02T00:00:00Z', 3);
    expect(times).toEqual([
      '2025-06-01T00:05:00.000Z',
      '2025-06-01T00:10:00.000Z',
      '2025-06-01T00:15:00.000Z',
    ]);
    expect(between('* * * * *', 'UTC', '2025-06-01T00:00:00Z', '2025-06-02T00:00:00Z', 0)).toEqual(
      [],
    );
  });

  it('refuses a reference time that is not finite', () => {
    expect(() => nextCronTime('0 * * * *', NY, Number.NaN)).toThrow(RangeError);
  });

  it('returns nothing for an empty range', () => {
    expect(between('* * * * *', 'UTC', '2025-06-01T00:10:00Z', '2025-06-01T00:10:00Z')).toEqual([]);
    expect(between('* * * * *', 'UTC', '2025-06-01T00:10:00Z', '2025-06-01T00:00:00Z')).toEqual([]);
  });

  it('lists 1000 times over ten years, strictly increasing, in well under a second', () => {
    const started = performance.now();
    const times = cronTimesBetween(
      '0 * * * *',
      'Europe/Paris',
      at('2020-01-01T00:00:00Z'),
      at('2030-01-01T00:00:00Z'),
      1000,
    );
    expect(times).toHaveLength(1000);
    expect(times.every((t, i) => i === 0 || t > times[i - 1]!)).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('DST', () => {
  it('fires a nonexistent local time once, at the first instant after the gap', () => {
    // 2025-03-09 in New York: 02:00 EST jumps to 03:00 EDT (07:00Z); 02:30 does not exist.
    expect(between('30 2 * * *', NY, '2025-03-08T00:00:00Z', '2025-03-11T00:00:00Z')).toEqual([
      '2025-03-08T07:30:00.000Z', // 02:30 EST
      '2025-03-09T07:00:00.000Z', // 03:00 EDT, the first instant after the gap
      '2025-03-10T06:30:00.000Z', // 02:30 EDT
    ]);
    expect(next('30 2 * * *', NY, '2025-03-08T08:00:00Z')).toBe('2025-03-09T07:00:00.000Z');
  });

  it('applies the same rule to lists (croner alone would skip these)', () => {
    expect(between('30 2,14 * * *', NY, '2025-03-09T00:00:00Z', '2025-03-09T23:59:59Z')).toEqual([
      '2025-03-09T07:00:00.000Z',
      '2025-03-09T18:30:00.000Z',
    ]);
  });

  it('fires several times in one gap once, together with the time at its end', () => {
    expect(between('*/15 * * * *', NY, '2025-03-09T06:40:00Z', '2025-03-09T07:20:00Z')).toEqual([
      '2025-03-09T06:45:00.000Z', // 01:45 EST
      '2025-03-09T07:00:00.000Z', // 02:00-02:45 (nonexistent) and 03:00 EDT
      '2025-03-09T07:15:00.000Z', // 03:15 EDT
    ]);
  });

  it('fires an ambiguous local time once, at its first occurrence', () => {
    // 2025-11-02 in New York: 02:00 EDT falls back to 01:00 EST (06:00Z); 01:30 happens twice.
    expect(between('30 1 * * *', NY, '2025-11-01T00:00:00Z', '2025-11-04T00:00:00Z')).toEqual([
      '2025-11-01T05:30:00.000Z', // 01:30 EDT
      '2025-11-02T05:30:00.000Z', // 01:30 EDT, not also 06:30Z (01:30 EST)
      '2025-11-03T06:30:00.000Z', // 01:30 EST
    ]);
    // From between the two occurrences, the next fire is the next day.
    expect(next('30 1 * * *', NY, '2025-11-02T05:30:00Z')).toBe('2025-11-03T06:30:00.000Z');
    expect(next('30 1 * * *', NY, '2025-11-02T06:10:00Z')).toBe('2025-11-03T06:30:00.000Z');
  });

  it('fires ambiguous times once for interval expressions too', () => {
    expect(between('0,30 1,2 * * *', NY, '2025-11-02T04:00:00Z', '2025-11-02T08:00:00Z')).toEqual([
      '2025-11-02T05:00:00.000Z', // 01:00 EDT
      '2025-11-02T05:30:00.000Z', // 01:30 EDT
      '2025-11-02T07:00:00.000Z', // 02:00 EST
      '2025-11-02T07:30:00.000Z', // 02:30 EST
    ]);
  });

  it('from inside the repeated hour, fires next after it, also per second', () => {
    // 06:10Z is 01:10 EST, the second pass: every 01:xx already fired at 05:xxZ.
    expect(next('*/15 * * * *', NY, '2025-11-02T06:10:00Z')).toBe('2025-11-02T07:00:00.000Z');
    expect(next('* * * * * *', NY, '2025-11-02T06:00:01Z')).toBe('2025-11-02T07:00:00.000Z');
  });

  it('handles half-hour DST shifts (Lord Howe Island)', () => {
    // 2025-10-05: 02:00 +10:30 jumps to 02:30 +11:00 (15:30Z on the 4th); 02:15 does not exist.
    expect(next('15 2 * * *', 'Australia/Lord_Howe', '2025-10-04T12:00:00Z')).toBe(
      '2025-10-04T15:30:00.000Z',
    );
  });
});

describe('validateCron', () => {
  it('accepts 5 and 6 fields, names and zones', () => {
    expect(() => validateCron('0 9 * * MON-FRI', NY)).not.toThrow();
    expect(() => validateCron('*/10 * * * * *', 'UTC')).not.toThrow();
    expect(() => validateCron('0 0 L * *', 'Europe/Paris')).not.toThrow();
  });

  it.each([
    ['* * * *', /4 field\(s\)/],
    ['0 0 0 * * * 2025', /7 field\(s\).*year/],
    ['', /empty/],
    ['61 * * * *', /'61 \* \* \* \*'.*minute: 61/],
    ['* * * * FOO', /'\* \* \* \* FOO'/],
    ['5-1 * * * *', /From value is larger/],
    ['0 0 30 2 *', /never fires/],
    ['@reboot', /nicknames/],
  ])('rejects %j with the reason', (expression, reason) => {
    expect(cronError(() => validateCron(expression, 'UTC')).message).toMatch(reason);
  });

  it('rejects an unknown zone, naming it', () => {
    const error = cronError(() => validateCron('0 * * * *', 'Mars/Olympus_Mons'));
    expect(error.message).toContain("'Mars/Olympus_Mons'");
    expect(cronError(() => validateCron('0 * * * *', '')).message).toMatch(/IANA/);
  });

  it('makes nextCronTime and cronTimesBetween throw too', () => {
    cronError(() => nextCronTime('nope', 'UTC', 0));
    cronError(() => cronTimesBetween('0 * * * *', 'Nowhere/City', 0, 1, 1));
  });
});
