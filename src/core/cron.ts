/**
 * Cron expressions evaluated in an IANA time zone.
 *
 * croner does the pattern matching, but only on a calendar without daylight saving time: we
 * enumerate matching *local wall-clock times* with croner in UTC, and map each one to an instant
 * ourselves. Owning that mapping is what makes the DST rule below hold for every expression.
 * croner's own zone handling follows Vixie cron instead, where the answer depends on the shape
 * of the expression (see `docs/cron-dst.md`).
 *
 * DST rule, for every expression (croner alone would skip gap times and fire repeated times
 * twice for expressions with a wildcard, step, list or range in the time fields):
 * - A local time that does not exist (spring forward) fires **once, at the first instant after
 *   the gap**. `30 2 * * *` in America/New_York on 2025-03-09 fires at 03:00 EDT (07:00Z).
 *   Several matching times in one gap (`0,15,30,45 * * * *`) fire once between them, at that
 *   instant, which is also where a match at the gap's end (03:00) fires.
 * - A local time that occurs twice (fall back) fires **once, at its first occurrence**.
 *   `30 1 * * *` in America/New_York on 2025-11-02 fires at 01:30 EDT (05:30Z), never also at
 *   01:30 EST (06:30Z). This holds for interval expressions too: `0,15,30,45 * * * *` fires at
 *   01:00-01:45 EDT, then next at 02:00 EST, with no fire during the repeated hour.
 */

import { Cron } from 'croner';
import { CronError } from '../errors.js';
import { describeValue } from './describe.js';

/** Nicknames croner expands; `@reboot` is not one of them here (there is no reboot event). */
const NICKNAMES = new Set([
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@midnight',
  '@hourly',
]);

const SECOND_MS = 1_000;
const DAY_MS = 86_400_000;

/** A parsed expression, bound to a zone. */
interface Compiled {
  /** croner job in UTC, paused and without a function, so it never starts a timer. */
  readonly pattern: Cron;
  readonly zone: Zone;
}

/**
 * Checks an expression and a time zone.
 *
 * Accepted: 5 fields (`minute hour day-of-month month day-of-week`), or 6 with a leading
 * `second` field; names such as `MON-FRI` and `JAN`; `L`, `W`, `#`; and the nicknames
 * `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`. When both
 * day-of-month and day-of-week are restricted, a day matching either fires (classic cron).
 *
 * @throws {CronError} naming the expression or the zone, with the reason: a wrong number of
 *   fields (a 7th `year` field is not supported), a value out of range, an unknown IANA zone,
 *   or an expression that never fires (such as `0 0 30 2 *`).
 */
export function validateCron(expression: string, timezone: string): void {
  compile(expression, timezone);
}

/**
 * The first fire time strictly after `afterMs` (epoch ms), or `null` when the expression never
 * fires again (croner searches up to the year 3000). Fire times are whole seconds. See the
 * module comment for DST.
 *
 * @throws {CronError} when the expression or the zone is invalid.
 * @throws {RangeError} when `afterMs` is not a finite number.
 */
export function nextCronTime(expression: string, timezone: string, afterMs: number): number | null {
  const first = fireTimes(compile(expression, timezone), afterMs).next();
  return first.done === true ? null : first.value;
}

/**
 * Fire times `t` with `afterMs < t <= untilMs`, oldest first, at most `limit` of them (used for
 * catch-up after downtime). Work is proportional to the times returned, not to the range, so a
 * large range with a small limit is cheap. A `limit` of 0 or less returns `[]`.
 *
 * @throws {CronError} when the expression or the zone is invalid.
 * @throws {RangeError} when `afterMs` is not a finite number.
 */
export function cronTimesBetween(
  expression: string,
  timezone: string,
  afterMs: number,
  untilMs: number,
  limit: number,
): number[] {
  const compiled = compile(expression, timezone);
  const out: number[] = [];
  const times = fireTimes(compiled, afterMs);
  if (!(limit > 0) || !(untilMs > afterMs)) return out;
  for (const t of times) {
    if (t > untilMs) break;
    out.push(t);
    if (out.length >= limit) break;
  }
  return out;
}

