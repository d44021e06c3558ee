/**
 * The event feed on SQLite. It has one writer at a time: ids are taken and committed in the
 * same order, so the rows a reader sees are always every row up to some id, and the id alone is
 * the position and the cursor (`"1234"`).
 */
import { InvalidCursorError } from '../../errors.js';
import { decimalUpTo, FEED_START, MAX_EVENT_ID } from '../feed.js';
import { readFeedRows, toFeedEvent, type EventFeed } from '../ops/feed.js';

/** The event feed of a SQLite database, ordered by event id. */
export const sqliteFeed: EventFeed = {
  parseCursor(cursor) {
    const id = decimalUpTo(cursor, MAX_EVENT_ID);
    if (id === null) throw new InvalidCursorError(cursor, 'event');
    return { tx: '0', id };
  },

  async read(tx, query) {
    const after = query.after ?? FEED_START;
    const rows = await readFeedRows(tx, query, {
      columns: '',
      after: ['ev.id > ?'],
      params: [Number(after.id)],
      orderBy: 'ev.id',
    });
    const events = rows.map((row) => toFeedEvent(row, String(row.id)));
    return { events, cursor: events.at(-1)?.cursor ?? after.id };
  },

  async head(tx) {
    const row = await tx.get<{ id: number | null }>('SELECT MAX(id) AS id FROM execution_events');
    return String(row?.id ?? 0);
  },
};
