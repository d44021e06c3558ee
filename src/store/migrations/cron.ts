/** Migration 3: cron schedules. */
import type { Migration } from './migration.js';

/**
 * The cron tables, with `BIGINT` spelled per dialect.
 *
 * `version` is bumped by every write to a schedule: the loop's claim is a compare-and-set on
 * `(next_run_at_ms, version)`, so an update that happens to recompute the same next run still
 * invalidates a claim computed from the old expression. `next_run_at_ms` is NULL when the
 * schedule will never fire again (past its end date), which keeps it out of the due scan.
 *
 * Two columns are added to the shared `schedule_runs` table (both nullable or defaulted, so
 * trigger rows are unaffected): `missed_count`, the number of scheduled times a catch-up
 * skipped, shown in history; and `recovery_attempts`, how often recovery re-handed a run off.
 */
function cronTables(big: string): string[] {
  return [
    `CREATE TABLE cron_schedules (
      id TEXT PRIMARY KEY,
      workflow_name TEXT NOT NULL,
      expression TEXT NOT NULL,
      timezone TEXT NOT NULL,
      catchup_policy TEXT NOT NULL CHECK (catchup_policy IN ('skip', 'run_all')),
      enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
      context TEXT NOT NULL,
      start_at_ms ${big},
      end_at_ms ${big},
      next_run_at_ms ${big},
      last_run_at_ms ${big},
      version INTEGER NOT NULL DEFAULT 1,
      created_at_ms ${big} NOT NULL,
      updated_at_ms ${big} NOT NULL
    )`,
    `CREATE INDEX cron_schedules_due ON cron_schedules (enabled, next_run_at_ms)`,
    `CREATE INDEX cron_schedules_by_workflow ON cron_schedules (workflow_name)`,
    `ALTER TABLE schedule_runs ADD COLUMN missed_count INTEGER`,
    `ALTER TABLE schedule_runs ADD COLUMN recovery_attempts INTEGER NOT NULL DEFAULT 0`,
    `CREATE INDEX schedule_runs_open ON schedule_runs (schedule_kind, status)`,
  ];
}

/** Cron schedule rows. */
export const cronSchedulesMigration: Migration = {
  id: 3,
  name: 'cron schedules',
  sqlite: cronTables('INTEGER'),
  postgres: cronTables('BIGINT'),
};
