/**
 * Which schedule a live event is about. Trigger events carry `{ trigger, … }` in `data`
 * (`trigger_fired`, `trigger_suppressed`, `trigger_poll_failed`); cron events carry
 * `{ scheduleId, … }` (`cron_fired`, `cron_missed`). Polls that skip write no event.
 */
import type { FeedEvent } from './api/types.js';

/** The trigger a `trigger_*` event names, else null. */
export function triggerOfEvent(event: Pick<FeedEvent, 'type' | 'data'>): string | null {
  if (!event.type.startsWith('trigger_')) return null;
  const name = event.data?.['trigger'];
  return typeof name === 'string' ? name : null;
}

/** The cron schedule a `cron_*` event names, else null. */
export function cronScheduleOfEvent(event: Pick<FeedEvent, 'type' | 'data'>): string | null {
  if (!event.type.startsWith('cron_')) return null;
  const id = event.data?.['scheduleId'];
  return typeof id === 'string' ? id : null;
}

/** True for the events that end an execution (its row in a history changes status). */
export function endsExecution(event: Pick<FeedEvent, 'type'>): boolean {
  return (
    event.type === 'workflow_completed' ||
    event.type === 'workflow_failed' ||
    event.type === 'workflow_cancelled'
  );
}
