/**
 * The event feed: every event of the database in one order that only grows at its end, read in
 * pages from a cursor. This module holds its public shapes and the cursor codec; the SQL is in
 * `ops/feed.ts`.
 *
 * A cursor is opaque to callers but must survive being an SSE `id:` line and an HTTP header, so
 * it is digits and at most one '-': on SQLite the event id (`"1234"`), on PostgreSQL the writing
 * transaction's id and the event id (`"880512-1234"`, see `ops/feed.ts` for why both). Parsing
 * is strict, so a cursor of the other backend, a truncated one or anything hand-made is refused
 * rather than silently read from somewhere else.
 */
import type { JsonObject } from '../core/json.js';
import { InvalidCursorError } from '../errors.js';
import type { Dialect } from './db.js';

/** One event of the feed, with its position. */
export interface FeedEvent {
  /** Opaque position: pass it as `after` to read what follows this event. */
  readonly cursor: string;
  /** An `EventType` value: execution, task, trigger or cron event. */
  readonly type: string;
  /** The execution the event is about; null for a failed trigger poll or missed cron ticks. */
  readonly executionId: string | null;
  /** The workflow: the execution's, or the trigger's or schedule's for events of neither. */
  readonly workflow: string | null;
  readonly taskId: string | null;
  /** The runner (or client, `client:…`) whose transaction appended the event. */
  readonly runnerId: string | null;
  /** When the event was appended, epoch milliseconds of the writer's clock. */
  readonly at: number;
  readonly data: JsonObject | null;
}

/** One page of the feed. */
export interface EventPage {
  /** The events after the cursor read from, oldest first. */
  readonly events: readonly FeedEvent[];
  /**
   * The position after the last event returned: pass it as `after` to read on. When no event
   * was returned it is the cursor read from (or the start of the feed).
   */
  readonly cursor: string;
}

/**
 * A position in the feed. `tx` is the writing transaction's id on PostgreSQL and 0 on SQLite;
 * both parts are decimal strings, since PostgreSQL's 64-bit values may pass 2^53.
 */
export interface FeedPosition {
  readonly tx: string;
  readonly id: string;
}

/** The position before every event. */
export const FEED_START: FeedPosition = { tx: '0', id: '0' };

/** A decimal integer without sign or leading zeros, at most 20 digits. */
const DECIMAL = /^(0|[1-9][0-9]{0,19})$/;
/** Largest event id (BIGINT) and largest transaction id (xid8, unsigned 64-bit). */
const MAX_ID = 2n ** 63n - 1n;
const MAX_TX = 2n ** 64n - 1n;

function decimal(text: string | undefined, max: bigint): string | null {
  if (text === undefined || !DECIMAL.test(text) || BigInt(text) > max) return null;
  return text;
}

/** The cursor of `position` on `dialect`. */
export function formatFeedCursor(dialect: Dialect, position: FeedPosition): string {
  return dialect === 'sqlite' ? position.id : `${position.tx}-${position.id}`;
}

/**
 * Reads a cursor handed out by {@link formatFeedCursor} on `dialect`.
 *
 * @throws {InvalidCursorError} for anything else.
 */
export function parseFeedCursor(dialect: Dialect, cursor: string): FeedPosition {
  if (dialect === 'sqlite') {
    const id = decimal(cursor, MAX_ID);
    if (id !== null) return { tx: '0', id };
  } else {
    const parts = cursor.split('-');
    const tx = parts.length === 2 ? decimal(parts[0], MAX_TX) : null;
    const id = parts.length === 2 ? decimal(parts[1], MAX_ID) : null;
    if (tx !== null && id !== null) return { tx, id };
  }
  throw new InvalidCursorError(cursor, 'event');
}
