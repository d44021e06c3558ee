/**
 * Everything the execution page shows, kept live: the execution, its tasks with their
 * dependencies, and its whole history of events. Live events are appended to the history at once
 * (the timeline moves without a request); task and workflow events also re-read the execution and
 * its tasks, at most once per {@link REFRESH_DEBOUNCE_MS}; log lines only go to listeners (the
 * task panel), never to a re-read.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../../api/client.js';
import type {
  Execution,
  ExecutionEvent,
  ExecutionExtras,
  ExecutionTasks,
  FeedEvent,
  Page,
} from '../../api/types.js';
import { useApi, type Loaded } from '../../hooks/use-api.js';
import { useEvents } from '../../hooks/use-events.js';
import type { TimelineEvent } from './timeline-model.js';

/** Task and workflow events closer together than this cause one re-read. */
export const REFRESH_DEBOUNCE_MS = 150;
const EVENT_PAGE = 1000;
/** Live events arriving within this many milliseconds are added to the history together. */
const LIVE_BATCH_MS = 50;

/** An event of the history with a key telling the same event from two sources apart. */
export interface KeyedEvent extends TimelineEvent {
  readonly key: string;
}

/** What {@link useExecution} returns. */
export interface ExecutionData {
  readonly execution: Loaded<Execution & ExecutionExtras>;
  readonly tasks: Loaded<ExecutionTasks>;
  /** The history so far, oldest first; undefined until the first read. */
  readonly events: readonly KeyedEvent[] | undefined;
  readonly eventsError: ApiError | undefined;
  /** Whether the live stream is connected. */
  readonly connected: boolean;
  /** Hears every live event of the execution (log lines included); returns the unsubscribe. */
  readonly subscribe: (listener: (event: FeedEvent) => void) => () => void;
  /** Re-reads the execution and its tasks now (after an action). */
  readonly refresh: () => void;
}

/** The history's key of an event: what it is, not where it came from (the page or the stream). */
function keyOf(type: string, taskId: string | null, atMs: number, data: unknown): string {
  return `${type}\u0000${taskId ?? ''}\u0000${atMs}\u0000${JSON.stringify(data)}`;
}

function fromHistory(e: ExecutionEvent): KeyedEvent {
  const atMs = Date.parse(e.createdAt);
  return {
    type: e.type,
    taskId: e.taskId,
    atMs,
    data: e.data,
    key: keyOf(e.type, e.taskId, atMs, e.data),
  };
}

function fromFeed(e: FeedEvent): KeyedEvent {
  const atMs = Date.parse(e.at);
  return {
    type: e.type,
    taskId: e.taskId,
    atMs,
    data: e.data,
    key: keyOf(e.type, e.taskId, atMs, e.data),
  };
}

/** `base` with the events of `more` it lacks, oldest first (ties keep their order). */
export function mergeEvents(
  base: readonly KeyedEvent[],
  more: readonly KeyedEvent[],
): KeyedEvent[] {
  const seen = new Set(base.map((e) => e.key));
  const added = more.filter((e) => !seen.has(e.key));
  if (added.length === 0) return [...base];
  return [...base, ...added]
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.atMs - b.e.atMs || a.i - b.i)
    .map(({ e }) => e);
}

/** Reads every page of an execution's history. */
async function loadHistory(id: string, signal: AbortSignal): Promise<KeyedEvent[]> {
  const all: KeyedEvent[] = [];
  let cursor: string | null = null;
  do {
    const page: Page<ExecutionEvent> = await api<Page<ExecutionEvent>>(
      `v1/executions/${encodeURIComponent(id)}/events`,
      { query: { limit: EVENT_PAGE, cursor }, signal },
    );
    all.push(...page.items.map(fromHistory));
    cursor = page.nextCursor;
  } while (cursor !== null);
  return all;
}

/** Loads execution `id` and follows it live while the page is open. */
export function useExecution(id: string): ExecutionData {
  const path = `v1/executions/${encodeURIComponent(id)}`;
  const execution = useApi((signal) => api<Execution & ExecutionExtras>(path, { signal }), [id]);
  const tasks = useApi((signal) => api<ExecutionTasks>(`${path}/tasks`, { signal }), [id]);
  const [events, setEvents] = useState<KeyedEvent[] | undefined>(undefined);
  const [eventsError, setEventsError] = useState<ApiError | undefined>(undefined);
  const [historyGeneration, setHistoryGeneration] = useState(0);
  const listeners = useRef(new Set<(event: FeedEvent) => void>());
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  useEffect(() => {
    const abort = new AbortController();
    loadHistory(id, abort.signal).then(
      (loaded) => {
        if (abort.signal.aborted) return;
        // Live events that arrived meanwhile are kept: the union is the history.
        setEvents((current) => mergeEvents(loaded, current ?? []));
        setEventsError(undefined);
      },
      (error: unknown) => {
        if (abort.signal.aborted) return;
        setEventsError(
          error instanceof ApiError ? error : new ApiError(0, 'CLIENT', String(error)),
        );
      },
    );
    return () => abort.abort();
  }, [id, historyGeneration]);

  const refresh = useCallback(() => {
    clearTimeout(timer.current);
    timer.current = undefined;
    execution.reload();
    tasks.reload();
  }, [execution.reload, tasks.reload]);

  useEffect(() => () => clearTimeout(timer.current), []);

  // Live events reach the history in batches, one render per batch: a wide execution can send
  // hundreds of events a second, and each render reads the whole history into the timeline.
  const pending = useRef<KeyedEvent[]>([]);
  const flushTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const flush = useCallback(() => {
    flushTimer.current = undefined;
    const batch = pending.current;
    pending.current = [];
    if (batch.length > 0) setEvents((current) => mergeEvents(current ?? [], batch));
  }, []);
  useEffect(() => () => clearTimeout(flushTimer.current), []);
  // A new id starts from nothing, not from the previous execution's history.
  useEffect(() => {
    pending.current = [];
    setEvents(undefined);
  }, [id]);

  const connected = useEvents({ executionId: id }, (event) => {
    for (const listener of listeners.current) listener(event);
    if (event.type === 'task_log') return;
    pending.current.push(fromFeed(event));
    flushTimer.current ??= setTimeout(flush, LIVE_BATCH_MS);
    timer.current ??= setTimeout(refresh, REFRESH_DEBOUNCE_MS);
  });

  // The stream starts at "now" when it connects: what happened between the first reads and the
  // connection (or during a drop the server could not replay) is read again once connected.
  const wasConnected = useRef(false);
  useEffect(() => {
    if (connected && !wasConnected.current) {
      setHistoryGeneration((g) => g + 1);
      refresh();
    }
    wasConnected.current = connected;
  }, [connected]);

  const subscribe = useCallback((listener: (event: FeedEvent) => void) => {
    listeners.current.add(listener);
    return () => listeners.current.delete(listener);
  }, []);

  return { execution, tasks, events, eventsError, connected, subscribe, refresh };
}