/**
 * Fire instants after `afterMs`, in order, each once.
 *
 * Local (wall-clock) times are handled as "naive" epoch ms: the UTC instant with the same
 * calendar fields. Mapping a naive time to an instant is monotonic (gap times all map to the
 * gap's end, an ambiguous time to its first occurrence), so instants come out sorted and a
 * repeated instant can only be the one just emitted.
 */
function* fireTimes(compiled: Compiled, afterMs: number): Generator<number, void, undefined> {
  if (!Number.isFinite(afterMs)) {
    // Callers pass clock readings; anything else is an engine bug worth a clear message.
    throw new RangeError(`A cron reference time must be finite epoch ms; received ${afterMs}.`);
  }
  const { pattern, zone } = compiled;
  // No local time before the one showing at `afterMs` can map to a later instant: before a
  // fall back the first occurrence is earlier, and a gap lies wholly after it.
  let cursor = afterMs + zone.offsetAt(afterMs);
  let last = Number.NEGATIVE_INFINITY;
  for (;;) {
    // croner returns the next match strictly after the cursor, on whole seconds.
    const next = pattern.nextRun(new Date(cursor));
    if (next === null) return;
    const local = next.getTime();
    const { instant, inGap } = zone.toInstant(local);
    // A gap time maps to the gap's end; every later time in the gap maps there too, so go on
    // from the local time showing at that instant.
    cursor = inGap ? Math.max(local, instant + zone.offsetAt(instant)) : local;
    if (instant <= afterMs) {
      // Only when `afterMs` is in the second pass of a repeated hour: these local times fired
      // at their first occurrence, already past. Skip the rest of the repeated period at once
      // (a per-second schedule would otherwise walk 3,600 of them): in local time it ends
      // where the clock was set back from.
      const setBack = zone.transitionBetween(instant, afterMs);
      if (setBack !== null) cursor = Math.max(cursor, setBack + zone.offsetAt(instant) - 1);
      continue;
    }
    if (instant === last) continue;
    last = instant;
    yield instant;
  }
}

/** Compiled expressions, keyed by zone and expression: catch-up and the loop ask repeatedly. */
const cache = new Map<string, Compiled>();
const CACHE_LIMIT = 256;

