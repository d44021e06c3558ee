/**
 * One live event stream (Server-Sent Events) on a Node response. The stream pulls events — from
 * the hub's ring when its position is there, else from the database by its own cursor — and
 * writes them with their cursor as the `id:` line, so a client that reconnects with
 * `Last-Event-ID` resumes exactly after the last event it received. The position is also sent at
 * the start and with every heartbeat (an `id:` line without data), so a client that received no
 * matching event yet resumes from where it was, not from the end. A client that stops reading
 * is not buffered for: once the socket's buffer is full the stream waits for it to drain, and
 * drops the connection when it does not within `slowClientTimeoutMs`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Client, FeedEvent, Logger } from '../index.js';
import type { EventHub } from './event-hub.js';

/** Events per write batch and per catch-up read. */
const BATCH = 500;

/** Which events a stream carries. */
export interface StreamFilter {
  readonly executionId?: string;
  readonly workflow?: string;
}

/** Options of {@link runStream}. */
export interface StreamOptions {
  readonly hub: EventHub;
  readonly client: Client;
  readonly logger: Logger;
  readonly filter: StreamFilter;
  /** Where the stream starts: the position after which events are sent. */
  readonly after: string;
  /** Events already read from the database for `after` (when the ring did not cover it). */
  readonly firstPage: { readonly events: readonly FeedEvent[]; readonly cursor: string } | null;
  readonly heartbeatMs: number;
  readonly slowClientTimeoutMs: number;
  /**
   * Checked at every heartbeat: false ends the stream (its API key was revoked). A failing check
   * (the database away) keeps the stream; the next beat checks again.
   */
  readonly authorize?: () => Promise<boolean>;
}

/** The JSON `data:` of one event. */
export function eventData(event: FeedEvent): string {
  return JSON.stringify({
    type: event.type,
    executionId: event.executionId,
    workflow: event.workflow,
    taskId: event.taskId,
    runnerId: event.runnerId,
    at: new Date(event.at).toISOString(),
    data: event.data,
  });
}

function matches(event: FeedEvent, filter: StreamFilter): boolean {
  return (
    (filter.executionId === undefined || event.executionId === filter.executionId) &&
    (filter.workflow === undefined || event.workflow === filter.workflow)
  );
}

/** Streams events to `res` until the client leaves, the hub closes or the key is revoked. */
export async function runStream(
  req: IncomingMessage,
  res: ServerResponse,
  options: StreamOptions,
): Promise<void> {
  const { hub, client, filter, logger } = options;
  const gone = new AbortController();
  const stop = (): void => gone.abort();
  req.once('close', stop);
  res.once('close', stop);
  hub.closing.addEventListener('abort', stop, { once: true });

  // The socket closes with the stream rather than lingering as an idle keep-alive connection.
  res.shouldKeepAlive = false;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    // Tells reverse proxies (nginx) not to buffer the stream.
    'x-accel-buffering': 'no',
  });
  let cursor = options.after;
  /** An `id:` line without data sets a client's last event id: it resumes from here. */
  const position = (): string => (cursor === '' ? '' : `id: ${cursor}\n`);
  res.write(`retry: 2000\n${position()}\n`);
  const heartbeat = setInterval(() => {
    void (async () => {
      if (options.authorize !== undefined && !(await options.authorize().catch(() => true))) {
        logger.info({ filter }, 'event stream: ending a stream whose API key no longer holds');
        stop();
        return;
      }
      if (!res.writableNeedDrain && !gone.signal.aborted)
        res.write(`${position()}: keep-alive\n\n`);
    })();
  }, options.heartbeatMs);
  heartbeat.unref();

  /** Resolves true once the socket drained, false when the client left or was too slow. */
  const drained = (): Promise<boolean> =>
    new Promise((resolve) => {
      const finish = (ok: boolean): void => {
        clearTimeout(timer);
        res.off('drain', onDrain);
        gone.signal.removeEventListener('abort', onGone);
        resolve(ok);
      };
      const onDrain = (): void => finish(true);
      const onGone = (): void => finish(false);
      const timer = setTimeout(() => finish(false), options.slowClientTimeoutMs);
      res.once('drain', onDrain);
      gone.signal.addEventListener('abort', onGone, { once: true });
    });

  /** Writes a batch; false when the client is gone or was dropped for not reading. */
  const send = async (events: readonly FeedEvent[]): Promise<boolean> => {
    let chunk = '';
    for (const event of events) {
      if (matches(event, filter)) chunk += `id: ${event.cursor}\ndata: ${eventData(event)}\n\n`;
    }
    if (gone.signal.aborted) return false;
    if (chunk === '' || res.write(chunk)) return true;
    if (await drained()) return true;
    if (!gone.signal.aborted) {
      logger.warn(
        { filter, timeoutMs: options.slowClientTimeoutMs },
        'event stream: dropping a client that stopped reading',
      );
      res.destroy();
    }
    return false;
  };

  try {
    if (options.firstPage !== null) {
      if (!(await send(options.firstPage.events))) return;
      cursor = options.firstPage.cursor;
    }
    while (!gone.signal.aborted) {
      const seq = hub.sequenceAfter(cursor);
      // Registered before looking, so an append between the look and the wait is not missed.
      const appended = hub.nextAppend(gone.signal);
      if (seq !== undefined) {
        const events = hub.eventsFrom(seq, BATCH);
        if (events === undefined) {
          appended.cancel(); // fell out of the ring meanwhile: read the database
        } else if (events.length === 0) {
          await appended.done;
        } else {
          appended.cancel();
          if (!(await send(events))) return;
          cursor = events[events.length - 1]!.cursor;
        }
        continue;
      }
      // Behind the ring (or ahead of the hub): read the database by this stream's own cursor.
      const page = await client.readEvents({ after: cursor, limit: BATCH });
      if (page.events.length > 0) {
        appended.cancel();
        if (!(await send(page.events))) return;
        cursor = page.cursor;
      } else if (hub.sequenceAfter(cursor) === undefined) {
        await appended.done;
      } else {
        appended.cancel();
      }
    }
  } catch (error) {
    logger.warn({ err: error }, 'event stream: reading the event feed failed; closing the stream');
  } finally {
    clearInterval(heartbeat);
    req.off('close', stop);
    res.off('close', stop);
    hub.closing.removeEventListener('abort', stop);
    if (!res.destroyed) res.end();
  }
}
