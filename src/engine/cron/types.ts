/** Public shapes of the cron API: camelCase, times as `Date`. */
import type { Context } from '../../core/context.js';
import type { JsonObject } from '../../core/json.js';
import type { CatchupPolicy, CronRunStatus } from '../../store/store.js';
import type { PageOptions } from '../pages.js';

export type { CatchupPolicy, CronRunStatus };

/** An instant given to the cron API: a `Date`, epoch milliseconds, or an ISO 8601 string. */
export type CronInstant = Date | number | string;

/** Options of `registerCronWorkflow`. */
export interface CronScheduleOptions {
  /**
   * What to do with times missed while no runner was up: `skip` runs once for the most recent
   * one, `run_all` runs each, oldest first, up to `cronMaxCatchupExecutions`. @default 'skip'
   */
  catchupPolicy?: CatchupPolicy;
  /** No run is scheduled before this instant. @default none */
  startDate?: CronInstant;
  /** No run is scheduled after this instant; the schedule then stays idle. @default none */
  endDate?: CronInstant;
  /** Merged into every run's context (the `schedule_*` and `scheduled_time` keys are reserved). */
  context?: Context | Record<string, unknown>;
}

/**
 * The keys the cron loop adds to the context of every run, for a typed task:
 * `task<CronRunContext & { report: string }>(...)`. Times are ISO 8601 strings in UTC.
 */
export interface CronRunContext {
  /** The scheduled time this run is for (not the time it started). */
  scheduled_time: string;
  schedule_id: string;
  schedule_timezone: string;
  schedule_expression: string;
}

/** A cron schedule. */
export interface CronSchedule {
  readonly id: string;
  readonly workflowName: string;
  readonly expression: string;
  readonly timezone: string;
  readonly catchupPolicy: CatchupPolicy;
  readonly enabled: boolean;
  readonly context: JsonObject;
  readonly startDate: Date | null;
  readonly endDate: Date | null;
  /** The next scheduled time; `null` when disabled-and-never-fired or past `endDate`. */
  readonly nextRunAt: Date | null;
  /** The most recent scheduled time that fired. */
  readonly lastRunAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Filter of `listCronSchedules`. */
export interface ListCronSchedulesOptions {
  /** @default false */
  enabledOnly?: boolean;
  /** Rows per page, 1 to 1000 (`MAX_PAGE_SIZE`). @default 100 */
  limit?: number;
  /** Rows to skip, an integer ≥ 0. @default 0 */
  offset?: number;
}

/** Options of `listCronSchedulesPage`: schedules by creation, then id. */
export interface ListCronSchedulesPageOptions extends PageOptions {
  /** Only enabled schedules. @default false */
  enabledOnly?: boolean;
}

/** Changes of `updateCronSchedule`; the next run is recomputed from now. */
export interface UpdateCronScheduleOptions {
  expression?: string;
  timezone?: string;
}

/** Paging of `getCronExecutionHistory`. */
export interface CronHistoryOptions {
  /** Rows per page, 1 to 1000 (`MAX_PAGE_SIZE`). @default 100 */
  limit?: number;
  /** Rows to skip, an integer ≥ 0. @default 0 */
  offset?: number;
}

/**
 * One row of a schedule's history. A fire is `open` until its workflow ends, then `completed`,
 * `failed` or `cancelled`; `missed` rows record times a catch-up skipped (`missedCount` of them,
 * the oldest at `scheduledTime`); `lost` marks a hand-off recovery gave up on.
 */
export interface CronExecution {
  readonly id: string;
  readonly scheduleId: string;
  readonly workflowName: string | null;
  readonly workflowExecutionId: string | null;
  readonly scheduledTime: Date;
  readonly status: CronRunStatus;
  readonly missedCount: number | null;
  /** Why a row is `missed` or `lost`. */
  readonly message: string | null;
  /** When the run was recorded (the fire, by the runner's clock). */
  readonly startedAt: Date;
  readonly completedAt: Date | null;
}

/** Options of `getCronExecutionStats`. */
export interface CronStatsOptions {
  /** Count runs recorded at or after this instant. @default all time */
  since?: CronInstant;
}

/** Outcome counts of cron runs (all schedules). */
export interface CronExecutionStats {
  /** Runs fired (open or finished); skipped times are not runs. */
  readonly total: number;
  readonly successful: number;
  /** Failed or cancelled workflows. */
  readonly failed: number;
  readonly lost: number;
  /** Scheduled times skipped by catch-up. */
  readonly missed: number;
  /** `successful / (successful + failed + lost)`, between 0 and 1; 0 when none finished. */
  readonly successRate: number;
}
