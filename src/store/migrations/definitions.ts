/** Migration 4: stored workflow definitions, so clients without task code can schedule by name. */
import type { Migration } from './migration.js';

/**
 * One row per (name, version) a runner registered. `definition` is the code-free JSON of
 * `Workflow.toDefinition()`; `plan` is the list of task rows an execution of that version
 * starts with (positions, dependencies, dependents, rules), stored as computed by the runner so
 * a client schedules exactly what a runner would. The latest version of a name is the one
 * registered most recently (`registered_at_ms`, ties broken by version), which the index serves.
 */
function definitionTables(big: string): string[] {
  return [
    `CREATE TABLE workflow_definitions (
      name TEXT NOT NULL,
      version TEXT NOT NULL,
      description TEXT NOT NULL DEFAULT '',
      definition TEXT NOT NULL,
      plan TEXT NOT NULL,
      registered_by TEXT,
      registered_at_ms ${big} NOT NULL,
      PRIMARY KEY (name, version)
    )`,
    `CREATE INDEX workflow_definitions_latest ON workflow_definitions (name, registered_at_ms)`,
  ];
}

/** Workflow definition rows, the same table and columns in both dialects. */
export const workflowDefinitionsMigration: Migration = {
  id: 4,
  name: 'workflow definitions',
  sqlite: definitionTables('INTEGER'),
  postgres: definitionTables('BIGINT'),
};
