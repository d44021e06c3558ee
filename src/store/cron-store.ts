/** Persistence of cron schedules and their runs. */
import { admitting } from './ops/admission.js';
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
import type {
  CronScheduleRecord,
  CronRunRecord,
  NewCronSchedule,
  CronSchedulePatch,
  CronFireClaim,
  CronClaimOutcome,
  CronRunCounts,
  CronLeftover,
  CronRecovery,
} from './records.js';
import { LONG_READ, READ } from './tx-kinds.js';

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
    claimCronFire: (claim) => db.transaction(admitting((tx) => claimCronFire(tx, claim, faults))),
    cronHistory: (filter) => db.transaction((tx) => cronHistory(tx, filter), LONG_READ),
    cronStats: (filter) => db.transaction((tx) => cronStats(tx, filter), LONG_READ),
    closeFinishedCronRuns: (nowMs) => db.transaction((tx) => closeFinishedCronRuns(tx, nowMs)),
    findCronLeftovers: (filter) => db.transaction((tx) => findCronLeftovers(tx, filter), READ),
    recoverCronRun: (input) => db.transaction(admitting((tx) => recoverCronRun(tx, input))),
  };
}
