/** Migration 23: per-minute counts of ended executions, for the overview's long windows. */
import type { Migration } from './migration.js';

/**
 * `getExecutionStats` over a week counted every execution of the week from
 * `workflow_executions_by_completed`. `execution_stats_minutes` holds, for each minute (its
 * start, epoch ms, a multiple of 60,000) that has been rolled up, how many executions ended in
 * it by outcome; `execution_stats_rollup` is its one state row, the range of minutes rolled up
 * (`[from_ms, to_ms)`, empty when equal): a minute of that range without a row had no ended
 * execution. See `ops/stats-rollups.ts` for who writes them and when.
 *
 * Nothing on the path of a running execution writes them: they are filled when statistics are
 * read, from the index, for minutes that ended long enough ago.
 */
function statements(big: string): string[] {
  return [
    `CREATE TABLE execution_stats_minutes (
      minute_ms ${big} PRIMARY KEY,
      completed INTEGER NOT NULL,
      failed INTEGER NOT NULL,
      cancelled INTEGER NOT NULL
    )`,
    `CREATE TABLE execution_stats_rollup (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      from_ms ${big} NOT NULL,
      to_ms ${big} NOT NULL
    )`,
    `INSERT INTO execution_stats_rollup (id, from_ms, to_ms) VALUES (1, 0, 0)`,
  ];
}

/** Migration 23 in both dialects (SQLite's `INTEGER PRIMARY KEY` is the row id itself). */
export const statsRollupsMigration: Migration = {
  id: 23,
  name: 'per-minute rollups of ended executions',
  sqlite: statements('INTEGER'),
  postgres: statements('BIGINT'),
};
