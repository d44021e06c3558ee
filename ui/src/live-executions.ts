/**
 * What a live event means for a row of the executions list: the status an execution event moves
 * it to (shown at once, before the list is read again), and which events may add a row.
 */
import type { ExecutionSummary, FeedEvent } from './api/types.js';

/** The status each execution event leads to. */
const STATUS_AFTER: Record<string, ExecutionSummary['status']> = {
  workflow_started: 'Running',
  workflow_resumed: 'Running',
  workflow_paused: 'Paused',
  workflow_completed: 'Completed',
  workflow_failed: 'Failed',
  workflow_cancelled: 'Cancelled',
  workflow_queued: 'Queued',
  workflow_admitted: 'Pending',
};

const ENDED = new Set(['workflow_completed', 'workflow_failed', 'workflow_cancelled']);

/**
 * The change `event` makes to its execution's row (status and, at its start or end, the time),
 * or null when it changes no status.
 */
export function liveStatusPatch(
  event: FeedEvent,
): ((row: ExecutionSummary) => ExecutionSummary) | null {
  const status = STATUS_AFTER[event.type];
  if (status === undefined) return null;
  return (row) => ({
    ...row,
    // A resumed execution of a workflow with a concurrency limit waits for a place again, and
    // one with a rate limit that had not started waits for its window; one that had not started
    // yet goes back to Scheduled while its start time is ahead, else to Pending, as the engine
    // has it. An admitted one that had started runs on.
    status:
      event.type === 'workflow_resumed' &&
      (row.concurrency !== null || (row.rateLimit !== null && row.startedAt === null))
        ? 'Queued'
        : event.type === 'workflow_admitted' && row.startedAt !== null
          ? 'Running'
          : event.type === 'workflow_resumed' && row.startedAt === null
            ? row.runAt !== null && Date.parse(row.runAt) > Date.parse(event.at)
              ? 'Scheduled'
              : 'Pending'
            : status,
    startedAt: event.type === 'workflow_started' ? (row.startedAt ?? event.at) : row.startedAt,
    completedAt: ENDED.has(event.type) ? (row.completedAt ?? event.at) : row.completedAt,
  });
}

/**
 * True when `event` may put an execution into a filtered list it was not in: it was created (its
 * first tasks become ready, a trigger or cron fired it) or its status changed. Other task events
 * and logs change no membership, so they cause no reload of a page that does not show them.
 */
export function mayAddRow(event: FeedEvent): boolean {
  return (
    event.type.startsWith('workflow_') ||
    event.type === 'task_ready' ||
    event.type === 'task_skipped' ||
    event.type === 'trigger_fired' ||
    event.type === 'cron_fired'
  );
}
