/**
 * The event feed: every event of the database in one order that only grows at its end, read in
 * pages from a cursor. This module holds its public shapes; the backends order the feed
 * differently, so each reads it and encodes its cursors in its own module
 * (`sqlite/sqlite-feed.ts`, `postgres/pg-feed.ts`), around the SQL they share (`ops/feed.ts`).
 *
 * A cursor is opaque to callers but must survive being an SSE `id:` line and an HTTP header, so
 * it is digits and at most one '-': on SQLite the event id (`"1234"`), on PostgreSQL the writing
 * transaction's id and the event id (`"880512-1234"`). Parsing is strict, so a cursor of the
 * other backend, a truncated one or anything hand-made is refused rather than silently read
 * from somewhere else.
 */
import type { JsonObject } from '../core/json.js';

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

/** The largest event id (a BIGINT). */
export const MAX_EVENT_ID = 2n ** 63n - 1n;

/**
 * `text` when it is a decimal integer of at most `max` written without sign or leading zeros,
 * else null: the parts of a cursor are checked with it.
 */
export function decimalUpTo(text: string | undefined, max: bigint): string | null {
  if (text === undefined || !DECIMAL.test(text) || BigInt(text) > max) return null;
  return text;
}
