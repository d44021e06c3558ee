/**
 * The event feed on PostgreSQL, which commits concurrent transactions in any order: A takes id
 * 5, B takes id 6 and commits first, a reader sees 6 and moves past it, then 5 appears behind
 * the reader and is never read. So the feed is ordered by `(tx_id, id)`, the writing
 * transaction's id first, and a read returns only rows whose transaction is older than the
 * oldest transaction still running when its statement took its snapshot (`pg_snapshot_xmin`).
 * Every such transaction has ended, committed or not, so no row can ever appear at or before a
 * position read up to; a newer transaction's rows wait until every older one has ended, then
 * come in one piece. The price: a transaction that wrote something and stays open anywhere in
 * the cluster (a session idle inside a transaction, a long batch job, a forgotten prepared
 * transaction) holds the feed back until it ends, since transaction ids are shared by every
 * database of the cluster. Read-only transactions take no transaction id and hold nothing back.
 *
 * The order is that of the transactions' first writes, which for concurrent transactions may
 * differ from the order they committed in; it is the same for every reader and never changes.
 * A cursor is both ids (`"880512-1234"`).
 */
import { InvalidCursorError } from '../../errors.js';
import { decimalUpTo, FEED_START, MAX_EVENT_ID, type FeedPosition } from '../feed.js';
import { readFeedRows, toFeedEvent, type EventFeed, type FeedRow } from '../ops/feed.js';

/** The largest transaction id (xid8, unsigned 64-bit). */
const MAX_TX = 2n ** 64n - 1n;

const cursorOf = (position: FeedPosition): string => `${position.tx}-${position.id}`;

/** The event feed of a PostgreSQL schema, ordered by writing transaction, then event id. */
export const pgFeed: EventFeed = {
  parseCursor(cursor) {
    const parts = cursor.split('-');
    const tx = parts.length === 2 ? decimalUpTo(parts[0], MAX_TX) : null;
    const id = parts.length === 2 ? decimalUpTo(parts[1], MAX_EVENT_ID) : null;
    if (tx === null || id === null) throw new InvalidCursorError(cursor, 'event');
    return { tx, id };
  },

  async read(tx, query) {
    const after = query.after ?? FEED_START;
    const rows = await readFeedRows<FeedRow & { tx_id: string }>(tx, query, {
      columns: 'ev.tx_id::text AS tx_id, ',
      after: [
        // Both parts as text: xid8 and BIGINT values may pass 2^53.
        '(ev.tx_id, ev.id) > (?::xid8, ?::bigint)',
        // Rows from before the feed existed have no tx_id; this comparison leaves them out.
        'ev.tx_id < pg_snapshot_xmin(pg_current_snapshot())',
      ],
      params: [after.tx, after.id],
      orderBy: 'ev.tx_id, ev.id',
    });
    const events = rows.map((row) =>
      toFeedEvent(row, cursorOf({ tx: row.tx_id, id: String(row.id) })),
    );
    return { events, cursor: events.at(-1)?.cursor ?? cursorOf(after) };
  },

  /**
   * The oldest running transaction's id: a reader starting there misses nothing committed
   * later, but may also get the events of transactions that began before it and committed just
   * before this call.
   */
  async head(tx) {
    const row = await tx.get<{ tx: string }>(
      'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS tx',
    );
    return cursorOf({ tx: row!.tx, id: '0' });
  },
};
