/**
 * Every attempt of every task, read from an execution's history (its events, oldest first): when
 * each attempt started and ended and how, the waits before them (queued, retry backoff), deferred
 * stretches, and the moments tasks were skipped or cancelled. Pure, so the timeline and the task
 * panel draw from one reading of the events, and the reading is tested on its own.
 *
 * The events (see `src/store/rows.ts`, `EventType`): `task_ready`; `task_started {attempt}`;
 * `task_completed {attempt, durationMs}`; `task_failed {attempt, error, durationMs}`;
 * `task_retry_scheduled {failedAttempt, nextAttempt, retryAtMs, error}`; `task_skipped {reason}`;
 * `task_deferred`, `task_resumed`; `task_released` (handed back at a runner's shutdown);
 * `task_recovered {recoveryAttempts, previousRunner}` (its runner went silent);
 * `task_abandoned {error}`; `workflow_paused {reason}`, `workflow_resumed`,
 * `workflow_cancelled`, `workflow_completed`, `workflow_failed`.
 */

/** One event as the timeline needs it (from the history page or the live stream). */
export interface TimelineEvent {
  readonly type: string;
  readonly taskId: string | null;
  /** Epoch milliseconds. */
  readonly atMs: number;
  readonly data: Readonly<Record<string, unknown>> | null;
}

/** How an attempt ended (or `Running` / `Deferred` while it has not). */
export type AttemptOutcome =
  | 'Running'
  | 'Deferred'
  | 'Completed'
  | 'Failed'
  | 'Cancelled'
  /** Handed back by a runner that shut down; the task runs again. */
  | 'Released'
  /** Its runner went silent; the task was recovered and runs again. */
  | 'Lost';

/** One run of a task's body. */
export interface Attempt {
  readonly taskId: string;
  /** The engine's attempt number (a recovered run keeps its number). */
  readonly attempt: number;
  /** Since when the task waited for this run (ready, or a retry scheduled), if known. */
  readonly queuedAt: number | null;
  readonly start: number;
  /** null while it runs. */
  readonly end: number | null;
  readonly outcome: AttemptOutcome;
  /** Failed, and a retry was scheduled after it. */
  readonly retried: boolean;
  readonly error: string | null;
  /** When the retry after this attempt was due (retry backoff), if one was scheduled. */
  readonly retryAt: number | null;
  /** Stretches the task was deferred (`handle.deferUntil`); `to` null while it still is. */
  readonly deferred: readonly { readonly from: number; readonly to: number | null }[];
}

/** A moment on a task's row with no run: skipped, or cancelled before it ran. */
export interface TaskMarker {
  readonly kind: 'skipped' | 'cancelled';
  readonly at: number;
  readonly reason: string | null;
}

/** One task's row. */
export interface TaskTrack {
  readonly taskId: string;
  readonly attempts: readonly Attempt[];
  readonly markers: readonly TaskMarker[];
}

/** The execution's timeline. */
export interface TimelineModel {
  /** In the order given (the graph's), then tasks only the events named. */
  readonly tracks: readonly TaskTrack[];
  /** The first event's time; null without events. */
  readonly start: number | null;
  /** The workflow's end event's time; null while it runs. */
  readonly end: number | null;
  readonly pauses: readonly {
    readonly from: number;
    readonly to: number | null;
    readonly reason: string | null;
  }[];
}

interface MutableAttempt {
  taskId: string;
  attempt: number;
  queuedAt: number | null;
  start: number;
  end: number | null;
  outcome: AttemptOutcome;
  retried: boolean;
  error: string | null;
  retryAt: number | null;
  deferred: { from: number; to: number | null }[];
}

