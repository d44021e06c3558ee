/** Migration 15: an execution may wait for a start time (`runAt` / `delay`). */
import type { Migration } from './migration.js';

/**
 * `run_at_ms` is the time a delayed execution was asked to start at (NULL for one that started
 * when it was written). Until a runner starts it, such an execution is `Scheduled` and its root
 * tasks are Ready with `ready_at_ms` at that time, so the claim, which only takes tasks whose
 * time has come, is what wakes it: no other table, index or loop. Listing and counting them
 * read the status's range of `workflow_executions_by_status`, as for any status.
 *
 * The status CHECK gains `Scheduled`. Every stored row satisfies the wider check, so neither
 * dialect scans the table: PostgreSQL adds it `NOT VALID` (enforced on every write from now on;
 * validating would only re-prove the old, narrower check), SQLite edits the table's SQL.
 */
const OLD = `'Pending','Running','Paused','Completed','Failed','Cancelled'`;
const NEW = `'Scheduled','Pending','Running','Paused','Completed','Failed','Cancelled'`;

const addColumn = `ALTER TABLE workflow_executions ADD COLUMN run_at_ms BIGINT`;

/** Migration 15 in both dialects. */
export const delayedStartsMigration: Migration = {
  id: 15,
  name: 'delayed starts of executions',
  sqlite: [
    addColumn,
    {
      kind: 'table-edit',
      table: 'workflow_executions',
      from: `CHECK (status IN (${OLD}))`,
      to: `CHECK (status IN (${NEW}))`,
    },
  ],
  postgres: [
    addColumn,
    `ALTER TABLE workflow_executions DROP CONSTRAINT workflow_executions_status_check`,
    `ALTER TABLE workflow_executions ADD CONSTRAINT workflow_executions_status_check
     CHECK (status IN (${NEW})) NOT VALID`,
  ],
};
