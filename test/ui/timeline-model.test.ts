/**
 * Reading an execution's history into attempts: retries give one bar per attempt with the error
 * of each, a skipped task gets a marker at the time it was skipped, a running attempt stays open,
 * a cancel closes what ran and marks what had not, pauses and deferrals become stretches, and the
 * same event from the page and from the stream counts once.
 */
import { describe, expect, it } from 'vitest';
import {
  attemptDuration,
  attemptLabel,
  buildTimeline,
  type TimelineEvent,
} from '../../ui/src/pages/execution/timeline-model.js';
import { mergeEvents, type KeyedEvent } from '../../ui/src/pages/execution/use-execution.js';
import { axisTicks, clockLabel, preciseClock } from '../../ui/src/pages/execution/time-axis.js';

const T = 1_800_000_000_000;

function ev(
  at: number,
  type: string,
  taskId: string | null = null,
  data: Record<string, unknown> | null = null,
): TimelineEvent {
  return { type, taskId, atMs: T + at, data };
}

const FAILED_RUN: TimelineEvent[] = [
  ev(0, 'task_ready', 'extract'),
  ev(0, 'workflow_started'),
  ev(10, 'task_started', 'extract', { attempt: 1 }),
  ev(1010, 'task_completed', 'extract', { attempt: 1, durationMs: 1000 }),
  ev(1010, 'task_ready', 'transform'),
  ev(1020, 'task_started', 'transform', { attempt: 1 }),
  ev(1500, 'task_retry_scheduled', 'transform', {
    failedAttempt: 1,
    nextAttempt: 2,
    retryAtMs: T + 2500,
    error: 'boom 1',
  }),
  ev(2600, 'task_started', 'transform', { attempt: 2 }),
  ev(3000, 'task_failed', 'transform', { attempt: 2, error: 'boom 2', durationMs: 400 }),
  ev(3000, 'task_skipped', 'load', { reason: "dependency 'transform' Failed" }),
  ev(3000, 'workflow_failed', null, { durationMs: 3000, errorMessage: '1 task(s) failed' }),
];

