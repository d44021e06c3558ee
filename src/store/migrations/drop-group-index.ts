/** Migration 26: the index by concurrency group goes; the stored place counts replaced it. */
import type { Migration } from './migration.js';

/**
 * `workflow_executions_by_group` (migration 17) served the count of a group's places in use,
 * which `concurrency_counts` (migration 24) now keeps, and its queue, which
 * `workflow_executions_queued` serves. Nothing reads it any more, yet every limited execution
 * wrote an entry into it at its start and at each status change (status is one of its
 * columns): three index writes per execution for nothing.
 */
export const dropGroupIndexMigration: Migration = {
  id: 26,
  name: 'drop the index by concurrency group',
  sqlite: [`DROP INDEX workflow_executions_by_group`],
  postgres: [`DROP INDEX workflow_executions_by_group`],
};
