/** Migration 21: a concurrency group's lock becomes several rows (stripes). */
import type { Migration } from './migration.js';

/**
 * `concurrency_groups` gains `stripe`: a group is locked as `GROUP_STRIPES` rows (see
 * `ops/admission-core.ts`). A transaction that admits or queues locks them all, as the one row
 * before; one that starts an execution far below the limit, or ends one while nobody waits,
 * locks a single stripe, so those transactions of one group no longer queue behind each other's
 * commits. Existing rows become stripe 0; the others are created on first use, like the rows.
 *
 * SQLite never writes this table (its single writer is the lock); it is rebuilt empty with the
 * same shape, so both schemas agree.
 */
const table = `CREATE TABLE concurrency_groups (
    workflow_name TEXT NOT NULL,
    group_key TEXT NOT NULL,
    stripe INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (workflow_name, group_key, stripe)
  )`;

/** Migration 21 in both dialects. */
export const concurrencyStripesMigration: Migration = {
  id: 21,
  name: 'concurrency group stripes',
  sqlite: [`DROP TABLE concurrency_groups`, table],
  postgres: [
    `ALTER TABLE concurrency_groups ADD COLUMN stripe INTEGER NOT NULL DEFAULT 0`,
    `ALTER TABLE concurrency_groups DROP CONSTRAINT concurrency_groups_pkey`,
    `ALTER TABLE concurrency_groups ADD PRIMARY KEY (workflow_name, group_key, stripe)`,
  ],
};
