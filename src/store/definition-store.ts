/** Persistence of workflow definitions (name, version, tasks, dependencies, rules). */
import type { Db } from './db.js';

/** Definition operations of the {@link Store}; each is one transaction. */
export interface DefinitionStore {
  readonly definitionOpsVersion?: 1;
}

/** Builds the definition operations over an adapter's database handle. */
export function createDefinitionStore(_db: Db): DefinitionStore {
  return {};
}
