/** Instants in a schedule's zone and in the viewer's, with the zone's abbreviation. */
import { describe, expect, it } from 'vitest';
import { formatInZone, viewerZone, zoneAbbreviation } from '../../ui/src/zoned-time.js';

describe('formatInZone', () => {
  it('shows the wall-clock time of the zone with its abbreviation, across DST', () => {
    expect(formatInZone('2026-01-05T14:00:00.000Z', 'America/New_York')).toBe(
      '2026-01-05 09:00:00 EST',
    );
    expect(formatInZone('2026-07-06T13:00:00.000Z', 'America/New_York')).toBe(
      '2026-07-06 09:00:00 EDT',
    );
    expect(formatInZone('2026-07-06T13:00:00.000Z', 'UTC')).toBe('2026-07-06 13:00:00 UTC');
    expect(zoneAbbreviation('2026-07-06T13:00:00.000Z', 'Asia/Tokyo')).toBe('GMT+9');
  });

  it('falls back to UTC for a zone the browser does not know', () => {
    expect(formatInZone('2026-07-06T13:00:00.000Z', 'Mars/Olympus')).toBe(
      '2026-07-06 13:00:00 UTC (zone Mars/Olympus unknown to this browser)',
    );
  });

  it('knows the viewer zone', () => {
    expect(viewerZone()).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });
});
