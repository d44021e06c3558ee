/** Persistence of the runner registry, and the database's liveness check. */
import type { Db } from './db.js';
import {
  listRunners,
  markRunnerStopped,
  upsertRunner,
  type RunnerPresenceInput,
  type RunnerRecord,
} from './ops/runners.js';
import { AUTOCOMMIT, READ_ONE } from './tx-kinds.js';

export type { RunnerPresenceInput, RunnerRecord };

/** Runner registry operations of the {@link Store}; each is one transaction. */
export interface RunnerStore {
  /** Writes this runner's row (start, heartbeat, workflows) and prunes day-old rows. */
  upsertRunner(input: RunnerPresenceInput): Promise<void>;
  /** Marks a runner stopped. */
  markRunnerStopped(input: { runnerId: string; nowMs: number }): Promise<void>;
  /** Runners with their claim counts, newest heartbeat first (live ones unless `includeStopped`). */
  listRunners(input: { nowMs: number; includeStopped: boolean }): Promise<RunnerRecord[]>;
  /** Runs one trivial query: resolves when the database answers. */
  ping(): Promise<void>;
}

/** Builds the runner registry operations over an adapter's database handle. */
export function createRunnerStore(db: Db): RunnerStore {
  return {
    upsertRunner: (input) => db.transaction((tx) => upsertRunner(tx, input), AUTOCOMMIT),
    markRunnerStopped: (input) => db.transaction((tx) => markRunnerStopped(tx, input), AUTOCOMMIT),
    listRunners: (input) => db.transaction((tx) => listRunners(tx, input), READ_ONE),
    ping: () => db.transaction(async (tx) => void (await tx.get('SELECT 1 AS ok')), READ_ONE),
  };
}
