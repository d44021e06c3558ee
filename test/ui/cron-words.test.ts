/**
 * Cron expressions in words, read as the engine reads them: six fields are seconds-first, a year
 * field and `@reboot` are refused, and a bad expression gives its reason instead of throwing.
 */
import { describe, expect, it } from 'vitest';
import { validateCron } from '../../src/core/cron.js';
import { cronInWords } from '../../ui/src/cron-words.js';

describe('cronInWords', () => {
  it('words a five-field expression with names, on a 24-hour clock', () => {
    expect(cronInWords('0 9 * * MON-FRI')).toEqual({
      ok: true,
      text: 'At 09:00, Monday through Friday',
    });
    expect(cronInWords('30 17 * * *').text).toBe('At 17:30');
  });

  it('reads six fields as seconds first, as the engine does', () => {
    expect(cronInWords('*/5 * * * * *')).toEqual({ ok: true, text: 'Every 5 seconds' });
    // A 4-digit last field would be a year to cronstrue alone; to the engine it is a day of week.
    const words = cronInWords('0 0 1 1 * 2030');
    expect(words.ok).toBe(false);
    expect(() => validateCron('0 0 1 1 * 2030', 'UTC')).toThrow();
    expect(cronInWords('15 30 2 * * *').text).toBe('At 02:30:15');
  });

  it('accepts the engine nicknames and refuses @reboot', () => {
    expect(cronInWords('@daily')).toEqual({ ok: true, text: 'At 00:00' });
    expect(cronInWords('@HOURLY')).toEqual({ ok: true, text: 'Every hour' });
    const reboot = cronInWords('@reboot');
    expect(reboot.ok).toBe(false);
    expect(reboot.text).toContain('Unknown nickname @reboot');
    expect(() => validateCron('@reboot', 'UTC')).toThrow();
  });

  it('explains bad expressions instead of throwing', () => {
    expect(cronInWords('61 * * * *')).toEqual({
      ok: false,
      text: 'Not a valid expression: minutes part must be >= 0 and <= 59',
    });
    expect(cronInWords('bad').text).toBe(
      '1 field: an expression has 5 fields, or 6 with leading seconds.',
    );
    expect(cronInWords('0 0 1 1 * * 2030').text).toContain('a year field is not supported');
    expect(cronInWords('   ')).toEqual({ ok: false, text: 'No expression.' });
  });

  it('words L, W and # like the engine runs them', () => {
    expect(cronInWords('0 0 L * *').text).toBe('At 00:00, on the last day of the month');
    expect(cronInWords('0 0 * * 1#2').text).toBe('At 00:00, on the second Monday of the month');
    expect(cronInWords('0 0 15W * *').text).toBe(
      'At 00:00, on the weekday nearest day 15 of the month',
    );
  });
});
