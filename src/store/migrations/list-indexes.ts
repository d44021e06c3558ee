/** Migration 10: the indexes of keyset pagination, in place of the list indexes they replace. */
import type { Migration } from './migration.js';

/**
 * Executions are listed newest first, `(created_at_ms DESC, id DESC)`, with an optional workflow
 * and any set of statuses. Each of the three secondary indexes of `workflow_executions` is
 * replaced by one that carries the list's full order, so a page is a range read from the cursor
 * on (see `ops/execution-pages.ts`):
 *
 * - `by_created (created_at_ms)` → `(created_at_ms, id)`: the unfiltered list, one range. Its
 *   keys never change, so on PostgreSQL the dead versions a status change leaves in it are next
 *   to the live entry and removed by bottom-up deletion, and a page never walks far past them.
 * - `active (status) WHERE status IN (active)` → `by_status (status, created_at_ms, id)`, on
 *   every row: one ordered range per status. A status filter merges the ranges it names, so a
 *   finished status with few or no rows costs a seek, not a walk of the history. The
 *   active-executions count reads three of its ranges, and the claim finds the Pending and
 *   Running executions in it, as they did in the partial index.
 * - `by_name (workflow_name, created_at_ms)` → `by_workflow (workflow_name, status,
 *   created_at_ms, id)`: the same ranges within one workflow; a workflow filter without a status
 *   merges the ranges of all six.
 *
 * There are as many indexes as before: each costs every write of an execution (a status change
 * is a non-HOT update on PostgreSQL, which adds an entry to every index; SQLite rewrites the
 * entries of the indexes holding `status`, now two), and an insert writes one entry per index.
 * No column of them changes on a counter update (`open_tasks`), which stays HOT. A range of a
 * status that rows leave (Pending, Running, Paused) holds, on PostgreSQL, the dead entries of
 * the rows that left until vacuum removes them; a page of such a status walks past those.
 *
 * Trigger history is listed by `(started_at_ms DESC, id DESC)` within one trigger: its index
 * gains `id`, so ties in a millisecond are ordered by the index too. Cron history is ordered by
 * `scheduled_time_ms`, unique within a schedule, which `schedule_runs_cron_time` serves. Cron
 * schedules are listed by `(created_at_ms, id)`, which gets an index; trigger schedules and
 * workflow definitions by name, which their primary keys serve.
 */
const statements = [
  `DROP INDEX workflow_executions_by_created`,
  `DROP INDEX workflow_executions_by_name`,
  `DROP INDEX workflow_executions_active`,
  `CREATE INDEX workflow_executions_by_created ON workflow_executions (created_at_ms, id)`,
  `CREATE INDEX workflow_executions_by_status ON workflow_executions (status, created_at_ms, id)`,
  `CREATE INDEX workflow_executions_by_workflow
   ON workflow_executions (workflow_name, status, created_at_ms, id)`,
  `DROP INDEX schedule_runs_history`,
  `CREATE INDEX schedule_runs_history
   ON schedule_runs (schedule_kind, schedule_key, started_at_ms, id)`,
  `CREATE INDEX cron_schedules_by_created ON cron_schedules (created_at_ms, id)`,
];

/**
 * PostgreSQL only: the frequency of each (workflow, status) pair. With a workflow and a status
 * filter, PostgreSQL may read the status's range of `workflow_executions_by_status` and filter
 * on the workflow, which it expects to find soon when the workflow and the status are each
 * common; for a pair that never occurs (a workflow that never fails) that read walks every row
 * of the status. Knowing the pair is rare, it takes `workflow_executions_by_workflow` instead.
 * SQLite, without statistics, takes the index with the most equalities, the same one.
 */
const postgresOnly = [
  `CREATE STATISTICS workflow_executions_workflow_status (mcv)
   ON workflow_name, status FROM workflow_executions`,
];

/** Migration 10 in both dialects. */
export const listIndexesMigration: Migration = {
  id: 10,
  name: 'keyset pagination indexes',
  sqlite: statements,
  postgres: [...statements, ...postgresOnly],
};
