/** Migration 19: execution priorities; the claim and admission take higher priority first. */
import type { Migration } from './migration.js';

/**
 * `priority` (an integer, default 0, higher first) is stored on the execution and copied onto
 * each of its task rows, so the claim can read it from the index it walks. It never changes
 * after scheduling, so no later write touches it.
 *
 * The claim takes Ready tasks by priority, then oldest ready first, and must stop after its
 * `LIMIT` rows. Ready rows may be dated in the future (delayed starts, retry backoffs), and an
 * index leading with priority would walk a priority's future rows before reaching a lower
 * priority's due ones: one index over every Ready row would make a claim that finds little to do
 * read every future-dated row. So the Ready rows are split three ways by partial indexes, each
 * row in exactly one:
 *
 * - `task_executions_ready`: priority 0, the default, as before (`ready_at_ms, position, id`):
 *   the walk is a range ending at now, so future rows cost nothing;
 * - `task_executions_ready_above` and `task_executions_ready_below`: priorities above and below 0,
 *   in claim order (`priority DESC, ready_at_ms, position, id`).
 *
 * The claim reads them in that order (above, 0, below) and stops at its limit (see
 * `ops/claims.ts`). A walk of a non-zero priority passes over that segment's future-dated rows of
 * a higher priority than the rows it takes, index entries only: work without a priority pays
 * nothing for priorities. Each row has one entry, as before, so scheduling writes no more.
 *
 * `workflow_executions_queued`: a concurrency group's Queued executions in admission order
 * (priority, then first in, first out); only Queued rows have an entry.
 *
 * Both columns are added with a constant default: PostgreSQL writes no row for it, SQLite only
 * edits the table's SQL.
 */
const statements = [
  `ALTER TABLE workflow_executions ADD COLUMN priority INTEGER NOT NULL DEFAULT 0`,
  `ALTER TABLE task_executions ADD COLUMN priority INTEGER NOT NULL DEFAULT 0`,
  `DROP INDEX task_executions_ready`,
  `CREATE INDEX task_executions_ready ON task_executions (ready_at_ms, position, id)
   WHERE status = 'Ready' AND priority = 0`,
  `CREATE INDEX task_executions_ready_above
   ON task_executions (priority DESC, ready_at_ms, position, id)
   WHERE status = 'Ready' AND priority > 0`,
  `CREATE INDEX task_executions_ready_below
   ON task_executions (priority DESC, ready_at_ms, position, id)
   WHERE status = 'Ready' AND priority < 0`,
  `CREATE INDEX workflow_executions_queued
   ON workflow_executions (workflow_name, concurrency_key, priority DESC, created_at_ms, id)
   WHERE status = 'Queued'`,
];

/** Migration 19 in both dialects. */
export const prioritiesMigration: Migration = {
  id: 19,
  name: 'execution priorities',
  sqlite: statements,
  postgres: statements,
};
