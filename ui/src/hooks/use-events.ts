/** Live events for a page: subscribes while mounted, with the stream's connected state. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { subscribeEvents, type EventFilter } from '../api/events.js';
import type { FeedEvent } from '../api/types.js';

/**
 * Calls `onEvent` for each event matching `filter` while the component is mounted; returns
 * whether the stream is connected. Pass `null` to not subscribe.
 */
export function useEvents(
  filter: EventFilter | null,
  onEvent: (event: FeedEvent) => void,
): boolean {
  const [connected, setConnected] = useState(false);
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const key = filter === null ? null : JSON.stringify(filter);
  useEffect(() => {
    // A new filter is a new stream: not connected until it says so, so that pages which catch up
    // when the stream (re)connects do so for the new subject too.
    setConnected(false);
    if (filter === null) return;
    return subscribeEvents(filter, (event) => handler.current(event), setConnected);
    // The filter's content, not its identity, decides when to resubscribe.
  }, [key]);
  return connected;
}
