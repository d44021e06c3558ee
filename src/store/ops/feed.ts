/**
 * Reading the event feed, written once for both dialects, which order it differently.
 *
 * SQLite has one writer at a time: ids are taken and committed in the same order, so the rows a
 * reader sees are always every row up to some id, and the id alone is the position.
 *
 * PostgreSQL commits concurrent transactions in any order: A takes id 5, B takes id 6 and
 * commits first, a reader sees 6 and moves past it, then 5 appears behind the reader and is
 * never read. So the feed is ordered by `(tx_id, id)`, the writing transaction's id first, and
 * a read returns only rows whose transaction is older than the oldest transaction still
 * running when its statement took its snapshot (`pg_snapshot_xmin`). Every such transaction
 * has ended, committed or not, so no row can ever appear at or before a position read up to;
 * a newer transaction's rows wait until every older one has ended, then come in one piece.
 * The price: a transaction that wrote something and stays open anywhere in the cluster (a
 * session idle inside a transaction, a long batch job, a forgotten prepared transaction) holds
 * the feed back until it ends, since transaction ids are shared by every database of the
 * cluster. Read-only transactions take no transaction id and hold nothing back.
 *
 * The order is that of the transactions' first writes, which for concurrent transactions may
 * differ from the order they committed in; it is the same for every reader and never changes.
 */
import type { SqlValue, Tx } from '../db.js';
import {
  FEED_START,
  formatFeedCursor,
  type EventPage,
  type FeedEvent,
  type FeedPosition,
} from '../feed.js';
import type { JsonObject } from '../../core/json.js';

/** What one page read asks for (the caller has checked the values). */
export interface FeedQuery {
  /** Read the events after this position (`null`: from the oldest stored event). */
  readonly after: FeedPosition | null;
  readonly limit: number;
  readonly executionId?: string | undefined;
  readonly workflow?: string | undefined;
}

/** A row of the feed query. */
interface FeedRow {
  id: number;
  tx_id?: string;
  execution_id: string;
  task_id: string | null;
  event_type: string;
  data: string | null;
  runner_id: string | null;
  created_at_ms: number;
  workflow: string | null;
}

/**
 * The workflow of an event: stored on trigger and cron events, else its execution's. A LEFT
 * JOIN, since events of no execution ('' in `execution_id`) match no execution row.
 */
const WORKFLOW = 'COALESCE(ev.workflow_name, w.workflow_name)';

/** One page of events after `query.after`, oldest first (see the module comment for the order). */
export async function readFeed(tx: Tx, query: FeedQuery): Promise<EventPage> {
  const after = query.after ?? FEED_START;
  const postgres = tx.dialect === 'postgres';
  const where: string[] = [];
  const params: SqlValue[] = [];
  if (postgres) {
    // Both parts as text: xid8 and BIGINT values may pass 2^53.
    where.push(
      '(ev.tx_id, ev.id) > (?::xid8, ?::bigint)',
      // Rows from before the feed existed have no tx_id; this comparison leaves them out.
      'ev.tx_id < pg_snapshot_xmin(pg_current_snapshot())',
    );
    params.push(after.tx, after.id);
  } else {
    where.push('ev.id > ?');
    params.push(Number(after.id));
  }
  if (query.executionId !== undefined) {
    where.push('ev.execution_id = ?');
    params.push(query.executionId);
  }
  if (query.workflow !== undefined) {
    where.push(`${WORKFLOW} = ?`);
    params.push(query.workflow);
  }
  params.push(query.limit);
  const rows = await tx.all<FeedRow>(
    `SELECT ev.id, ${postgres ? 'ev.tx_id::text AS tx_id, ' : ''}ev.execution_id, ev.task_id,
       ev.event_type, ev.data, ev.runner_id, ev.created_at_ms, ${WORKFLOW} AS workflow
     FROM execution_events ev LEFT JOIN workflow_executions w ON w.id = ev.execution_id
     WHERE ${where.join(' AND ')}
     ORDER BY ${postgres ? 'ev.tx_id, ev.id' : 'ev.id'} LIMIT ?`,
    params,
  );
  const events = rows.map((row) => toFeedEvent(tx, row));
  return { events, cursor: events.at(-1)?.cursor ?? formatFeedCursor(tx.dialect, after) };
}

/**
 * The position up to which every event committed before this call lies. On PostgreSQL it is
 * the oldest running transaction's id: a reader starting there misses nothing committed later,
 * but may also get the events of transactions that began before it and committed just before
 * this call.
 */
export async function feedHead(tx: Tx): Promise<string> {
  if (tx.dialect === 'postgres') {
    const row = await tx.get<{ tx: string }>(
      'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS tx',
    );
    return formatFeedCursor(tx.dialect, { tx: row!.tx, id: '0' });
  }
  const row = await tx.get<{ id: number | null }>('SELECT MAX(id) AS id FROM execution_events');
  return formatFeedCursor(tx.dialect, { tx: '0', id: String(row?.id ?? 0) });
}

function toFeedEvent(tx: Tx, row: FeedRow): FeedEvent {
  const id = String(row.id);
  return {
    cursor: formatFeedCursor(tx.dialect, { tx: row.tx_id ?? '0', id }),
    type: row.event_type,
    executionId: row.execution_id === '' ? null : row.execution_id,
    workflow: row.workflow,
    taskId: row.task_id,
    runnerId: row.runner_id,
    at: row.created_at_ms,
    data: row.data === null ? null : (JSON.parse(row.data) as JsonObject),
  };
}
