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
  tx.announce(newEvent(input));
}

/** The event row `input` describes, as a transaction announces it. */
export function newEvent(input: EventInput): NewEvent {
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
  return workflowName === null ? event : { ...event, workflowName };
}

/** Events per multi-row INSERT: 7 parameters each, far under both dialects' limits. */
const EVENT_CHUNK = 100;

/** The values of one event row. */
const ROW = '(?, ?, ?, ?, ?, ?, ?)';

/**
 * The values of one event row whose writer's number the statement reads: a writer numbered
 * earlier in the same transaction.
 */
const ROW_READING_REF = '(?, ?, ?, ?, (SELECT ref FROM event_runners WHERE runner_id = ?), ?, ?)';

/**
 * The multi-row INSERT statements that write `events`, in order. Each writer is stored by its
 * number (`runner_ref`, migration 27): the one in `refs`, or, for a writer not there, the one
 * the statement reads (the transaction has numbered it before: {@link registerStatement}).
 */
export function eventInserts(
  events: readonly NewEvent[],
  refs: ReadonlyMap<string, number>,
): { sql: string; params: SqlValue[] }[] {
  const statements: { sql: string; params: SqlValue[] }[] = [];
  for (let start = 0; start < events.length; start += EVENT_CHUNK) {
    const chunk = events.slice(start, start + EVENT_CHUNK);
    const params: SqlValue[] = [];
    const rows: string[] = [];
    for (const event of chunk) {
      const ref = event.runnerId === null ? null : (refs.get(event.runnerId) ?? event.runnerId);
      params.push(
        event.executionId,
        event.taskId,
        event.type,
        event.data === null ? null : JSON.stringify(event.data),
        ref,
        event.createdAtMs,
        event.workflowName ?? null,
      );
      rows.push(typeof ref === 'string' ? ROW_READING_REF : ROW);
    }
    // An explicit column list: PostgreSQL fills `tx_id` with its default, the writing
    // transaction's id, which the event feed orders by.
    statements.push({
      sql:
        'INSERT INTO execution_events (execution_id, task_id, event_type, data, runner_ref, created_at_ms, workflow_name) VALUES ' +
        rows.join(', '),
      params,
    });
  }
  return statements;
}

/**
 * The numbers of the processes that write events (`event_runners`, migration 27), as far as an
 * adapter has seen them committed. A writer is numbered once, by the first transaction of this
 * adapter that writes one of its events: {@link missing} names the writers to number, the
 * transaction runs {@link registerStatement} before its event rows, whose statement reads the
 * new numbers ({@link eventInserts}), and {@link learn} keeps what {@link readStatement} read
 * once the transaction committed (a number taken by a transaction that rolled back names no
 * row).
 */
export class RunnerRefs {
  readonly #known = new Map<string, number>();

  /** The numbers known to be committed. */
  get known(): ReadonlyMap<string, number> {
    return this.#known;
  }

  /** The writers of `events` without a known number. */
  missing(events: readonly NewEvent[]): string[] {
    const ids = new Set<string>();
    for (const event of events) {
      if (event.runnerId !== null && !this.#known.has(event.runnerId)) ids.add(event.runnerId);
    }
    return [...ids];
  }

  /** Keeps the numbers of a transaction that committed. */
  learn(read: readonly RunnerRefRow[]): void {
    for (const row of read) this.#known.set(row.runner_id, Number(row.ref));
  }
}

/** A row of {@link readStatement}. */
export interface RunnerRefRow {
  readonly ref: number;
  readonly runner_id: string;
}

/** Numbers the writers `ids` that have no number yet. */
export function registerStatement(ids: readonly string[]): { sql: string; params: string[] } {
  return {
    sql: `INSERT INTO event_runners (runner_id) VALUES ${ids.map(() => '(?)').join(', ')}
          ON CONFLICT (runner_id) DO NOTHING`,
    params: [...ids],
  };
}

/** Reads the numbers of the writers `ids`. */
export function readStatement(ids: readonly string[]): { sql: string; params: string[] } {
  return {
    sql: `SELECT ref, runner_id FROM event_runners WHERE runner_id IN (${placeholders(ids.length)})`,
    params: [...ids],
  };
}

/**
 * The writer's id of an event row `ev`, whether stored by number or by id; needs
 * {@link EVENT_RUNNER_JOIN} in the FROM clause.
 */
export const EVENT_RUNNER = 'COALESCE(r.runner_id, ev.runner_id)';

/** Joins an event row `ev` to the writer its `runner_ref` numbers (see {@link RunnerRefs}). */
export const EVENT_RUNNER_JOIN = 'LEFT JOIN event_runners r ON r.ref = ev.runner_ref';
