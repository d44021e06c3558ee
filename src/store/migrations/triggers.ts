/** Migration 2: durable event-trigger schedules. */
import type { Migration } from './migration.js';

/**
 * One row per trigger name. `last_poll_at_ms` is the durable compare-and-set target of the
 * polling loop: a runner polls a trigger only after moving it forward in one
 * conditional UPDATE, so across runners and restarts each interval is polled once. Skips are
 * counted here rather than stored one history row each; poll errors keep a streak counter so
 * they are logged once per streak.
 */
function triggerTables(big: string): string[] {
  return [
    `CREATE TABLE trigger_schedules (
      trigger_name TEXT PRIMARY KEY,
      workflow_name TEXT NOT NULL,
      poll_interval_ms ${big} NOT NULL CHECK (poll_interval_ms > 0),
      allow_concurrent INTEGER NOT NULL DEFAULT 0 CHECK (allow_concurrent IN (0, 1)),
      enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
      last_poll_at_ms ${big},
      skips ${big} NOT NULL DEFAULT 0,
      last_skip_reason TEXT,
      consecutive_errors INTEGER NOT NULL DEFAULT 0,
      last_error TEXT,
      last_error_at_ms ${big},
      created_at_ms ${big} NOT NULL,
      updated_at_ms ${big} NOT NULL
    )`,
    `CREATE INDEX trigger_schedules_due ON trigger_schedules (enabled, last_poll_at_ms)`,
  ];
}

/** Trigger schedule rows, the same table and columns in both dialects. */
export const triggerSchedulesMigration: Migration = {
  id: 2,
  name: 'trigger schedules',
  sqlite: triggerTables('INTEGER'),
  postgres: triggerTables('BIGINT'),
};
