/** Persistence of retention: leases of singleton work, and pruning in batches. */
import type { PruneCounts } from '../core/retention.js';
import type { Capabilities, Db } from './db.js';
import { acquireLease, releaseLease, type LeaseClaim } from './ops/leases.js';
import {
  countPrunable,
  pruneExecutionsBatch,
  pruneHistoryBatch,
  type ExecutionCut,
} from './ops/prune.js';
import { AUTOCOMMIT, BACKGROUND, LONG_READ } from './tx-kinds.js';

export type { ExecutionCut, LeaseClaim };

/** Retention operations of the {@link Store}; each is one transaction. */
export interface RetentionStore {
  /** What the backend can do (the size of prune batches depends on it). */
  readonly capabilities: Capabilities;
  /** Takes or renews the lease `name` for `holder`; true when `holder` holds it afterwards. */
  acquireLease(input: LeaseClaim): Promise<boolean>;
  /** Gives the lease `name` up if `holder` holds it. */
  releaseLease(input: { name: string; holder: string }): Promise<void>;
  /**
   * Deletes at most `limit` rows of terminal executions past their cut (events, then tasks,
   * then the executions left with neither). All counts zero: nothing is left to prune.
   */
  pruneExecutions(input: { cuts: readonly ExecutionCut[]; limit: number }): Promise<PruneCounts>;
  /**
   * Deletes at most `limit` rows of trigger and cron history (runs that are not open, and
   * events of no execution) from before `beforeMs`. All counts zero: nothing is left.
   */
  pruneHistory(input: { beforeMs: number; limit: number }): Promise<PruneCounts>;
  /**
   * Gives the disk space pruning freed back to the filesystem (see `Db.reclaimSpace`): on
   * SQLite the write-ahead log is truncated and free pages are returned; PostgreSQL does
   * nothing (autovacuum).
   */
  reclaimSpace(): Promise<void>;
  /** What pruning with these cuts would delete now: a count; nothing is deleted. */
  countPrunable(input: {
    cuts: readonly ExecutionCut[];
    historyBeforeMs: number | null;
  }): Promise<PruneCounts>;
}

/** Builds the retention operations over an adapter's database handle. */
export function createRetentionStore(db: Db): RetentionStore {
  return {
    capabilities: db.capabilities,
    acquireLease: (input) => db.transaction((tx) => acquireLease(tx, input), AUTOCOMMIT),
    releaseLease: (input) => db.transaction((tx) => releaseLease(tx, input), AUTOCOMMIT),
    pruneExecutions: (input) => db.transaction((tx) => pruneExecutionsBatch(tx, input), BACKGROUND),
    pruneHistory: (input) => db.transaction((tx) => pruneHistoryBatch(tx, input), BACKGROUND),
    countPrunable: (input) => db.transaction((tx) => countPrunable(tx, input), LONG_READ),
    reclaimSpace: () => db.reclaimSpace(),
  };
}
