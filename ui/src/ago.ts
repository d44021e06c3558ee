/**
 * Ages read at render time. Pages re-render on a timer (`useNow`) and on every reload, so the
 * clock is read when the text is drawn: a timestamp that arrived after the timer's last tick
 * would otherwise look like it is in the future ("in 120 ms").
 */
import { formatAgo } from './format.js';

/**
 * How long ago `iso` was (`5 s ago`). Never in the future: a server clock slightly ahead of the
 * browser's reads as "0 s ago".
 */
export function sinceText(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '';
  const at = Date.parse(iso);
  return formatAgo(iso, Number.isNaN(at) ? Date.now() : Math.max(Date.now(), at));
}

/** How far `iso` is from now, either way (`in 2 d 03 h`, `in 5.0 s`, `5 s ago`). */
export function relativeText(iso: string): string {
  const ms = Date.parse(iso) - Date.now();
  if (!(ms >= 86_400_000)) return formatAgo(iso, Date.now());
  const hours = Math.floor(ms / 3_600_000);
  return `in ${Math.floor(hours / 24)} d ${String(hours % 24).padStart(2, '0')} h`;
}
