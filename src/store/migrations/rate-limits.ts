/** Migration 18: workflow rate limits; executions may wait as `Queued` for a rate window. */
import type { Migration } from './migration.js';

/**
 * An execution of a workflow with `rateLimit: { limit, period, key? }` stores its rate group
 * (`rate_key`, '' without a key function), the limit and period it was scheduled under, and
 * `rate_started_at_ms`: the time it took its place in the group's window (when it was written
 * able to start, or when it was admitted). A group's count is not stored: it is counted from
 * the executions themselves (those of the group started in the last period), in the
 * transaction that admits, under a lock of the workflow, so it cannot drift (see
 * `ops/admission.ts`).
 *
 * `workflow_executions_rate_window` serves that count and finds when the window next opens;
 * `workflow_executions_rate_queued` finds the groups with executions waiting for a window,
 * oldest first, for the runners' rate pass. Only rows with a rate group (and, for the second,
 * only Queued ones) have entries, so a workflow without a rate limit pays nothing for them.
 *
 * `rate_limit_locks` holds one row per rate-limited workflow ever used: on PostgreSQL, the row
 * an admitting transaction locks before the workflow's concurrency groups (SQLite's single
 * writer needs no lock, and writes none).
 */
const statements = [
  `ALTER TABLE workflow_executions ADD COLUMN rate_key TEXT`,
  `ALTER TABLE workflow_executions ADD COLUMN rate_limit INTEGER`,
  `ALTER TABLE workflow_executions ADD COLUMN rate_period_ms BIGINT`,
  `ALTER TABLE workflow_executions ADD COLUMN rate_started_at_ms BIGINT`,
  `CREATE INDEX workflow_executions_rate_window
   ON workflow_executions (workflow_name, rate_key, rate_started_at_ms)
   WHERE rate_key IS NOT NULL AND rate_started_at_ms IS NOT NULL`,
  `CREATE INDEX workflow_executions_rate_queued
   ON workflow_executions (workflow_name, rate_key, created_at_ms, id)
   WHERE status = 'Queued' AND rate_key IS NOT NULL AND rate_started_at_ms IS NULL`,
  `CREATE TABLE rate_limit_locks (
    workflow_name TEXT NOT NULL PRIMARY KEY
  )`,
];

/** Migration 18 in both dialects. */
export const rateLimitsMigration: Migration = {
  id: 18,
  name: 'workflow rate limits',
  sqlite: statements,
  postgres: statements,
};
