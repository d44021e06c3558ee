/** Migration 16: leases for work one runner at a time does, and history by time for pruning. */
import type { Migration } from './migration.js';

/**
 * `leases`: one row per kind of singleton work (`name`, e.g. 'retention'), held by one runner
 * (`holder`, its id) until `expires_at_ms`. A runner takes or renews a lease with one
 * conditional upsert that succeeds only when the row is absent, its own, or expired (see
 * `ops/leases.ts`), so two runners never hold one lease at once, and a holder that dies
 * without releasing it is replaced once it expires. Times come from the runners' clocks.
 *
 * `schedule_runs_by_started`: trigger and cron history is pruned by age across every trigger
 * and schedule; without an index leading with `started_at_ms` each pruning batch would read
 * the whole history. One entry per fire; a suppressed fire counted into an existing row
 * changes no column of it.
 */
function statements(big: string): string[] {
  return [
    `CREATE TABLE leases (
      name TEXT PRIMARY KEY,
      holder TEXT NOT NULL,
      acquired_at_ms ${big} NOT NULL,
      expires_at_ms ${big} NOT NULL
    )`,
    `CREATE INDEX schedule_runs_by_started ON schedule_runs (started_at_ms)`,
  ];
}

/** The lease table and the history index, the same in both dialects. */
export const leasesMigration: Migration = {
  id: 16,
  name: 'leases; trigger and cron history by start time',
  sqlite: statements('INTEGER'),
  postgres: statements('BIGINT'),
};
