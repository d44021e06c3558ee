/** Migration 20: task concurrency limits. */
import type { Migration } from './migration.js';

/**
 * `task_limit_locks` holds one row per limited task (a workflow name and a task id) ever
 * claimed: on PostgreSQL, the row a claim locks before it counts the task's Running and
 * Deferred attempts, so two claimers never both take its last place. SQLite's single writer
 * needs no lock, and writes none. Nothing else is stored: the count is read from the attempts
 * themselves (see `ops/task-limits.ts`), so no counter can drift.
 */
const statements = [
  `CREATE TABLE task_limit_locks (
    workflow_name TEXT NOT NULL,
    task_id TEXT NOT NULL,
    PRIMARY KEY (workflow_name, task_id)
  )`,
];

/** Migration 20 in both dialects. */
export const taskLimitsMigration: Migration = {
  id: 20,
  name: 'task concurrency limits',
  sqlite: statements,
  postgres: statements,
};
