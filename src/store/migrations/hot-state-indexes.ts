/** Migration 6: the claim and sweep indexes cover only the rows those queries look for. */
import type { Migration } from './migration.js';

/**
 * The claim looks for Ready tasks oldest first; the sweeper for Running and Deferred tasks by
 * heartbeat. The indexes they used held every task in every status, so each status change of
 * every task rewrote an entry in both, and they grew with the whole history. Partial indexes
 * hold only the live rows: a finished task leaves them, and they stay a few pages deep. The
 * claim index also carries the claim's full sort order (`ready_at_ms, position, id`), so a
 * claim reads its `LIMIT` rows in order and stops.
 */
const statements = [
  `DROP INDEX task_executions_ready`,
  `CREATE INDEX task_executions_ready ON task_executions (ready_at_ms, position, id)
   WHERE status = 'Ready'`,
  `DROP INDEX task_executions_claimed`,
  `CREATE INDEX task_executions_claimed ON task_executions (heartbeat_at_ms)
   WHERE status IN ('Running', 'Deferred')`,
];

/** The same statements in both dialects. */
export const hotStateIndexesMigration: Migration = {
  id: 6,
  name: 'partial indexes for claims and sweeps',
  sqlite: statements,
  postgres: statements,
};
