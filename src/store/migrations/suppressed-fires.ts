/** Migration 7: one counted history row per run of suppressed trigger fires. */
import type { Migration } from './migration.js';

/**
 * A trigger polled every 100 ms against a long open execution wrote one 'deduplicated' row per
 * poll, some 850,000 a day. Now one row stands for every fire suppressed by the same open
 * execution with the same context hash: `fire_count` counts them (1 for every other row),
 * `started_at_ms` is the first and `completed_at_ms` the latest. `open_execution_id` names the
 * execution that suppressed them, and the partial unique index is the key each further
 * suppression updates in place (`INSERT … ON CONFLICT … DO UPDATE`), whatever number of runners
 * race. Rows written before keep `open_execution_id` NULL, which never conflicts: they stay one
 * row per suppressed fire, each counting 1.
 */
const statements = [
  `ALTER TABLE schedule_runs ADD COLUMN fire_count INTEGER NOT NULL DEFAULT 1`,
  `ALTER TABLE schedule_runs ADD COLUMN open_execution_id TEXT`,
  `CREATE UNIQUE INDEX schedule_runs_suppressed
   ON schedule_runs (schedule_kind, schedule_key, open_execution_id, context_hash)
   WHERE status = 'deduplicated'`,
];

/** The same statements in both dialects. */
export const suppressedFiresMigration: Migration = {
  id: 7,
  name: 'suppressed trigger fires counted in one row',
  sqlite: statements,
  postgres: statements,
};
