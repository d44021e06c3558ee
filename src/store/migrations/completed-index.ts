/** Migration 13: executions by the time they ended, for the overview's throughput counts. */
import type { Migration } from './migration.js';

/**
 * `getExecutionStats` counts the executions that ended in a time window, by interval and
 * outcome. No index led with `completed_at_ms`, so both backends read the whole table for it
 * (on 120,000 executions: SQLite `SCAN workflow_executions`, PostgreSQL a sequential scan),
 * however short the window. With `(completed_at_ms, status)` the window is one range, read
 * from the index alone (see `ops/stats.ts` for the plans).
 *
 * Partial: an execution has no `completed_at_ms` until it ends, so scheduling one adds no
 * entry, and the index holds ended executions only. Ending one adds one entry, in the write that
 * already changes `status` (an indexed column, so on PostgreSQL that update was never HOT); the
 * counter updates while it runs change no column of it. Both backends use the partial index for
 * a range on `completed_at_ms`, which implies `completed_at_ms IS NOT NULL`.
 */
const statements = [
  `CREATE INDEX workflow_executions_by_completed
   ON workflow_executions (completed_at_ms, status) WHERE completed_at_ms IS NOT NULL`,
];

/** The same statement in both dialects. */
export const completedIndexMigration: Migration = {
  id: 13,
  name: 'index of executions by the time they ended',
  sqlite: statements,
  postgres: statements,
};
