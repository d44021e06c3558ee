/**
 * A statement that is a transaction of its own on PostgreSQL (`Db.writeAlone`): the caller's
 * data-modifying CTEs, the event rows they record and the `NOTIFY` of the commit folded into one
 * `WITH`, checked by `cloacina_guard` (migration 22). Sent as a named statement under
 * autocommit, it costs one round trip with no `BEGIN` or `COMMIT`, and the server parses it once
 * per connection; a multi-statement round trip goes in the simple protocol, whose statements are
 * parsed and planned anew each time.
 */
import type { AloneStatement, SqlValue, WakeChannel } from '../db.js';
import { eventInserts } from '../ops/events.js';

/** The composed statement, `?` placeholders and their values in order. */
export interface ComposedStatement {
  readonly sql: string;
  readonly params: readonly SqlValue[];
}

/**
 * `statement` as one SQL statement, with its events written by the writers' numbers in `refs`
 * and `notify(channels)` as the channel and payload of its `pg_notify`; undefined when an event's
 * writer has no number in `refs` yet (numbering it takes a statement of its own) or there are
 * more events than one insert carries.
 */
export function composeAlone(
  statement: AloneStatement,
  refs: ReadonlyMap<string, number>,
  notify: (channels: ReadonlySet<WakeChannel>) => readonly [string, string],
): ComposedStatement | undefined {
  const { events } = statement;
  if (events.some((event) => event.runnerId !== null && !refs.has(event.runnerId))) {
    return undefined;
  }
  const inserts = eventInserts(events, refs);
  if (inserts.length > 1) return undefined;
  const insert = inserts[0];
  // As a transaction's notice: a statement that appended events also names 'events'.
  const channels = new Set<WakeChannel>(statement.channels);
  if (events.length > 0) channels.add('events');
  const ctes =
    insert === undefined ? statement.ctes : `${statement.ctes}, cloacina_events AS (${insert.sql})`;
  const notice = channels.size === 0 ? [] : notify(channels);
  const sql = `WITH ${ctes}
    SELECT cloacina_guard((SELECT COUNT(*) FROM ${statement.exactly.cte}) = ?) AS ok,
           ${notice.length === 0 ? '' : 'pg_notify(?, ?) AS notified, '}${statement.select}`;
  return {
    sql,
    params: [
      ...statement.cteParams,
      ...(insert?.params ?? []),
      statement.exactly.rows,
      ...notice,
      ...statement.selectParams,
    ],
  };
}
