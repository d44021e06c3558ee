/** Migration 6: the hot indexes cover only the live rows their queries look for. */
import type { Migration } from './migration.js';

/**
 * The claim looks for Ready tasks oldest first; the sweeper for Running and Deferred tasks by
 * heartbeat; the active-workflows gauge counts executions not yet ended. The indexes they used
 * held every row in every status, so each status change rewrote an entry in each, and they grew
 * with the whole history. Partial indexes hold only the live rows: a finished task or execution
 * leaves them, and they stay a few pages deep. The claim index also carries the claim's full
 * sort order (`ready_at_ms, position, id`), so a claim reads its `LIMIT` rows in order and
 * stops. Listing executions by an ended status walks `workflow_executions_by_created` newest
 * first instead.
 */
const statements = [
  `DROP INDEX task_executions_ready`,
  `CREATE INDEX task_executions_ready ON task_executions (ready_at_ms, position, id)
   WHERE status = 'Ready'`,
  `DROP INDEX task_executions_claimed`,
  `CREATE INDEX task_executions_claimed ON task_executions (heartbeat_at_ms)
   WHERE status IN ('Running', 'Deferred')`,
  `DROP INDEX workflow_executions_by_status`,
  `CREATE INDEX workflow_executions_active ON workflow_executions (status)
   WHERE status IN ('Pending', 'Running', 'Paused')`,
];

/**
 * PostgreSQL only: room on each page of the two hot tables (fillfactor 80; it applies to pages
 * written from now on). A counter update (`open_tasks`, `pending_deps`) changes no indexed
 * column, so with room on its page it is a HOT update: a new row version on the same page and
 * no new entry in any index. With full pages every such update added an entry to every index.
 */
const postgresOnly = [
  `ALTER TABLE workflow_executions SET (fillfactor = 80)`,
  `ALTER TABLE task_executions SET (fillfactor = 80)`,
];

/** Migration 6 in both dialects. */
export const hotStateIndexesMigration: Migration = {
  id: 6,
  name: 'partial indexes for claims, sweeps and active executions',
  sqlite: statements,
  postgres: [...statements, ...postgresOnly],
};
