/**
 * Pure decisions of the cron loop: which scheduled times a due schedule fires now, which it
 * skips, and when it runs next. No I/O: the loop turns the plan into one
 * compare-and-set claim.
 */
import { cronTimesBetween, nextCronTime } from '../../core/cron.js';
import type { JsonObject } from '../../core/json.js';
import type { CronMissed, CronScheduleRecord } from '../../store/store.js';

/**
 * Most scheduled times enumerated to count a downtime's missed ticks. Beyond it the count is
 * reported as "at least" this many, which bounds the work of a claim after a long outage of a
 * per-second schedule.
 */
export const MISSED_COUNT_LIMIT = 10_000;

/** Context keys set by the cron loop on every run. */
export const RESERVED_CRON_KEYS = [
  'scheduled_time',
  'schedule_id',
  'schedule_timezone',
  'schedule_expression',
] as const;

/** What a claim of a due schedule does. */
export interface FirePlan {
  /** Scheduled times to fire now, oldest first. */
  readonly times: readonly number[];
  readonly missed: CronMissed | null;
  readonly nextRunAtMs: number | null;
}

/**
 * The first run strictly after `afterMs` that respects the schedule's start and end dates, or
 * `null` when there is none (past `endAtMs`), so a finished schedule never busy-loops.
 */
export function nextRunAfter(
  schedule: Pick<CronScheduleRecord, 'expression' | 'timezone' | 'startAtMs' | 'endAtMs'>,
  afterMs: number,
): number | null {
  const from = schedule.startAtMs === null ? afterMs : Math.max(afterMs, schedule.startAtMs - 1);
  const next = nextCronTime(schedule.expression, schedule.timezone, from);
  if (next === null) return null;
  return schedule.endAtMs !== null && next > schedule.endAtMs ? null : next;
}

/** Plans the claim of a schedule whose `nextRunAtMs` is at or before `nowMs`. */
export function planFire(
  schedule: CronScheduleRecord,
  nowMs: number,
  maxCatchup: number,
): FirePlan {
  const seen = schedule.nextRunAtMs ?? nowMs;
  const until = schedule.endAtMs === null ? nowMs : Math.min(nowMs, schedule.endAtMs);
  const { expression: expr, timezone: tz } = schedule;
  // `seen` itself is a due time: enumerate from just before it.
  const due = cronTimesBetween(expr, tz, seen - 1, until, MISSED_COUNT_LIMIT + 1);
  const capped = due.length > MISSED_COUNT_LIMIT;
  const nextRunAtMs = nextRunAfter(schedule, nowMs);
  if (due.length === 0) return { times: [], missed: null, nextRunAtMs };

  let times: number[];
  let skipped: number[];
  if (schedule.catchupPolicy === 'run_all') {
    times = due.slice(0, maxCatchup);
    skipped = due.slice(maxCatchup);
  } else {
    const latest = capped ? latestTime(expr, tz, seen - 1, until) : due[due.length - 1]!;
    times = [latest];
    skipped = due.filter((t) => t !== latest);
  }
  if (skipped.length === 0) return { times, missed: null, nextRunAtMs };
  const count = capped ? Math.max(MISSED_COUNT_LIMIT, skipped.length) : skipped.length;
  const first = skipped[0]!;
  const last = skipped[skipped.length - 1]!;
  const why =
    schedule.catchupPolicy === 'run_all'
      ? `beyond cronMaxCatchupExecutions (${maxCatchup})`
      : `catch-up policy 'skip' ran only the most recent time`;
  const message =
    `${capped ? 'at least ' : ''}${count} scheduled time(s) missed while no runner fired them, ` +
    `from ${iso(first)}${capped ? '' : ` to ${iso(last)}`}: not run (${why}).`;
  return { times, missed: { count, firstMs: first, message }, nextRunAtMs };
}

/**
 * The latest scheduled time in `(afterMs, untilMs]`, found by widening a window back from
 * `untilMs`, so a long outage of a frequent schedule costs work near its end only.
 */
function latestTime(expr: string, tz: string, afterMs: number, untilMs: number): number {
  for (let width = 60_000; ; width *= 2) {
    let from = Math.max(afterMs, untilMs - width);
    let latest: number | undefined;
    for (;;) {
      const chunk = cronTimesBetween(expr, tz, from, untilMs, 1_000);
      if (chunk.length === 0) break;
      latest = chunk[chunk.length - 1]!;
      if (chunk.length < 1_000) break;
      from = latest;
    }
    if (latest !== undefined) return latest;
    if (from <= afterMs) return untilMs; // unreachable: the caller found times in the range
  }
}

/** The context of one run: the schedule's own context plus the reserved keys. */
export function runContext(schedule: CronScheduleRecord, scheduledTimeMs: number): JsonObject {
  return {
    ...schedule.context,
    scheduled_time: iso(scheduledTimeMs),
    schedule_id: schedule.id,
    schedule_timezone: schedule.timezone,
    schedule_expression: schedule.expression,
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
