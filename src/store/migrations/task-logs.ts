/** Migration 11: task log lines are events that know their attempt. */
import type { Migration } from './migration.js';

/**
 * A line a task writes with `handle.log` is an event row (`event_type = 'task_log'`), so it is
 * read by cursor like any event and pruned with its execution's other events. `attempt` is the
 * attempt that wrote the line (NULL on every other event; theirs is in `data`): a task's log is
 * read, bounded and trimmed per attempt, which a column does exactly in both dialects where a
 * JSON path would not. The partial index holds only log rows, in the order they are read and
 * trimmed (oldest first within an attempt), and leaves the index of the history alone.
 */
const statements = [
  `ALTER TABLE execution_events ADD COLUMN attempt INTEGER`,
  `CREATE INDEX execution_events_task_logs
   ON execution_events (execution_id, task_id, attempt, id) WHERE event_type = 'task_log'`,
];

/** The same statements in both dialects. */
export const taskLogsMigration: Migration = {
  id: 11,
  name: 'task log lines kept as events with their attempt',
  sqlite: statements,
  postgres: statements,
};
