/**
 * Task log lines: `task_log` event rows that carry their attempt (migration 11). They are
 * written directly, not through `appendEvent`: a line is not part of the execution's history
 * (`getEvents` leaves them out), so it is neither announced to event listeners nor worth a
 * commit notice, and the claim guard below must decide in SQL whether it is written at all.
 */
import type { JsonObject } from '../../core/json.js';
import type { SqlValue, Tx } from '../db.js';
import type { StoredTaskLog, TaskLogAppend, TaskLogRecord } from '../records.js';

/**
 * Whether the attempt is still the writer's: its claim is held, or the execution was cancelled
 * while it ran (a cancelled task's last lines say what it was doing). A claim swept to another
 * runner fails it, so two runs of one attempt never both write. Parameters: task row id,
 * attempt, claim id.
 */
const STILL_OURS = `EXISTS (SELECT 1 FROM task_executions
  WHERE id = ? AND attempt = ? AND (claim_id = ? OR status = 'Cancelled'))`;

/** The log rows of one attempt; parameters: execution id, task id, attempt. */
const ATTEMPT_ROWS = `execution_id = ? AND task_id = ? AND event_type = 'task_log' AND attempt = ?`;

/** Lines per INSERT: 3 parameters each, far under both dialects' limits. */
const LINE_CHUNK = 100;

/** What `data` holds for a line (the stored JSON, in this key order). */
interface LineData {
  attempt: number;
  seq: number;
  level: string;
  message: string;
  fields?: JsonObject;
}

/**
 * Appends the lines (see `Store.appendTaskLogs`), then trims the attempt to its `keep` newest.
 * Only writes, no reads: on PostgreSQL the whole transaction is one round trip.
 */
export function appendTaskLogs(tx: Tx, input: TaskLogAppend): Promise<void> {
  const guard = [input.taskExecutionId, input.attempt, input.claimId];
  for (let start = 0; start < input.lines.length; start += LINE_CHUNK) {
    const chunk = input.lines.slice(start, start + LINE_CHUNK);
    const values: SqlValue[] = [];
    for (const line of chunk) {
      const data: LineData = {
        attempt: input.attempt,
        seq: line.seq,
        level: line.level,
        message: line.message,
      };
      if (line.fields !== undefined) data.fields = line.fields;
      values.push(JSON.stringify(data), line.atMs, line.seq);
    }
    // Rows are inserted in line order (ORDER BY), so event ids follow the lines' numbers.
    tx.write(
      `INSERT INTO execution_events
         (execution_id, task_id, event_type, data, runner_id, created_at_ms, attempt)
       SELECT ?, ?, 'task_log', v.column1, ?, v.column2, ?
       FROM (VALUES ${chunk.map(() => '(?, ?, ?)').join(', ')}) AS v
       WHERE ${STILL_OURS}
       ORDER BY v.column3`,
      [input.executionId, input.taskId, input.runnerId, input.attempt, ...values, ...guard],
    );
  }
  if (input.keep !== undefined) {
    const attempt = [input.executionId, input.taskId, input.attempt];
    tx.write(
      `DELETE FROM execution_events
       WHERE ${ATTEMPT_ROWS}
         AND id < (SELECT id FROM execution_events WHERE ${ATTEMPT_ROWS}
                   ORDER BY id DESC LIMIT 1 OFFSET ?)
         AND ${STILL_OURS}`,
      [...attempt, ...attempt, Math.max(0, input.keep - 1), ...guard],
    );
  }
  return Promise.resolve();
}

/** Reads the log of one attempt of a task (see `Store.getTaskLog`). */
export async function getTaskLog(
  tx: Tx,
  input: { executionId: string; taskId: string; attempt?: number },
): Promise<StoredTaskLog | null> {
  const task = await tx.get<{ attempt: number }>(
    'SELECT attempt FROM task_executions WHERE execution_id = ? AND task_id = ?',
    [input.executionId, input.taskId],
  );
  if (task === undefined) return null;
  const attempts = task.attempt;
  const attempt = input.attempt ?? attempts;
  if (attempt < 1 || attempt > attempts) return { attempts, attempt, lines: [] };
  const rows = await tx.all<{ id: number; data: string; created_at_ms: number }>(
    `SELECT id, data, created_at_ms FROM execution_events WHERE ${ATTEMPT_ROWS} ORDER BY id`,
    [input.executionId, input.taskId, attempt],
  );
  return { attempts, attempt, lines: rows.map(toRecord) };
}

function toRecord(row: { id: number; data: string; created_at_ms: number }): TaskLogRecord {
  const data = JSON.parse(row.data) as LineData;
  const record = {
    eventId: row.id,
    seq: Number(data.seq),
    atMs: row.created_at_ms,
    level: data.level,
    message: data.message,
  };
  return data.fields === undefined ? record : { ...record, fields: data.fields };
}
