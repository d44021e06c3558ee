/** Persistence of event-trigger schedules and fires (SPEC §4). */
import type { Db } from './db.js';

/** Trigger operations of the {@link Store}; each is one transaction. */
export interface TriggerStore {
  readonly triggerOpsVersion?: 1;
}

/** Builds the trigger operations over an adapter's database handle. */
export function createTriggerStore(_db: Db): TriggerStore {
  return {};
}
