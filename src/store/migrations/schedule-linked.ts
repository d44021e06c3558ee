/** Migration 5: a flag on executions started by a trigger or cron run. */
import type { Migration } from './migration.js';

/**
 * `schedule_linked` = 1 when a `schedule_runs` row points at the execution, so the transaction
 * that ends an execution looks for open runs to close only when there can be one: most
 * executions are started by `execute()`, and the lookup was a statement (a round trip on
 * PostgreSQL) on each of them.
 */
const statements = [
  `ALTER TABLE workflow_executions ADD COLUMN schedule_linked INTEGER NOT NULL DEFAULT 0`,
  `UPDATE workflow_executions SET schedule_linked = 1
   WHERE id IN (SELECT workflow_execution_id FROM schedule_runs WHERE workflow_execution_id IS NOT NULL)`,
];

/** The same statements in both dialects. */
export const scheduleLinkedMigration: Migration = {
  id: 5,
  name: 'executions linked to schedule runs',
  sqlite: statements,
  postgres: statements,
};
