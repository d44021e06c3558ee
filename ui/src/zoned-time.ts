/**
 * Instants shown in a named IANA zone with the zone's abbreviation (`2026-12-07 09:00:00 EST`),
 * so a cron schedule's times can be read both where the schedule lives and where the viewer is.
 */
import { formatTime } from './format.js';

/** The viewer's IANA zone (the browser's), e.g. `Europe/Paris`. */
export function viewerZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** The zone's short name at that instant (`EST`, `CEST`, `GMT+9`), or '' for a bad zone. */
export function zoneAbbreviation(iso: string, timeZone: string): string {
  try {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone,
      timeZoneName: 'short',
    }).formatToParts(new Date(iso));
    return parts.find((p) => p.type === 'timeZoneName')?.value ?? '';
  } catch {
    return '';
  }
}

/**
 * `iso` as wall-clock time in `timeZone` followed by the zone's abbreviation. A zone this browser
 * does not know falls back to UTC, and says so, rather than throwing.
 */
export function formatInZone(iso: string, timeZone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    return `${formatTime(iso, 'UTC')} UTC (zone ${timeZone} unknown to this browser)`;
  }
  const abbreviation = zoneAbbreviation(iso, timeZone);
  return `${formatTime(iso, timeZone)}${abbreviation === '' ? '' : ` ${abbreviation}`}`;
}
