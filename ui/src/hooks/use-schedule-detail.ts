/**
 * What a trigger's and a cron schedule's detail pages share: the schedule, its history paged,
 * and live reloads (at most one a second) on the schedule's own events and on the end of an
 * execution its history lists, whose row then changes.
 */
import { api } from '../api/client.js';
import type { FeedEvent, Page } from '../api/types.js';
import { endsExecution } from '../schedule-events.js';
import { useApi, type Loaded } from './use-api.js';
import { useEvents } from './use-events.js';
import { usePagedList, type PagedList } from './use-paged-list.js';
import { useThrottled } from './use-throttled.js';

/** A history row that may name the execution it started. */
interface HistoryRow {
  readonly workflowExecutionId: string | null;
}

/** What {@link useScheduleDetail} returns. */
export interface ScheduleDetail<S, H> {
  readonly schedule: Loaded<S>;
  readonly history: PagedList<H>;
  /** Whether the live stream is connected. */
  readonly connected: boolean;
  /** Reloads both (at most once a second), e.g. after an action on the schedule. */
  readonly reload: () => void;
}

/**
 * Loads the schedule at `base` (with `query`) and its `base/history`, keeps both live; `ownEvent`
 * tells the schedule's own events (fires, polls, missed ticks) from the rest.
 */
export function useScheduleDetail<S, H extends HistoryRow>(
  base: string,
  ownEvent: (event: FeedEvent) => boolean,
  query: Record<string, string | number> = {},
): ScheduleDetail<S, H> {
  const schedule = useApi((signal) => api<S>(base, { query, signal }), [base]);
  const history = usePagedList<H>(
    (cursor, limit, signal) =>
      api<Page<H>>(`${base}/history`, { query: { cursor, limit }, signal }),
    [base],
    50,
  );
  const reload = useThrottled(() => {
    schedule.reload();
    history.reload();
  }, 1000);
  const connected = useEvents({}, (event) => {
    const listed =
      endsExecution(event) &&
      event.executionId !== null &&
      (history.items ?? []).some((row) => row.workflowExecutionId === event.executionId);
    if (ownEvent(event) || listed) reload();
  });
  return { schedule, history, connected, reload };
}
