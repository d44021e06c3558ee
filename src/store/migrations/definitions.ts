/** Migration 4: stored workflow definitions, so clients without task code can schedule by name. */
import type { Migration } from './migration.js';

/** Workflow definition rows. */
export const workflowDefinitionsMigration: Migration = {
  id: 4,
  name: 'workflow definitions',
  sqlite: [],
  postgres: [],
};
