/**
 * Public shapes of the event-trigger management API: camelCase, with `Date`s for
 * times, mapped from the store's epoch-millisecond records.
 */
import type { Duration } from '../../core/duration.js';
import type {
  TriggerRunRecord,
  TriggerRunStatus,
  TriggerScheduleRecord,
} from '../../store/store.js';
import type { PageOptions } from '../pages.js';

export type { TriggerRunStatus };

/** A trigger's durable schedule as an operator sees it. */
export interface TriggerSchedule {
  /** The trigger's unique name. */
  readonly triggerName: string;
  /** The workflow started on each fire (the primary one; fan-out adds others). */
  readonly workflowName: string;
  /** How often the trigger is polled. */
  readonly pollIntervalMs: number;
  /** `false`: a fire matching an open execution's context hash is suppressed. */
  readonly allowConcurrent: boolean;
  /** Disabled schedules are not polled; the flag survives re-registration and restarts. */
  readonly enabled: boolean;
  /** When the trigger was last polled (by any runner), or null if never. */
  readonly lastPollAt: Date | null;
  /** Polls that answered Skip (counted here rather than stored one history row each). */
  readonly skips: number;
  /** Reason given by the most recent Skip, if any. */
  readonly lastSkipReason: string | null;
  /** Length of the current error streak (0 once a poll succeeds). */
  readonly consecutiveErrors: number;
  /** Message of the most recent poll error, kept after recovery for diagnosis. */
  readonly lastError: string | null;
  /** When the most recent poll error happened. */
  readonly lastErrorAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/**
 * One history entry of a trigger: a fire, the fires suppressed (deduplicated) by one open
 * execution with one context, or a poll error.
 */
export interface TriggerExecution {
  readonly id: string;
  readonly triggerName: string;
  /** The workflow the entry concerns (null for errors before a workflow was chosen). */
  readonly workflowName: string | null;
  /** De-duplication hash of the fired context (null for poll errors). */
  readonly contextHash: string | null;
  /** The started execution (null for suppressed fires and errors). */
  readonly workflowExecutionId: string | null;
  /**
   * For `deduplicated`: the open execution with the same context that suppressed the fires
   * (null for other entries, and for suppressions recorded before this field existed).
   */
  readonly openExecutionId: string | null;
  /**
   * `open` while the workflow runs; then `completed`, `failed` or `cancelled`. `deduplicated`
   * marks a suppressed fire, `error` a failed poll.
   */
  readonly status: TriggerRunStatus;
  /**
   * How many fires the entry stands for: 1, except for `deduplicated`, where one entry counts
   * every fire suppressed by the same open execution with the same context.
   */
  readonly count: number;
  /** When the fire happened (for `deduplicated`, the first suppressed fire). */
  readonly startedAt: Date;
  /** When the run ended (for `deduplicated`, the latest suppressed fire). */
  readonly completedAt: Date | null;
  /** What went wrong, for `error` entries (prefixed with the error code when there is one). */
  readonly errorMessage: string | null;
}

/** Options of `listTriggerSchedules`. */
export interface ListTriggerSchedulesOptions {
  /** Only enabled schedules. @default false */
  enabledOnly?: boolean;
  /** Rows per page, 1 to 1000 (`MAX_PAGE_SIZE`). @default 100 */
  limit?: number;
  /** Rows to skip, an integer ≥ 0. @default 0 */
  offset?: number;
}

/** Options of `listTriggerSchedulesPage`: schedules by trigger name. */
export interface ListTriggerSchedulesPageOptions extends PageOptions {
  /** Only enabled schedules. @default false */
  enabledOnly?: boolean;
}

/** Options of `getTriggerExecutionHistory`. */
export interface TriggerHistoryOptions {
  /** Rows per page, 1 to 1000 (`MAX_PAGE_SIZE`). @default 100 */
  limit?: number;
  /** Rows to skip, an integer ≥ 0. @default 0 */
  offset?: number;
}

/** What a fire did: started the workflow(s), or was suppressed as a duplicate. */
export type FireTriggerResult =
  | {
      readonly status: 'fired';
      /** The execution of the trigger's own (primary) workflow. */
      readonly executionId: string;
      /** Executions of workflows that list the trigger in `triggers` (fan-out). */
      readonly fanOutExecutionIds: readonly string[];
      readonly contextHash: string;
    }
  | {
      readonly status: 'deduplicated';
      /** The open execution with the same context hash, when still open. */
      readonly openExecutionId: string | null;
      readonly contextHash: string;
    };

/** Input of `runner.dal().triggerSchedules.upsert` (the seed's lower-level path). */
export interface TriggerScheduleInput {
  triggerName: string;
  workflowName: string;
  pollInterval: Duration;
  /**
   * @default the registered trigger object's `allowConcurrent`, else `false`
   */
  allowConcurrent?: boolean;
}

/** The lower-level data-access surface of `runner.dal()`. */
export interface TriggerDal {
  readonly triggerSchedules: {
    /** Creates or updates a schedule row (an existing `enabled = false` is kept). */
    upsert(input: TriggerScheduleInput): Promise<TriggerSchedule>;
  };
}

const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

/** Maps a store record to the public {@link TriggerSchedule}. */
export function toTriggerSchedule(record: TriggerScheduleRecord): TriggerSchedule {
  return {
    triggerName: record.triggerName,
    workflowName: record.workflowName,
    pollIntervalMs: record.pollIntervalMs,
    allowConcurrent: record.allowConcurrent,
    enabled: record.enabled,
    lastPollAt: date(record.lastPollAtMs),
    skips: record.skips,
    lastSkipReason: record.lastSkipReason,
    consecutiveErrors: record.consecutiveErrors,
    lastError: record.lastError,
    lastErrorAt: date(record.lastErrorAtMs),
    createdAt: new Date(record.createdAtMs),
    updatedAt: new Date(record.updatedAtMs),
  };
}

/** Maps a store history record to the public {@link TriggerExecution}. */
export function toTriggerExecution(record: TriggerRunRecord): TriggerExecution {
  return {
    id: record.id,
    triggerName: record.triggerName,
    workflowName: record.workflowName,
    contextHash: record.contextHash,
    workflowExecutionId: record.workflowExecutionId,
    openExecutionId: record.openExecutionId,
    status: record.status,
    count: record.count,
    startedAt: new Date(record.startedAtMs),
    completedAt: date(record.completedAtMs),
    errorMessage: record.errorMessage,
  };
}
