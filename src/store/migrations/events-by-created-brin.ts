/** Migration 25: PostgreSQL finds events by age through a block range index. */
import type { Migration } from './migration.js';

/**
 * `execution_events_by_created` serves only the age cut of `cleanupEvents` and of pruned
 * schedule events: bulk deletes of the oldest rows, never a lookup on the hot path. As a B-tree
 * it took an entry for every event written, a fifth of each event's writes. Rows are appended
 * in time order, so a BRIN index (one summary per block range, written when a range fills) finds
 * the old rows nearly as well for bulk work and costs the writers almost nothing:
 * `autosummarize` summarizes each range as it fills, so a cut scans few unsummarized blocks.
 * SQLite has no block range index and keeps its B-tree.
 */
export const eventsByCreatedBrinMigration: Migration = {
  id: 25,
  name: 'events by age: a block range index (PostgreSQL)',
  sqlite: [],
  postgres: [
    `DROP INDEX execution_events_by_created`,
    `CREATE INDEX execution_events_by_created ON execution_events USING brin (created_at_ms)
     WITH (autosummarize = on)`,
  ],
};
