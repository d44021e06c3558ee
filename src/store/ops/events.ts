/** Appending events: the row and its after-commit announcement are recorded together. */
import type { SqlValue, Tx } from '../db.js';
import type { EventType, NewEvent } from '../rows.js';
import type { JsonObject } from '../../core/json.js';

/** `?, ?, ?` for an IN list of `count` values. */
export function placeholders(count: number): string {
  return new Array<string>(count).fill('?').join(', ');
}

/** Fields of an event to append. */
export interface EventInput {
  /** The execution the event is about; null for none (a failed poll, missed cron ticks). */
  readonly executionId: string | null;
  /** Set on trigger and cron events (see `NewEvent`). */
  readonly workflowName?: string | null;
  readonly taskId?: string | null;
  readonly type: EventType;
  readonly data?: JsonObject | null;
  readonly runnerId: string | null;
  readonly nowMs: number;
}

/**
 * Appends one execution event in the caller's transaction. The adapter writes the rows of a
 * transaction's events together, just before it commits (see {@link eventInserts}), and
 * announces them after: one statement per transaction instead of one per event.
 */
export function appendEvent(tx: Tx, input: EventInput): void {
  const event: NewEvent = {
    // '' rather than NULL: the column is NOT NULL, and relaxing that would rebuild the table.
    executionId: input.executionId ?? '',
    taskId: input.taskId ?? null,
    type: input.type,
    data: input.data ?? null,
    runnerId: input.runnerId,
    createdAtMs: input.nowMs,
  };
  const workflowName = input.workflowName ?? null;
  tx.announce(workflowName === null ? event : { ...event, workflowName });
}

/** Events per multi-row INSERT: 7 parameters each, far under both dialects' limits. */
const EVENT_CHUNK = 100;

/** The multi-row INSERT statements that write `events`, in order. */
export function eventInserts(events: readonly NewEvent[]): { sql: string; params: SqlValue[] }[] {
  const statements: { sql: string; params: SqlValue[] }[] = [];
  for (let start = 0; start < events.length; start += EVENT_CHUNK) {
    const chunk = events.slice(start, start + EVENT_CHUNK);
    const params: SqlValue[] = [];
    for (const event of chunk) {
      params.push(
        event.executionId,
        event.taskId,
        event.type,
        event.data === null ? null : JSON.stringify(event.data),
        event.runnerId,
        event.createdAtMs,
        event.workflowName ?? null,
      );
    }
    // An explicit column list: PostgreSQL fills `tx_id` with its default, the writing
    // transaction's id, which the event feed orders by.
    statements.push({
      sql:
        'INSERT INTO execution_events (execution_id, task_id, event_type, data, runner_id, created_at_ms, workflow_name) VALUES ' +
        chunk.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', '),
      params,
    });
  }
  return statements;
}
