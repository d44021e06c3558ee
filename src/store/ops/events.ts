/** Appending events: the row and its after-commit announcement are recorded together. */
import type { Tx } from '../db.js';
import type { EventType, NewEvent } from '../rows.js';
import type { JsonObject } from '../../core/json.js';

/** `?, ?, ?` for an IN list of `count` values. */
export function placeholders(count: number): string {
  return new Array<string>(count).fill('?').join(', ');
}

/** Fields of an event to append. */
export interface EventInput {
  readonly executionId: string;
  readonly taskId?: string | null;
  readonly type: EventType;
  readonly data?: JsonObject | null;
  readonly runnerId: string | null;
  readonly nowMs: number;
}

/** Appends one execution event in the caller's transaction. */
export async function appendEvent(tx: Tx, input: EventInput): Promise<void> {
  const event: NewEvent = {
    executionId: input.executionId,
    taskId: input.taskId ?? null,
    type: input.type,
    data: input.data ?? null,
    runnerId: input.runnerId,
    createdAtMs: input.nowMs,
  };
  await tx.run(
    `INSERT INTO execution_events (execution_id, task_id, event_type, data, runner_id, created_at_ms)
     VALUES (?, ?, ?, ?, ?, ?)`,
    [
      event.executionId,
      event.taskId,
      event.type,
      event.data === null ? null : JSON.stringify(event.data),
      event.runnerId,
      event.createdAtMs,
    ],
  );
  tx.announce(event);
}