interface MutableTrack {
  taskId: string;
  attempts: MutableAttempt[];
  markers: TaskMarker[];
  queuedAt: number | null;
  /** Completed, failed for good, skipped or cancelled. */
  settled: boolean;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * Reads `events` (any order: they are sorted by time, ties kept in the order given) into one row
 * per task, `taskIds` first in their order.
 */
export function buildTimeline(
  events: readonly TimelineEvent[],
  taskIds: readonly string[] = [],
): TimelineModel {
  const sorted = events
    .map((event, index) => ({ event, index }))
    .sort((a, b) => a.event.atMs - b.event.atMs || a.index - b.index)
    .map(({ event }) => event);
  const tracks = new Map<string, MutableTrack>();
  const track = (taskId: string): MutableTrack => {
    let t = tracks.get(taskId);
    if (t === undefined) {
      t = { taskId, attempts: [], markers: [], queuedAt: null, settled: false };
      tracks.set(taskId, t);
    }
    return t;
  };
  for (const id of taskIds) track(id);
  const open = (t: MutableTrack) => t.attempts.find((a) => a.end === null);
  const close = (a: MutableAttempt, at: number, outcome: AttemptOutcome) => {
    a.end = at;
    a.outcome = outcome;
    const last = a.deferred.at(-1);
    if (last !== undefined && last.to === null) last.to = at;
  };
  const pauses: { from: number; to: number | null; reason: string | null }[] = [];
  let end: number | null = null;

  for (const e of sorted) {
    const data = e.data ?? {};
    if (e.taskId === null) {
      if (e.type === 'workflow_paused')
        pauses.push({ from: e.atMs, to: null, reason: str(data.reason) });
      else if (e.type === 'workflow_resumed') {
        const last = pauses.at(-1);
        if (last !== undefined && last.to === null) last.to = e.atMs;
      } else if (e.type === 'workflow_cancelled') {
        end = e.atMs;
        for (const t of tracks.values()) {
          const running = open(t);
          if (running !== undefined) close(running, e.atMs, 'Cancelled');
          else if (!t.settled) t.markers.push({ kind: 'cancelled', at: e.atMs, reason: null });
          t.settled = true;
        }
      } else if (e.type === 'workflow_completed' || e.type === 'workflow_failed') {
        end = e.atMs;
      }
      continue;
    }
    const t = track(e.taskId);
    const current = open(t);
    switch (e.type) {
      case 'task_ready':
        t.queuedAt ??= e.atMs;
        break;
      case 'task_started': {
        // A start while another run is open means an event of its end is missing: close it.
        if (current !== undefined) close(current, e.atMs, 'Lost');
        t.attempts.push({
          taskId: t.taskId,
          attempt: num(data.attempt) ?? t.attempts.length + 1,
          queuedAt: t.queuedAt,
          start: e.atMs,
          end: null,
          outcome: 'Running',
          retried: false,
          error: null,
          retryAt: null,
          deferred: [],
        });
        t.queuedAt = null;
        break;
      }
      case 'task_completed':
        if (current !== undefined) close(current, e.atMs, 'Completed');
        t.settled = true;
        break;
      case 'task_failed':
      case 'task_abandoned':
        if (current !== undefined) {
          close(current, e.atMs, 'Failed');
          current.error = str(data.error);
        }
        t.settled = true;
        break;
      case 'task_retry_scheduled':
        if (current !== undefined) {
          close(current, e.atMs, 'Failed');
          current.retried = true;
          current.error = str(data.error);
          current.retryAt = num(data.retryAtMs);
        }
        t.queuedAt = e.atMs;
        break;
      case 'task_released':
        if (current !== undefined) close(current, e.atMs, 'Released');
        t.queuedAt = e.atMs;
        break;
      case 'task_recovered':
        if (current !== undefined) close(current, e.atMs, 'Lost');
        t.queuedAt = e.atMs;
        break;
      case 'task_deferred':
        if (current !== undefined) {
          current.outcome = 'Deferred';
          current.deferred.push({ from: e.atMs, to: null });
        }
        break;
      case 'task_resumed':
        if (current !== undefined) {
          current.outcome = 'Running';
          const last = current.deferred.at(-1);
          if (last !== undefined && last.to === null) last.to = e.atMs;
        }
        break;
      case 'task_skipped':
        t.markers.push({ kind: 'skipped', at: e.atMs, reason: str(data.reason) });
        t.settled = true;
        break;
      default:
        break;
    }
  }
  return {
    tracks: [...tracks.values()].map((t) => ({
      taskId: t.taskId,
      attempts: t.attempts,
      markers: t.markers,
    })),
    start: sorted[0]?.atMs ?? null,
    end,
    pauses,
  };
}

/** An attempt's length: to its end, or to `now` while it runs. */
export function attemptDuration(attempt: Attempt, now: number): number {
  return (attempt.end ?? now) - attempt.start;
}

/** The status word an attempt's bar shows (a retried failure says so). */
export function attemptLabel(attempt: Attempt): string {
  if (attempt.outcome === 'Failed' && attempt.retried) return 'Failed, retried';
  if (attempt.outcome === 'Lost') return 'Runner lost';
  return attempt.outcome;
}
