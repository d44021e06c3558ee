/**
 * Reading the event feed: the part both backends share. They order the feed differently (a
 * single writer's ids on SQLite, the writing transactions' ids on PostgreSQL), so each adapter
 * implements {@link EventFeed} in its own module (`sqlite/sqlite-feed.ts`,
 * `postgres/pg-feed.ts`) around the page query and the event shape here.
 */
import type { SqlValue, Tx } from '../db.js';
import type { EventPage, FeedEvent, FeedPosition } from '../feed.js';
import type { JsonObject } from '../../core/json.js';
import { EVENT_RUNNER, EVENT_RUNNER_JOIN } from './events.js';

/** What one page read asks for (the caller has checked the values). */
export interface FeedQuery {
  /** Read the events after this position (`null`: from the oldest stored event). */
  readonly after: FeedPosition | null;
  readonly limit: number;
  readonly executionId?: string | undefined;
  readonly workflow?: string | undefined;
}

/** The event feed's operations on one backend, which orders the feed its own way. */
export interface EventFeed {
  /**
   * Reads a cursor this backend handed out.
   *
   * @throws {InvalidCursorError} for anything else.
   */
  parseCursor(cursor: string): FeedPosition;
  /** One page of events after `query.after`, oldest first, in this backend's order. */
  read(tx: Tx, query: FeedQuery): Promise<EventPage>;
  /** The cursor up to which every event committed before this call lies. */
  head(tx: Tx): Promise<string>;
}

/** A row of the page query, with the backend's own position columns (see {@link FeedOrder}). */
export interface FeedRow {
  id: number;
  execution_id: string;
  task_id: string | null;
  event_type: string;
  data: string | null;
  runner_id: string | null;
  created_at_ms: number;
  workflow: string | null;
}

/** The part of the page query that orders the feed, which each backend writes. */
export interface FeedOrder {
  /** Columns of the position beyond `ev.id`, each followed by `, ` (or empty). */
  readonly columns: string;
  /** Conditions that keep the rows after the position read from, ANDed. */
  readonly after: readonly string[];
  /** The values of the placeholders of `after`, in order. */
  readonly params: readonly SqlValue[];
  /** The ORDER BY list: the feed's order. */
  readonly orderBy: string;
}

/**
 * The workflow of an event: stored on trigger and cron events, else its execution's. A LEFT
 * JOIN, since events of no execution ('' in `execution_id`) match no execution row.
 */
const WORKFLOW = 'COALESCE(ev.workflow_name, w.workflow_name)';

/** The rows of one page of `query`, in the order and after the position that `order` gives. */
export function readFeedRows<Row extends FeedRow>(
  tx: Tx,
  query: FeedQuery,
  order: FeedOrder,
): Promise<Row[]> {
  const where = [...order.after];
  const params = [...order.params];
  if (query.executionId !== undefined) {
    where.push('ev.execution_id = ?');
    params.push(query.executionId);
  }
  if (query.workflow !== undefined) {
    where.push(`${WORKFLOW} = ?`);
    params.push(query.workflow);
  }
  params.push(query.limit);
  return tx.all<Row>(
    `SELECT ev.id, ${order.columns}ev.execution_id, ev.task_id,
       ev.event_type, ev.data, ${EVENT_RUNNER} AS runner_id, ev.created_at_ms, ${WORKFLOW} AS workflow
     FROM execution_events ev LEFT JOIN workflow_executions w ON w.id = ev.execution_id
       ${EVENT_RUNNER_JOIN}
     WHERE ${where.join(' AND ')}
     ORDER BY ${order.orderBy} LIMIT ?`,
    params,
  );
}

/** The event of a page row, at `cursor` (its position in the backend's encoding). */
export function toFeedEvent(row: FeedRow, cursor: string): FeedEvent {
  return {
    cursor,
    type: row.event_type,
    executionId: row.execution_id === '' ? null : row.execution_id,
    workflow: row.workflow,
    taskId: row.task_id,
    runnerId: row.runner_id,
    at: row.created_at_ms,
    data: row.data === null ? null : (JSON.parse(row.data) as JsonObject),
  };
}
