/** Migration 17: workflow concurrency limits; executions may wait as `Queued`. */
import type { Migration } from './migration.js';

/**
 * An execution of a workflow with `concurrency: { limit, key? }` stores its group
 * (`concurrency_key`, '' without a key function) and the limit it was scheduled under. A
 * group's active count is not stored: it is counted from the executions themselves (Pending or
 * Running in the group), in the transaction that admits, under a lock of the group, so it
 * cannot drift, whatever crashed where (see `ops/admission.ts`).
 *
 * `workflow_executions_by_group` serves that count and the queue, oldest first: only rows with a
 * group have an entry, so a workflow without a limit pays nothing for it.
 *
 * `workflow_executions_queued_due` finds the delayed starts among them whose time has come, for
 * the runners' periodic admission pass (see `admitWaiting`); only Queued rows with a start time
 * have an entry.
 *
 * `concurrency_groups` holds one row per group ever used: on PostgreSQL, the row an admitting
 * transaction locks (SQLite's single writer needs no lock, and writes none).
 *
 * The status CHECK gains `Queued`, without a scan, as migration 15 did for `Scheduled`.
 */
const OLD = `'Scheduled','Pending','Running','Paused','Completed','Failed','Cancelled'`;
const NEW = `'Scheduled','Queued','Pending','Running','Paused','Completed','Failed','Cancelled'`;

const columns = [
  `ALTER TABLE workflow_executions ADD COLUMN concurrency_key TEXT`,
  `ALTER TABLE workflow_executions ADD COLUMN concurrency_limit INTEGER`,
  `CREATE INDEX workflow_executions_by_group
   ON workflow_executions (workflow_name, concurrency_key, status, created_at_ms, id)
   WHERE concurrency_key IS NOT NULL`,
  `CREATE INDEX workflow_executions_queued_due ON workflow_executions (run_at_ms)
   WHERE status = 'Queued' AND run_at_ms IS NOT NULL`,
  `CREATE TABLE concurrency_groups (
    workflow_name TEXT NOT NULL,
    group_key TEXT NOT NULL,
    PRIMARY KEY (workflow_name, group_key)
  )`,
];

/** Migration 17 in both dialects. */
export const concurrencyMigration: Migration = {
  id: 17,
  name: 'workflow concurrency limits',
  sqlite: [
    ...columns,
    {
      kind: 'table-edit',
      table: 'workflow_executions',
      from: `CHECK (status IN (${OLD}))`,
      to: `CHECK (status IN (${NEW}))`,
    },
  ],
  postgres: [
    ...columns,
    `ALTER TABLE workflow_executions DROP CONSTRAINT workflow_executions_status_check`,
    `ALTER TABLE workflow_executions ADD CONSTRAINT workflow_executions_status_check
     CHECK (status IN (${NEW})) NOT VALID`,
  ],
};
