/**
 * Durations in options: a number of milliseconds, or a short string such as `'5s'` or `'1h30m'`.
 * Parsing collects a message instead of throwing so that option resolvers can report every
 * problem of a configuration at once.
 */

import { ConfigError } from '../errors.js';
import { describeValue } from './describe.js';
import { MAX_DURATION_MS } from './limits.js';

/**
 * A duration: a number of milliseconds (finite, ≥ 0), or a string of one or more
 * `<number><unit>` parts with units `ms`, `s`, `m`, `h`, `d`, `w` (7 days) from largest to
 * smallest, e.g. `'250ms'`, `'1.5s'`, `'2m'`, `'1h30m'`, `'1d 2h'`, `'2w'`.
 */
export type Duration = number | string;

const UNIT_MS = {
  w: 604_800_000,
  d: 86_400_000,
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
  ms: 1,
} as const;
type Unit = keyof typeof UNIT_MS;
/** Units in the only order they may appear, so `'30m1h'` or `'1s2s'` are rejected as typos. */
const UNIT_ORDER: readonly Unit[] = ['w', 'd', 'h', 'm', 's', 'ms'];
// `ms` must be tried before `m` and `s`; the lookahead stops `1m` from matching in `1ms`.
const PART = /(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h|d|w)(?![a-z])\s*/gy;

const ACCEPTED =
  "a number of milliseconds (finite, >= 0) or a string like '250ms', '5s', '1.5m', '2h', '1d', " +
  `'1w' or '1h30m', at most ${MAX_DURATION_MS} ms ('3650d')`;

/**
 * Checks a duration option. Returns `null` when `value` is a valid {@link Duration}, else a
 * message naming `label`, the value received and the accepted forms.
 */
export function durationProblem(value: unknown, label: string): string | null {
  return toMs(value) === undefined
    ? `${label} must be ${ACCEPTED}; received ${describeValue(value)}.`
    : null;
}

/**
 * Converts a {@link Duration} to whole milliseconds (rounded to the nearest ms, so stored
 * integer columns and timers agree). Throws {@link ConfigError} naming `label` when invalid.
 */
export function parseDuration(value: unknown, label: string): number {
  const ms = toMs(value);
  if (ms === undefined) throw new ConfigError(durationProblem(value, label) ?? label);
  return ms;
}

function toMs(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? withinMax(Math.round(value)) : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  PART.lastIndex = 0;
  let total = 0;
  let nextUnit = 0;
  while (PART.lastIndex < text.length) {
    const match = PART.exec(text);
    if (match === null) return undefined;
    const unitIndex = UNIT_ORDER.indexOf(match[2] as Unit);
    if (unitIndex < nextUnit) return undefined;
    nextUnit = unitIndex + 1;
    total += Number(match[1]) * UNIT_MS[match[2] as Unit];
  }
  return Number.isFinite(total) ? withinMax(Math.round(total)) : undefined;
}

function withinMax(ms: number): number | undefined {
  return ms <= MAX_DURATION_MS ? ms : undefined;
}

/**
 * A short human form for tables and logs: `'850ms'`, `'1.2s'`, `'3m 4s'`, `'1h 2m'`, `'2d 3h'`.
 * Precision drops as the duration grows; this is for reading, not for parsing back exactly.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  // Round once at the precision shown, so 59.96s becomes '1m' rather than '60.0s'.
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${tenths % 10 === 0 ? tenths / 10 : (tenths / 10).toFixed(1)}s`;
  const seconds = Math.round(ms / 1_000);
  if (seconds < 3_600) return pair(Math.floor(seconds / 60), 'm', seconds % 60, 's');
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1_440) return pair(Math.floor(minutes / 60), 'h', minutes % 60, 'm');
  const hours = Math.round(ms / 3_600_000);
  return pair(Math.floor(hours / 24), 'd', hours % 24, 'h');
}

function pair(big: number, bigUnit: string, small: number, smallUnit: string): string {
  return small === 0 ? `${big}${bigUnit}` : `${big}${bigUnit} ${small}${smallUnit}`;
}
