/** Migration 27: event rows name their runner by a small number instead of its id. */
import type { Migration } from './migration.js';

/**
 * Every event row carried the id of the runner (or client) that wrote it: a 36-character UUID,
 * the same one on most rows, about a third of a row's bytes. `event_runners` numbers each
 * writer once; new rows keep its number in `runner_ref` and leave `runner_id` NULL, and readers
 * take the id back through the number. Rows written before keep their `runner_id`, so the
 * column is only added, which rewrites no row. The table gains one row per process that ever
 * wrote an event (a runner, a client), and is never pruned: rows of any age may name them.
 */
const runnerRef = `ALTER TABLE execution_events ADD COLUMN runner_ref INTEGER`;

/** Migration 27 in both dialects. */
export const eventRunnersMigration: Migration = {
  id: 27,
  name: 'event rows: runners by number',
  sqlite: [
    `CREATE TABLE event_runners (ref INTEGER PRIMARY KEY, runner_id TEXT NOT NULL UNIQUE)`,
    runnerRef,
  ],
  postgres: [
    `CREATE TABLE event_runners (
       ref INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
       runner_id TEXT NOT NULL UNIQUE)`,
    runnerRef,
  ],
};
