/** Persistence of cron schedules and their runs. */
import type { JsonObject } from '../core/json.js';
import type { Db } from './db.js';
import type { StoreFaults } from './faults.js';
import {
  claimCronFire,
  closeFinishedCronRuns,
  cronHistory,
  cronStats,
  deleteCronSchedule,
  dueCronSchedules,
  findCronLeftovers,
  getCronSchedule,
  insertCronSchedule,
  listCronSchedules,
  recoverCronRun,
  updateCronSchedule,
} from './ops/cron.js';
import type { ClaimedTask, NewExecution } from './store.js';

/** What to do with scheduled times that passed while no runner fired them. */
export type CatchupPolicy = 'skip' | 'run_all';

/** A cron schedule as stored. Times are epoch milliseconds. */
export interface CronScheduleRecord {
  readonly id: string;
  readonly workflowName: string;
  readonly expression: string;
  readonly timezone: string;
  readonly catchupPolicy: CatchupPolicy;
  readonly enabled: boolean;
  readonly context: JsonObject;
  readonly startAtMs: number | null;
  readonly endAtMs: number | null;
  /** `null` once the schedule will never fire again (past its end date). */
  readonly nextRunAtMs: number | null;
  readonly lastRunAtMs: number | null;
  /** Bumped by every write; the claim compares it so a stale read never fires. */
  readonly version: number;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

/**
 * Status of one cron run. `missed` rows count the scheduled times a catch-up skipped; `lost`
 * marks a run whose hand-off recovery gave up on (stored as `error` in `schedule_runs`).
 */
export type CronRunStatus = 'open' | 'completed' | 'failed' | 'cancelled' | 'missed' | 'lost';

/** One row of a schedule's history. */
export interface CronRunRecord {
  readonly id: string;
  readonly scheduleId: string;
  readonly workflowName: string | null;
  readonly workflowExecutionId: string | null;
  readonly scheduledTimeMs: number;
  readonly status: CronRunStatus;
  /** For `missed` rows: how many scheduled times were skipped. */
  readonly missedCount: number | null;
  readonly message: string | null;
  readonly startedAtMs: number;
  readonly completedAtMs: number | null;
  readonly recoveryAttempts: number;
}

/** Input of {@link CronStore.insertCronSchedule}. */
export interface NewCronSchedule {
  readonly id: string;
  readonly workflowName: string;
  readonly expression: string;
  readonly timezone: string;
  readonly catchupPolicy: CatchupPolicy;
  readonly context: JsonObject;
  readonly startAtMs: number | null;
  readonly endAtMs: number | null;
  readonly nextRunAtMs: number | null;
  readonly nowMs: number;
}

/** Fields an update may change; `nextRunAtMs` is always recomputed by the caller. */
export interface CronSchedulePatch {
  readonly expression?: string;
  readonly timezone?: string;
  readonly enabled?: boolean;
  readonly nextRunAtMs: number | null;
}

/** One scheduled time to fire, with the execution it hands off to. */
export interface CronFire {
  readonly scheduledTimeMs: number;
  readonly execution: NewExecution;
}

/** Scheduled times a catch-up skipped, recorded as one `missed` history row. */
export interface CronMissed {
  readonly count: number;
  /** The oldest skipped time: the row's `scheduled_time_ms`. */
  readonly firstMs: number;
  readonly message: string;
}

/** Input of {@link CronStore.claimCronFire}: everything computed from the row as it was read. */
export interface CronFireClaim {
  readonly scheduleId: string;
  readonly seenVersion: number;
  readonly seenNextRunAtMs: number;
  readonly nextRunAtMs: number | null;
  readonly workflowName: string;
  readonly fires: readonly CronFire[];
  readonly missed: CronMissed | null;
  readonly nowMs: number;
  /** The claiming runner, named in the feed events. */
  readonly runnerId?: string;
}

/** What a claim did; `claimed: false` means another runner (or an update) got there first. */
export interface CronClaimOutcome {
  readonly claimed: boolean;
  /** Fires handed off; a time already present in history (the unique key) is left out. */
  readonly fired: readonly { scheduledTimeMs: number; executionId: string }[];
  /** Root tasks of the fired executions claimed for the runner (their `claimRoots`). */
  readonly roots: readonly ClaimedTask[];
}

/** Counts of {@link CronStore.cronStats}. */
export interface CronRunCounts {
  readonly total: number;
  readonly successful: number;
  readonly failed: number;
  readonly lost: number;
  readonly missed: number;
}

/** An open cron run without an execution, with the schedule it belongs to (if it still exists). */
export interface CronLeftover {
  readonly run: CronRunRecord;
  readonly schedule: CronScheduleRecord | null;
}

/** Input of {@link CronStore.recoverCronRun}: a re-hand-off (`execution`) or giving up (`lostReason`). */
export interface CronRecovery {
  readonly runId: string;
  readonly seenRecoveryAttempts: number;
  readonly execution: NewExecution | null;
  readonly lostReason: string;
  readonly nowMs: number;
}

/** Cron operations of the {@link Store}; each is one transaction. */
export interface CronStore {
  /** Writes a new schedule and wakes cron loops. */
  insertCronSchedule(input: NewCronSchedule): Promise<CronScheduleRecord>;
  getCronSchedule(id: string): Promise<CronScheduleRecord | null>;
  /** Schedules by `(createdAtMs, id)`, after `after` when given. */
  listCronSchedules(filter: {
    enabledOnly: boolean;
    limit: number;
    offset: number;
    after?: { createdAtMs: number; id: string };
  }): Promise<CronScheduleRecord[]>;
  /**
   * Reads the schedule, lets `change` compute the patch from it (it may throw to abort), writes
   * it and wakes cron loops, all in one transaction. `null` when the id is unknown.
   */
  updateCronSchedule(
    id: string,
    nowMs: number,
    change: (current: CronScheduleRecord) => CronSchedulePatch,
  ): Promise<CronScheduleRecord | null>;
  /** Deletes a schedule (its history stays); `false` when the id is unknown. */
  deleteCronSchedule(id: string): Promise<boolean>;
  /** Enabled schedules of the named workflows with a next run, earliest first. */
  dueCronSchedules(filter: {
    workflowNames: readonly string[];
    limit: number;
  }): Promise<CronScheduleRecord[]>;
  /**
   * Compare-and-set on the schedule's next run and version; on success, inserts the history
   * rows and the workflow executions in the same transaction.
   */
  claimCronFire(claim: CronFireClaim): Promise<CronClaimOutcome>;
  /**
   * A schedule's history, newest scheduled time first (older than `beforeTimeMs` when given; a
   * scheduled time is unique within a schedule).
   */
  cronHistory(filter: {
    scheduleId: string;
    limit: number;
    offset: number;
    beforeTimeMs?: number;
  }): Promise<CronRunRecord[]>;
  /** Counts of cron runs recorded since `sinceMs`. */
  cronStats(filter: { sinceMs: number }): Promise<CronRunCounts>;
  /** Closes open cron runs whose execution already ended; returns how many. */
  closeFinishedCronRuns(nowMs: number): Promise<number>;
  /** Open cron runs recorded before `startedBeforeMs` whose execution does not exist. */
  findCronLeftovers(filter: { startedBeforeMs: number; limit: number }): Promise<CronLeftover[]>;
  /** Re-hands a leftover off, or marks it lost; `false` when it was no longer a leftover. */
  recoverCronRun(input: CronRecovery): Promise<boolean>;
}

const READ = { readOnly: true } as const;

/** Builds the cron operations over an adapter's database handle (`faults`: crash tests only). */
export function createCronStore(db: Db, faults: StoreFaults = {}): CronStore {
  return {
    insertCronSchedule: (input) => db.transaction((tx) => insertCronSchedule(tx, input)),
    getCronSchedule: (id) => db.transaction((tx) => getCronSchedule(tx, id), READ),
    listCronSchedules: (filter) => db.transaction((tx) => listCronSchedules(tx, filter), READ),
    updateCronSchedule: (id, nowMs, change) =>
      db.transaction((tx) => updateCronSchedule(tx, id, nowMs, change)),
    deleteCronSchedule: (id) => db.transaction((tx) => deleteCronSchedule(tx, id)),
    dueCronSchedules: (filter) => db.transaction((tx) => dueCronSchedules(tx, filter), READ),
    claimCronFire: (claim) => db.transaction((tx) => claimCronFire(tx, claim, faults)),
    cronHistory: (filter) => db.transaction((tx) => cronHistory(tx, filter), READ),
    cronStats: (filter) => db.transaction((tx) => cronStats(tx, filter), READ),
    closeFinishedCronRuns: (nowMs) => db.transaction((tx) => closeFinishedCronRuns(tx, nowMs)),
    findCronLeftovers: (filter) => db.transaction((tx) => findCronLeftovers(tx, filter), READ),
    recoverCronRun: (input) => db.transaction((tx) => recoverCronRun(tx, input)),
  };
}
