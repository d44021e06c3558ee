/**
 * One reader of the event feed per server, shared by every live stream. It follows the feed by
 * cursor (woken by the client's `onEventsAppended` — in-process commits and PostgreSQL NOTIFY —
 * and by a short poll, which is all SQLite has across processes) and keeps the latest events in
 * a bounded ring. A stream whose position is in the ring is served from memory; one that is
 * behind (a reconnect with an old `Last-Event-ID`, or a slow reader the ring moved past) reads
 * the database by its own cursor until it is back in the ring. Memory is bounded by the ring,
 * whatever the number or speed of the clients.
 */
import { setMaxListeners } from 'node:events';
import type { Client, FeedEvent, Logger } from '../index.js';

/** Options of {@link EventHub}. */
export interface EventHubOptions {
  /** How often the feed is read when no wake-up came. */
  readonly pollIntervalMs: number;
  /** Events kept in memory for the streams. */
  readonly ringSize: number;
}

/** Events read from the feed per query. */
const READ_BATCH = 1000;

/** The shared reader; see the module comment. */
export class EventHub {
  readonly #client: Client;
  readonly #logger: Logger;
  readonly #options: EventHubOptions;
  /** Contiguous feed events after {@link #baseCursor}; `#ring[i]` has sequence `#firstSeq + i`. */
  #ring: FeedEvent[] = [];
  #firstSeq = 0;
  #baseCursor = '';
  /** Sequence of each event in the ring, by cursor. */
  readonly #seqOf = new Map<string, number>();
  /** The position the hub has read up to. */
  #head = '';
  #reading: Promise<void> | undefined;
  #again = false;
  readonly #waiters = new Set<() => void>();
  /** Aborted when the hub closes, so streams blocked on a slow client end at once. */
  readonly #closing = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #started: Promise<void> | undefined;
  #closed = false;

  constructor(client: Client, logger: Logger, options: EventHubOptions) {
    // Every open stream listens for the close, and removes its listener when it ends: any number
    // of streams at once is no leak, so Node's warning past ten is lifted.
    setMaxListeners(0, this.#closing.signal);
    this.#client = client;
    this.#logger = logger;
    this.#options = options;
  }

  /** Starts following the feed from its current end (idempotent; lazily on first stream). */
  start(): Promise<void> {
    this.#started ??= (async () => {
      const head = await this.#client.eventsHead();
      if (this.#closed) return;
      this.#head = this.#baseCursor = head;
      this.#unsubscribe = this.#client.onEventsAppended(() => this.poke());
      this.#timer = setInterval(() => this.poke(), this.#options.pollIntervalMs);
      this.#timer.unref();
    })().catch((error: unknown) => {
      // Not kept: the next stream tries again instead of failing until a restart.
      this.#started = undefined;
      throw error;
    });
    return this.#started;
  }

  /** Stops reading and wakes every waiting stream (they then end). */
  close(): void {
    this.#closed = true;
    this.#closing.abort();
    clearInterval(this.#timer);
    this.#unsubscribe?.();
    this.#wakeAll();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Aborted when the hub closes. */
  get closing(): AbortSignal {
    return this.#closing.signal;
  }

  /** The position the hub has read up to: where a stream that wants only new events starts. */
  get head(): string {
    return this.#head;
  }

  /**
   * The sequence of the first event after `cursor` when the ring covers that position, else
   * undefined (the stream must read the database).
   */
  sequenceAfter(cursor: string): number | undefined {
    if (cursor === this.#baseCursor) return this.#firstSeq;
    const seq = this.#seqOf.get(cursor);
    return seq === undefined ? undefined : seq + 1;
  }

  /** Up to `max` events from sequence `seq` on; undefined when `seq` left the ring. */
  eventsFrom(seq: number, max: number): FeedEvent[] | undefined {
    if (seq < this.#firstSeq) return undefined;
    const start = seq - this.#firstSeq;
    return this.#ring.slice(start, start + max);
  }

  /**
   * A wait for the next read that finds events (or the hub's close, or `signal`'s abort).
   * Register it before looking at the ring, so an append in between is not missed; `cancel`
   * it when it is not needed, so nothing of it stays behind (a stream waits many times).
   */
  nextAppend(signal: AbortSignal): { readonly done: Promise<void>; cancel(): void } {
    let cancel = (): void => undefined;
    const done = new Promise<void>((resolve) => {
      if (this.#closed || signal.aborted) return resolve();
      const wake = (): void => {
        this.#waiters.delete(wake);
        signal.removeEventListener('abort', wake);
        resolve();
      };
      cancel = wake;
      this.#waiters.add(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
    return { done, cancel: () => cancel() };
  }

  /** Reads what the feed has beyond the hub's head (coalescing concurrent wake-ups). */
  poke(): void {
    if (this.#closed || this.#started === undefined) return;
    if (this.#reading !== undefined) {
      this.#again = true;
      return;
    }
    this.#reading = this.#readAll()
      .catch((error: unknown) => {
        // The next wake-up or poll tries again; streams keep their positions meanwhile.
        this.#logger.warn({ err: error }, 'event stream: reading the event feed failed');
      })
      .finally(() => {
        this.#reading = undefined;
        if (this.#again) {
          this.#again = false;
          this.poke();
        }
      });
  }

  async #readAll(): Promise<void> {
    await this.#started;
    for (;;) {
      const page = await this.#client.readEvents({ after: this.#head, limit: READ_BATCH });
      if (this.#closed) return;
      if (page.events.length > 0) this.#append(page.events);
      this.#head = page.cursor;
      if (page.events.length < READ_BATCH) return;
    }
  }

  #append(events: readonly FeedEvent[]): void {
    for (const event of events) {
      this.#seqOf.set(event.cursor, this.#firstSeq + this.#ring.length);
      this.#ring.push(event);
    }
    const excess = this.#ring.length - this.#options.ringSize;
    if (excess > 0) {
      const dropped = this.#ring.splice(0, excess);
      for (const event of dropped) this.#seqOf.delete(event.cursor);
      this.#firstSeq += excess;
      this.#baseCursor = dropped[dropped.length - 1]!.cursor;
    }
    this.#wakeAll();
  }

  #wakeAll(): void {
    for (const wake of [...this.#waiters]) wake();
  }
}
