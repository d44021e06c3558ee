/**
 * The live event stream (`GET v1/events/stream`) read with `fetch`, because the browser's
 * `EventSource` cannot send the `Authorization` header. The stream is parsed by
 * `eventsource-parser`; after a drop it reconnects with `Last-Event-ID`, which the server answers
 * with exactly the events missed, so a listener sees every event once.
 */
import { createParser } from 'eventsource-parser';
import { apiUrl, authHeaders } from './client.js';
import { setSessionState } from './session.js';
import type { FeedEvent } from './types.js';

/** Which events to receive. */
export interface EventFilter {
  readonly executionId?: string;
  readonly workflow?: string;
}

/** A stream that stayed open this long was healthy: the next drop retries quickly again. */
const HEALTHY_STREAM_MS = 10_000;

/** Backoff between reconnects: quick at first, at most 5 s. */
const RETRY_MS = [250, 500, 1000, 2000, 5000] as const;

/**
 * Calls `onEvent` for every event matching `filter` from now on, until the returned function is
 * called. `onStatus` hears whether the stream is connected (for a "live" indicator).
 */
export function subscribeEvents(
  filter: EventFilter,
  onEvent: (event: FeedEvent) => void,
  onStatus?: (connected: boolean) => void,
): () => void {
  const abort = new AbortController();
  let lastEventId: string | null = null;
  let failures = 0;

  const connect = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      try {
        const response = await fetch(apiUrl('v1/events/stream', { ...filter }), {
          headers: {
            accept: 'text/event-stream',
            ...authHeaders(),
            ...(lastEventId === null ? {} : { 'last-event-id': lastEventId }),
          },
          signal: abort.signal,
        });
        if (response.status === 401) {
          setSessionState({ kind: 'needKey', message: 'The API key was refused; enter it again.' });
          return;
        }
        if (!response.ok || response.body === null) throw new Error(`stream ${response.status}`);
        onStatus?.(true);
        // Only a stream that lived a while resets the backoff: a server (or proxy) that accepts
        // and at once closes streams, as one does while it drains, must not be called 4 times a
        // second by every open tab.
        const opened = Date.now();
        const parser = createParser({
          onEvent(message) {
            if (message.id !== undefined) lastEventId = message.id;
            if (message.data === '') return;
            try {
              onEvent(JSON.parse(message.data) as FeedEvent);
            } catch {
              // A message that is not an event (a future extension): skip it.
            }
          },
        });
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.feed(value);
          if (Date.now() - opened > HEALTHY_STREAM_MS) failures = 0;
        }
      } catch {
        if (abort.signal.aborted) return;
      }
      onStatus?.(false);
      const wait = RETRY_MS[Math.min(failures, RETRY_MS.length - 1)]!;
      failures += 1;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  };
  void connect();
  return () => abort.abort();
}
