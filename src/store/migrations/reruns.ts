/** Migration 12: an execution knows the execution it reruns, and the latest rerun of it. */
import type { Migration } from './migration.js';

/**
 * `rerun_of` is the id of the execution a rerun was started from (`rerunExecution`), written
 * with the rerun; `rerun_by` is the id of the latest rerun of an execution, written on the
 * original by the same scheduling transaction. Both are NULL for every other execution. The
 * full list of reruns of an execution is the rows whose `rerun_of` names it; the original keeps
 * only the latest because that is the one an operator follows (a list in a column would be
 * rewritten, and grow, with each rerun).
 */
const statements = [
  `ALTER TABLE workflow_executions ADD COLUMN rerun_of TEXT`,
  `ALTER TABLE workflow_executions ADD COLUMN rerun_by TEXT`,
];

/** The same statements in both dialects. */
export const rerunsMigration: Migration = {
  id: 12,
  name: 'executions linked to their reruns',
  sqlite: statements,
  postgres: statements,
};
