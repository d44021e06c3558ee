/**
 * Cross-process wake-ups: one dedicated connection LISTENs on the schema's channel and turns
 * notifications of other processes into remote commit notices. NOTIFY is best effort (nothing is
 * queued while the connection is down), so after a reconnect the listener announces every channel
 * once: the engine then looks for work at once instead of waiting for its poll tick.
 */
import pg from 'pg';
import type { Logger } from '../../core/options.js';
import type { WakeChannel } from '../db.js';
import { quoteIdent } from './pg-sql.js';

/** The part of a logger the listener uses. */
export type ListenerLogger = Pick<Logger, 'info' | 'warn'>;

const WAKE_CHANNELS: readonly WakeChannel[] = ['tasks', 'executions', 'triggers', 'cron', 'events'];
const KNOWN = new Set<string>(WAKE_CHANNELS);

/** First and largest delay between reconnection attempts. */
const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;

/** Encodes a notification payload: the sender's id, then the channel kinds. */
export function encodePayload(senderId: string, channels: Iterable<WakeChannel>): string {
  return `${senderId}:${[...channels].join(',')}`;
}

/** Options of a {@link PgListener}. */
export interface PgListenerOptions {
  /** Connection settings (the same as the pool's). */
  readonly config: pg.ClientConfig;
  /** The PostgreSQL channel to LISTEN on. */
  readonly channel: string;
  /** Payloads from this sender are ignored: the local commit already notified its listeners. */
  readonly ownId: string;
  /** Receives the channels of every notification from another sender. */
  readonly onWake: (channels: ReadonlySet<WakeChannel>) => void;
  readonly logger: ListenerLogger;
}

/** A LISTEN connection that reconnects with backoff after it drops. */
export class PgListener {
  private client: pg.Client | undefined;
  private started: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private everConnected = false;
  private stopped = false;

  constructor(private readonly options: PgListenerOptions) {}

  /**
   * Starts listening. Resolves once the first attempt has finished, whether it succeeded or
   * not: a failed attempt keeps retrying in the background.
   */
  start(): Promise<void> {
    this.started ??= this.connect();
    return this.started;
  }

  /** Stops listening and closes the connection. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const client = this.client;
    this.client = undefined;
    if (client !== undefined) await client.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.options.config);
    let gone = false;
    const lost = (error?: unknown): void => {
      // 'error' and 'end' both fire for one drop; handle it once.
      if (gone) return;
      gone = true;
      if (this.client === client) this.client = undefined;
      client.end().catch(() => undefined);
      if (this.stopped) return;
      const delayMs = this.nextDelay();
      this.options.logger.warn(
        {
          err: error instanceof Error ? error : undefined,
          channel: this.options.channel,
          retryInMs: delayMs,
        },
        'PostgreSQL LISTEN connection lost; reconnecting (wake-ups fall back to polling meanwhile)',
      );
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.connect();
      }, delayMs);
      this.timer.unref();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (message) => this.receive(message));
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(this.options.channel)}`);
    } catch (error) {
      lost(error);
      return;
    }
    if (gone) return;
    if (this.stopped) {
      gone = true;
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.failures = 0;
    if (this.everConnected) {
      this.options.logger.info(
        { channel: this.options.channel },
        'PostgreSQL LISTEN connection re-established',
      );
      // Notifications sent while we were away are lost: announce everything once.
      this.options.onWake(new Set(WAKE_CHANNELS));
    }
    this.everConnected = true;
  }

  private nextDelay(): number {
    const base = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** this.failures);
    this.failures += 1;
    // Jitter so that many runners do not reconnect in lockstep after a server restart.
    return Math.round(base * (0.5 + Math.random() / 2));
  }

  private receive(message: pg.Notification): void {
    if (message.channel !== this.options.channel || message.payload === undefined) return;
    const separator = message.payload.lastIndexOf(':');
    if (separator < 0 || message.payload.slice(0, separator) === this.options.ownId) return;
    const channels = new Set<WakeChannel>();
    for (const kind of message.payload.slice(separator + 1).split(',')) {
      if (KNOWN.has(kind)) channels.add(kind as WakeChannel);
    }
    if (channels.size > 0) this.options.onWake(channels);
  }
}