function compile(expression: string, timezone: string): Compiled {
  const key = `${timezone}\u0000${expression}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const compiled: Compiled = { pattern: parse(expression), zone: zoneFor(timezone) };
  // Checked once per expression; croner searches up to the year 3000, which is quick.
  if (compiled.pattern.nextRun(new Date(0)) === null) {
    throw new CronError(
      `Cron expression '${expression}' never fires: no date matches it (for example the 30th ` +
        'of February). Check the day-of-month and month fields.',
    );
  }
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  cache.set(key, compiled);
  return compiled;
}

function parse(expression: string): Cron {
  if (typeof expression !== 'string') {
    throw new CronError(
      `A cron expression must be a string; received ${describeValue(expression)}.`,
    );
  }
  const text = expression.trim();
  const fields = text.split(/\s+/);
  if (text.startsWith('@')) {
    if (!NICKNAMES.has(text.toLowerCase())) {
      throw new CronError(
        `Cron expression '${expression}' is not supported: the only nicknames are ` +
          `${[...NICKNAMES].join(', ')}.`,
      );
    }
  } else if (fields.length !== 5 && fields.length !== 6) {
    const hint =
      fields.length === 7
        ? ' A 7th (year) field is not supported.'
        : text === ''
          ? ' It is empty.'
          : '';
    throw new CronError(
      `Cron expression '${expression}' has ${text === '' ? 0 : fields.length} field(s); expected 5 ` +
        `('minute hour day-of-month month day-of-week') or 6 with a leading seconds field.${hint}`,
    );
  }
  try {
    // utcOffset 0: a calendar without DST, so croner enumerates local wall-clock times as they
    // are written; the zone is applied by Zone.toInstant.
    return new Cron(text, { utcOffset: 0, paused: true, mode: '5-or-6-parts' });
  } catch (error) {
    const reason =
      error instanceof Error ? error.message.replace(/^CronPattern:\s*/, '') : String(error);
    throw new CronError(`Invalid cron expression '${expression}': ${reason}`, { cause: error });
  }
}

/** How a time zone maps instants to local time and back. */
interface Zone {
  /** Local time minus UTC at `instant`, in ms. */
  offsetAt(instant: number): number;
  /**
   * The instant a local (naive) time fires at: itself when it exists once, the first occurrence
   * when it exists twice, and the first instant after the gap when it does not exist.
   */
  toInstant(local: number): { instant: number; inGap: boolean };
  /** The first instant in `(lo, hi]` whose offset differs from `lo`'s, or `null` if none. */
  transitionBetween(lo: number, hi: number): number | null;
}

const zones = new Map<string, Zone>();

const FIXED_UTC: Zone = {
  offsetAt: () => 0,
  toInstant: (local) => ({ instant: local, inGap: false }),
  transitionBetween: () => null,
};

function zoneFor(timezone: string): Zone {
  const known = zones.get(timezone);
  if (known !== undefined) return known;
  if (typeof timezone !== 'string' || timezone.trim() === '') {
    throw new CronError(
      `A cron time zone must be an IANA zone name such as 'UTC' or 'Europe/Paris'; received ${describeValue(timezone)}.`,
    );
  }
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch (error) {
    throw new CronError(
      `Unknown time zone '${timezone}': use an IANA zone name such as 'UTC', ` +
        `'America/New_York' or 'Europe/Paris'.`,
      { cause: error },
    );
  }
  const resolved = format.resolvedOptions().timeZone;
  const zone = resolved === 'UTC' || resolved === 'Etc/UTC' ? FIXED_UTC : intlZone(format);
  zones.set(timezone, zone);
  return zone;
}

function intlZone(format: Intl.DateTimeFormat): Zone {
  const offsetAt = (instant: number): number => {
    const whole = Math.floor(instant / SECOND_MS) * SECOND_MS;
    const f: Record<string, number> = {};
    for (const part of format.formatToParts(whole)) {
      if (part.type !== 'literal') f[part.type] = Number(part.value);
    }
    const naive = Date.UTC(
      f['year'] ?? 0,
      (f['month'] ?? 1) - 1,
      f['day'] ?? 1,
      f['hour'] ?? 0,
      f['minute'] ?? 0,
      f['second'] ?? 0,
    );
    return naive - whole;
  };

  const transitionBetween = (from: number, to: number): number | null => {
    // Whole seconds: transitions fall on them, and so do the local times croner returns.
    let lo = Math.floor(from / SECOND_MS) * SECOND_MS;
    let hi = Math.floor(to / SECOND_MS) * SECOND_MS;
    const initial = offsetAt(lo);
    if (hi <= lo || offsetAt(hi) === initial) return null;
    while (hi - lo > SECOND_MS) {
      const mid = lo + Math.floor((hi - lo) / (2 * SECOND_MS)) * SECOND_MS;
      if (offsetAt(mid) === initial) lo = mid;
      else hi = mid;
    }
    return hi;
  };

  const toInstant = (local: number): { instant: number; inGap: boolean } => {
    // The offsets a day either side bracket the transition, if any, near `local`. This assumes
    // a zone changes offset at most once within two days, as every current tzdb rule does.
    // Equal offsets then mean no transition: the fast path, two lookups.
    const before = offsetAt(local - DAY_MS);
    const after = offsetAt(local + DAY_MS);
    if (before === after) return { instant: local - before, inGap: false };
    // Fall back (after < before): both candidates may show `local`; keep the first occurrence.
    // Spring forward (after > before): at most one does; none means `local` is in the gap.
    const first = local - before;
    if (offsetAt(first) === before) return { instant: first, inGap: false };
    const second = local - after;
    if (offsetAt(second) === after) return { instant: second, inGap: false };
    // In the gap: the first instant after it is the transition, between the two candidates.
    return { instant: transitionBetween(second, first) ?? first, inGap: true };
  };

  return { offsetAt, toInstant, transitionBetween };
}