describe('buildTimeline', () => {
  it('gives each attempt of a retried task its own bar and error, and marks the skip', () => {
    const model = buildTimeline(FAILED_RUN, ['extract', 'transform', 'load']);
    expect(model.start).toBe(T);
    expect(model.end).toBe(T + 3000);
    expect(model.tracks.map((t) => t.taskId)).toEqual(['extract', 'transform', 'load']);
    const [extract, transform, load] = model.tracks;

    expect(extract!.attempts).toHaveLength(1);
    expect(extract!.attempts[0]).toMatchObject({
      attempt: 1,
      queuedAt: T,
      start: T + 10,
      end: T + 1010,
      outcome: 'Completed',
      retried: false,
    });

    expect(transform!.attempts).toEqual([
      {
        taskId: 'transform',
        attempt: 1,
        queuedAt: T + 1010,
        start: T + 1020,
        end: T + 1500,
        outcome: 'Failed',
        retried: true,
        error: 'boom 1',
        retryAt: T + 2500,
        deferred: [],
      },
      {
        taskId: 'transform',
        attempt: 2,
        // The wait before the second attempt starts when the retry was scheduled.
        queuedAt: T + 1500,
        start: T + 2600,
        end: T + 3000,
        outcome: 'Failed',
        retried: false,
        error: 'boom 2',
        retryAt: null,
        deferred: [],
      },
    ]);
    expect(attemptLabel(transform!.attempts[0]!)).toBe('Failed, retried');
    expect(attemptLabel(transform!.attempts[1]!)).toBe('Failed');

    // The skipped task sits where it was skipped, with its reason, and never ran.
    expect(load!.attempts).toEqual([]);
    expect(load!.markers).toEqual([
      { kind: 'skipped', at: T + 3000, reason: "dependency 'transform' Failed" },
    ]);
  });

  it('reads events in time order whatever order they came in', () => {
    const shuffled = [...FAILED_RUN].reverse();
    expect(buildTimeline(shuffled, ['extract', 'transform', 'load'])).toEqual(
      buildTimeline(FAILED_RUN, ['extract', 'transform', 'load']),
    );
  });

  it('keeps a running attempt open, growing to now', () => {
    const model = buildTimeline(FAILED_RUN.slice(0, 6), ['extract', 'transform']);
    const running = model.tracks[1]!.attempts[0]!;
    expect(running.end).toBeNull();
    expect(running.outcome).toBe('Running');
    expect(model.end).toBeNull();
    expect(attemptDuration(running, T + 5020)).toBe(4000);
    expect(attemptDuration(running, T + 6020)).toBe(5000);
  });

  it('closes running attempts at a cancel and marks the tasks that had not run', () => {
    const model = buildTimeline(
      [
        ev(0, 'task_ready', 'a'),
        ev(5, 'task_started', 'a', { attempt: 1 }),
        ev(500, 'task_completed', 'a', { attempt: 1 }),
        ev(500, 'task_ready', 'b'),
        ev(510, 'task_started', 'b', { attempt: 1 }),
        ev(900, 'workflow_cancelled'),
      ],
      ['a', 'b', 'c'],
    );
    const [a, b, c] = model.tracks;
    expect(a!.markers).toEqual([]);
    expect(b!.attempts[0]).toMatchObject({ end: T + 900, outcome: 'Cancelled' });
    expect(b!.markers).toEqual([]);
    expect(c!.markers).toEqual([{ kind: 'cancelled', at: T + 900, reason: null }]);
    expect(model.end).toBe(T + 900);
  });

  it('turns pauses and deferrals into stretches', () => {
    const model = buildTimeline([
      ev(0, 'task_started', 'wait', { attempt: 1 }),
      ev(100, 'task_deferred', 'wait'),
      ev(200, 'workflow_paused', null, { reason: 'maintenance' }),
      ev(300, 'task_resumed', 'wait'),
      ev(400, 'workflow_resumed'),
      ev(450, 'task_deferred', 'wait'),
      ev(600, 'workflow_paused'),
    ]);
    expect(model.pauses).toEqual([
      { from: T + 200, to: T + 400, reason: 'maintenance' },
      { from: T + 600, to: null, reason: null },
    ]);
    const attempt = model.tracks[0]!.attempts[0]!;
    expect(attempt.outcome).toBe('Deferred');
    expect(attempt.deferred).toEqual([
      { from: T + 100, to: T + 300 },
      { from: T + 450, to: null },
    ]);
  });

  it('shows a run handed back or lost by its runner, then the run that followed', () => {
    const model = buildTimeline([
      ev(0, 'task_started', 'x', { attempt: 1 }),
      ev(100, 'task_released', 'x'),
      ev(150, 'task_started', 'x', { attempt: 1 }),
      ev(400, 'task_recovered', 'x', { recoveryAttempts: 1, previousRunner: 'r1' }),
      ev(450, 'task_started', 'x', { attempt: 1 }),
      ev(700, 'task_abandoned', 'x', { error: 'ABANDONED: lost' }),
    ]);
    const attempts = model.tracks[0]!.attempts;
    expect(attempts.map((a) => [a.attempt, a.outcome, a.start - T, a.end! - T])).toEqual([
      [1, 'Released', 0, 100],
      [1, 'Lost', 150, 400],
      [1, 'Failed', 450, 700],
    ]);
    expect(attempts[2]!.error).toBe('ABANDONED: lost');
    expect(attemptLabel(attempts[1]!)).toBe('Runner lost');
  });

  it('is empty without events, with a row for each known task', () => {
    const model = buildTimeline([], ['a', 'b']);
    expect(model.start).toBeNull();
    expect(model.tracks.map((t) => [t.taskId, t.attempts.length, t.markers.length])).toEqual([
      ['a', 0, 0],
      ['b', 0, 0],
    ]);
  });
});

describe('mergeEvents', () => {
  const keyed = (at: number, type: string, taskId: string | null = null): KeyedEvent => ({
    ...ev(at, type, taskId),
    key: `${type}/${taskId}/${at}`,
  });

  it('adds only the events it lacks, in time order', () => {
    const page = [keyed(0, 'task_ready', 'a'), keyed(10, 'task_started', 'a')];
    const live = [keyed(10, 'task_started', 'a'), keyed(20, 'task_completed', 'a'), keyed(5, 'x')];
    expect(mergeEvents(page, live).map((e) => e.key)).toEqual([
      'task_ready/a/0',
      'x/null/5',
      'task_started/a/10',
      'task_completed/a/20',
    ]);
    expect(mergeEvents(page, page)).toEqual(page);
  });
});

describe('the time axis', () => {
  it('picks round steps, at most about eight ticks', () => {
    expect(axisTicks(T, T + 3000).step).toBe(500);
    expect(axisTicks(T, T + 60_000).step).toBe(10_000);
    expect(axisTicks(T, T + 3_600_000).step).toBe(600_000);
    const { step, ticks } = axisTicks(T + 123, T + 10_123);
    expect(step).toBe(2000);
    expect(ticks.every((t) => t % step === 0)).toBe(true);
    expect(ticks.length).toBeLessThanOrEqual(8);
  });

  it('labels ticks as clock times, with a fraction between whole seconds', () => {
    const at = Date.UTC(2026, 11, 5, 14, 3, 7, 250);
    expect(clockLabel(at, 1000, 'UTC')).toBe('14:03:07');
    expect(clockLabel(at, 250, 'UTC')).toBe('14:03:07.25');
    expect(clockLabel(at + 250, 500, 'UTC')).toBe('14:03:07.5');
    expect(clockLabel(at - 250, 500, 'UTC')).toBe('14:03:07');
    expect(preciseClock(at - 250, 'UTC')).toBe('14:03:07.000');
  });
});
