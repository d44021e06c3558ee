/** Persistence of workflow definitions (name, version, tasks, dependencies, rules). */
import type { Db } from './db.js';
import {
  getDefinition,
  listDefinitionVersions,
  listLatestDefinitions,
  saveDefinition,
  type DefinitionRecord,
  type NewDefinition,
} from './ops/definitions.js';
import { READ } from './tx-kinds.js';

export type { DefinitionRecord, NewDefinition };

/** Definition operations of the {@link Store}; each is one transaction. */
export interface DefinitionStore {
  /** Records a workflow definition and makes it the latest version of its name. */
  saveDefinition(input: NewDefinition): Promise<DefinitionRecord>;
  /** The latest definition of `name` (or exactly `version`), or null. */
  getDefinition(name: string, version?: string): Promise<DefinitionRecord | null>;
  /**
   * The latest definition of every stored workflow, ordered by name; with `page`, at most
   * `limit` of them, named after `afterName`.
   */
  listLatestDefinitions(page?: {
    afterName: string | null;
    limit: number;
  }): Promise<DefinitionRecord[]>;
  /** Every stored version of `name`, most recently registered first. */
  listDefinitionVersions(name: string): Promise<DefinitionRecord[]>;
}

/** Builds the definition operations over an adapter's database handle. */
export function createDefinitionStore(db: Db): DefinitionStore {
  return {
    saveDefinition: (input) => db.transaction((tx) => saveDefinition(tx, input)),
    getDefinition: (name, version) =>
      db.transaction((tx) => getDefinition(tx, name, version), READ),
    listLatestDefinitions: (page) => db.transaction((tx) => listLatestDefinitions(tx, page), READ),
    listDefinitionVersions: (name) =>
      db.transaction((tx) => listDefinitionVersions(tx, name), READ),
  };
}
