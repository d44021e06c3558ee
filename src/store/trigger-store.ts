/** Persistence of event-trigger schedules and fires. */
import { admitting } from './ops/admission.js';
import type { Db } from './db.js';
import {
  claimTriggerPolls,
  deleteTriggerSchedule,
  findDueTriggers,
  fireTrigger,
  getTriggerHistory,
  getTriggerSchedule,
  listTriggerSchedules,
  recordTriggerError,
  recordTriggerPolls,
  setTriggerEnabled,
  upsertTriggerSchedule,
  upsertTriggerSchedules,
  type TriggerFireInput,
  type TriggerFireOutcome,
  type TriggerPollStart,
  type TriggerPollSuccess,
  type TriggerRunRecord,
  type TriggerScheduleRecord,
  type TriggerScheduleUpsert,
} from './ops/triggers.js';
import { AUTOCOMMIT, LONG_READ, READ, READ_ONE } from './tx-kinds.js';

export type {
  TriggerFireInput,
  TriggerFireOutcome,
  TriggerPollStart,
  TriggerPollSuccess,
  TriggerRunRecord,
  TriggerScheduleRecord,
  TriggerScheduleUpsert,
};
export type { TriggerRunStatus } from './ops/triggers.js';

/** Trigger operations of the {@link Store}; each is one transaction. */
export interface TriggerStore {
  /** Creates or updates a schedule row, keeping `enabled` and `lastPollAt` of an existing one. */
  upsertTriggerSchedule(input: TriggerScheduleUpsert): Promise<TriggerScheduleRecord>;
  /** Several upserts in one transaction; the rows in the order of `inputs`. */
  upsertTriggerSchedules(
    inputs: readonly TriggerScheduleUpsert[],
  ): Promise<TriggerScheduleRecord[]>;
  /** The schedule row of a trigger, or null. */
  getTriggerSchedule(triggerName: string): Promise<TriggerScheduleRecord | null>;
  /** Schedule rows ordered by name (after `afterName` when given). */
  listTriggerSchedules(filter: {
    enabledOnly: boolean;
    limit: number;
    offset: number;
    afterName?: string;
  }): Promise<TriggerScheduleRecord[]>;
  /** Enables or disables a schedule; null when there is none. */
  setTriggerEnabled(input: {
    triggerName: string;
    enabled: boolean;
    nowMs: number;
  }): Promise<TriggerScheduleRecord | null>;
  /** Deletes a schedule row (its history stays); returns whether it existed. */
  deleteTriggerSchedule(triggerName: string): Promise<boolean>;
  /** Enabled schedules due at `nowMs`, least recently polled first. */
  findDueTriggers(input: { nowMs: number }): Promise<TriggerScheduleRecord[]>;
  /**
   * Compare-and-set on `lastPollAt`: returns the rows this caller won the right to poll. `now`
   * (the injected clock) is read inside the transaction, once the write lock is held.
   */
  claimTriggerPolls(input: {
    triggerNames: readonly string[];
    now: () => number;
    /**
     * When each poll (parallel to `triggerNames`) is to start, for polls claimed ahead of their
     * due time: `lastPollAt` becomes it, and the trigger must be due by then. Earlier than `now`
     * (or absent) means `now`.
     */
    startAtMs?: readonly number[];
    /** Finished polls to record in the same transaction (see `recordTriggerPolls`). */
    records?: readonly TriggerPollSuccess[];
  }): Promise<TriggerScheduleRecord[]>;
  /** Records Skip and Fire polls together (each statement commits on its own). */
  recordTriggerPolls(input: { polls: readonly TriggerPollSuccess[]; nowMs: number }): Promise<void>;
  /**
   * Records a poll error (history row + streak + a `trigger_poll_failed` feed event); returns
   * the streak length.
   */
  recordTriggerError(input: {
    triggerName: string;
    workflowName: string | null;
    errorMessage: string;
    nowMs: number;
    /** The runner whose poll failed, named in the feed event. */
    runnerId?: string;
    /** Set when the poll started well after its claim: `lastPollAt` moves to its start. */
    started?: TriggerPollStart;
  }): Promise<number>;
  /**
   * Fires (history row + execution + `trigger_fired` event) or records a suppressed duplicate
   * (and, at powers of two, a `trigger_suppressed` event), in one transaction.
   */
  fireTrigger(input: TriggerFireInput): Promise<TriggerFireOutcome>;
  /**
   * History rows of a trigger, newest first: `(startedAtMs, id)` descending, after `after` when
   * given.
   */
  getTriggerHistory(input: {
    triggerName: string;
    limit: number;
    offset: number;
    after?: { startedAtMs: number; id: string };
  }): Promise<TriggerRunRecord[]>;
}

/** Builds the trigger operations over an adapter's database handle. */
export function createTriggerStore(db: Db): TriggerStore {
  return {
    upsertTriggerSchedule: (input) => db.transaction((tx) => upsertTriggerSchedule(tx, input)),
    upsertTriggerSchedules: (inputs) => db.transaction((tx) => upsertTriggerSchedules(tx, inputs)),
    getTriggerSchedule: (name) => db.transaction((tx) => getTriggerSchedule(tx, name), READ),
    listTriggerSchedules: (filter) =>
      db.transaction((tx) => listTriggerSchedules(tx, filter), READ),
    setTriggerEnabled: (input) => db.transaction((tx) => setTriggerEnabled(tx, input)),
    deleteTriggerSchedule: (name) => db.transaction((tx) => deleteTriggerSchedule(tx, name)),
    findDueTriggers: (input) => db.transaction((tx) => findDueTriggers(tx, input), READ_ONE),
    claimTriggerPolls: (input) => db.transaction((tx) => claimTriggerPolls(tx, input), AUTOCOMMIT),
    recordTriggerPolls: (input) =>
      db.transaction((tx) => Promise.resolve(recordTriggerPolls(tx, input)), AUTOCOMMIT),
    recordTriggerError: (input) => db.transaction((tx) => recordTriggerError(tx, input)),
    fireTrigger: (input) => db.transaction(admitting((tx) => fireTrigger(tx, input))),
    getTriggerHistory: (input) => db.transaction((tx) => getTriggerHistory(tx, input), LONG_READ),
  };
}
