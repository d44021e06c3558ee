import type { JsonObject } from '../core/json.js';

/** Status of a workflow execution. */
export const WorkflowStatus = {
  /** Written with a later start time (`runAt` / `delay`); no task has started yet. */
  Scheduled: 'Scheduled',
  /**
   * Waits for a place under its workflow's concurrency limit (`concurrency: { limit, key? }`)
   * or rate limit (`rateLimit: { limit, period, key? }`); no task has started yet. It becomes
   * Pending, in order, as places free up and windows open.
   */
  Queued: 'Queued',
  Pending: 'Pending',
  Running: 'Running',
  Paused: 'Paused',
  Completed: 'Completed',
  Failed: 'Failed',
  Cancelled: 'Cancelled',
} as const;
/** Status of a workflow execution. */
export type WorkflowStatus = (typeof WorkflowStatus)[keyof typeof WorkflowStatus];

/** Workflow statuses of an execution that has not ended. */
export const ACTIVE_WORKFLOW_STATUSES: readonly WorkflowStatus[] = [
  'Scheduled',
  'Queued',
  'Pending',
  'Running',
  'Paused',
];

/** {@link ACTIVE_WORKFLOW_STATUSES} as an SQL list, for `status IN (…)`. */
export const ACTIVE_STATUS_SQL = ACTIVE_WORKFLOW_STATUSES.map((s) => `'${s}'`).join(', ');

/** Workflow statuses after which nothing changes any more. */
export const TERMINAL_WORKFLOW_STATUSES: readonly WorkflowStatus[] = [
  'Completed',
  'Failed',
  'Cancelled',
];

/**
 * Status of one task inside an execution. `Deferred` is a running task that released its slot
 * while waiting; `Cancelled` marks tasks left unfinished by a cancelled execution.
 */
export const TaskStatus = {
  NotStarted: 'NotStarted',
  Ready: 'Ready',
  Running: 'Running',
  Deferred: 'Deferred',
  Completed: 'Completed',
  Failed: 'Failed',
  Skipped: 'Skipped',
  Cancelled: 'Cancelled',
} as const;
/** Status of one task inside an execution. */
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

/**
 * Event types. The execution and task types are an execution's history (`getExecutionEvents`,
 * `runner.on('event')`); the trigger and cron types are only in the event feed
 * (`Client.readEvents`), see {@link SCHEDULE_EVENT_TYPES}.
 */
export const EventType = {
  WorkflowStarted: 'workflow_started',
  TaskReady: 'task_ready',
  TaskStarted: 'task_started',
  TaskCompleted: 'task_completed',
  TaskFailed: 'task_failed',
  TaskRetryScheduled: 'task_retry_scheduled',
  TaskSkipped: 'task_skipped',
  TaskDeferred: 'task_deferred',
  TaskResumed: 'task_resumed',
  TaskAbandoned: 'task_abandoned',
  TaskReleased: 'task_released',
  TaskRecovered: 'task_recovered',
  WorkflowCompleted: 'workflow_completed',
  WorkflowFailed: 'workflow_failed',
  WorkflowCancelled: 'workflow_cancelled',
  WorkflowPaused: 'workflow_paused',
  WorkflowResumed: 'workflow_resumed',
  /**
   * The first event of an execution started by `rerunExecution`; data `{ rerunOf, from }` (the
   * original's id, `'failed'` or `'start'`). A task a rerun from failure carried over has a
   * `task_completed` event with data `{ copiedFrom }` (the original's id) and no other.
   */
  WorkflowRerun: 'workflow_rerun',
  /**
   * The first event of an execution written with a later start time (`runAt` / `delay`); data
   * `{ runAt }` (ISO 8601). Its root tasks' `task_ready` events follow, with the same `readyAt`.
   */
  WorkflowScheduled: 'workflow_scheduled',
  /**
   * An execution of a workflow with a concurrency or rate limit found no room at scheduling and
   * waits as `Queued`; data `{ key, limit }` (its concurrency group, if any), `rateLimit:
   * { key, limit, periodMs }` (its rate group, if any) and `waitsFor`: `'concurrency'` or
   * `'rate'`, the limit it waits for.
   */
  WorkflowQueued: 'workflow_queued',
  /**
   * A Queued execution got its place: it is Pending (or Running, for one resumed after it had
   * started), its root tasks Ready; data `{ key, waitedMs }`.
   */
  WorkflowAdmitted: 'workflow_admitted',
  /** A trigger fire started an execution (its id); data `{ trigger, contextHash }`. */
  TriggerFired: 'trigger_fired',
  /**
   * Fires of a trigger were suppressed as duplicates of an open execution (its id, when still
   * known); data `{ trigger, contextHash, count }`. Appended at the 1st, 2nd, 4th, 8th…
   * suppression by the same open execution and hash, `count` being the fires suppressed so far:
   * a trigger polled every 100 ms against a day-long execution adds about 20 events, not
   * 850,000 (the trigger's history keeps the exact count).
   */
  TriggerSuppressed: 'trigger_suppressed',
  /** A trigger's poll failed (no execution); data `{ trigger, error, consecutiveErrors }`. */
  TriggerPollFailed: 'trigger_poll_failed',
  /**
   * A cron schedule handed a scheduled time off to an execution (its id); data
   * `{ scheduleId, scheduledTime }` (ISO 8601), plus `recovered: true` when recovery re-handed
   * off a run whose execution was lost.
   */
  CronFired: 'cron_fired',
  /**
   * A catch-up skipped scheduled times of a cron schedule (no execution); data
   * `{ scheduleId, count, firstScheduledTime, message }`.
   */
  CronMissed: 'cron_missed',
  /**
   * One line a task wrote with `handle.log`, kept with its attempt. Read with `getTaskLogs`;
   * the execution's history (`getExecutionEvents`) leaves these out.
   */
  TaskLog: 'task_log',
} as const;
/** Event type. */
export type EventType = (typeof EventType)[keyof typeof EventType];

/**
 * The types of trigger and cron events: they are in the event feed but not in an execution's
 * history nor in a runner's `event` stream, which stay the execution's own lifecycle.
 */
export const SCHEDULE_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  EventType.TriggerFired,
  EventType.TriggerSuppressed,
  EventType.TriggerPollFailed,
  EventType.CronFired,
  EventType.CronMissed,
]);

/** A workflow execution as stored. Times are epoch milliseconds. */
export interface ExecutionRecord {
  readonly id: string;
  readonly workflowName: string;
  readonly workflowVersion: string;
  readonly status: WorkflowStatus;
  readonly initialContext: JsonObject;
  readonly finalContext: JsonObject | null;
  readonly errorMessage: string | null;
  readonly pauseReason: string | null;
  readonly openTasks: number;
  readonly failedTasks: number;
  readonly createdAtMs: number;
  readonly startedAtMs: number | null;
  readonly completedAtMs: number | null;
  readonly updatedAtMs: number;
  /** The execution this one reruns (`rerunExecution`), or null. */
  readonly rerunOf: string | null;
  /** The latest rerun of this execution, or null. */
  readonly rerunBy: string | null;
  /** The idempotency key it was started with (`executeAsync`), or null. */
  readonly idempotencyKey: string | null;
  /** The start time it was written with (`runAt` / `delay`), or null for a start at once. */
  readonly runAtMs: number | null;
  /**
   * The concurrency group and limit it counts under (a workflow with `concurrency`), or null.
   * A `Queued` execution waits for a place in this group.
   */
  readonly concurrency: { readonly key: string; readonly limit: number } | null;
  /**
   * The rate group, limit and period it counts under (a workflow with `rateLimit`), or null.
   * While `Queued` without `rateStartedAtMs`, it waits for a start in this group's window.
   */
  readonly rateLimit: {
    readonly key: string;
    readonly limit: number;
    readonly periodMs: number;
  } | null;
  /** When it took its place in its rate group's window (it started, for the rate limit). */
  readonly rateStartedAtMs: number | null;
  /** Its priority: claims and admission take higher priorities first; 0 by default. */
  readonly priority: number;
}

/** One task of an execution as stored. */
export interface TaskRecord {
  readonly id: string;
  readonly executionId: string;
  readonly workflowName: string;
  readonly taskId: string;
  readonly position: number;
  readonly dependencies: readonly string[];
  readonly status: TaskStatus;
  readonly attempt: number;
  readonly recoveryAttempts: number;
  readonly errorMessage: string | null;
  readonly skipReason: string | null;
  readonly outputContext: JsonObject | null;
  readonly readyAtMs: number | null;
  readonly claimedBy: string | null;
  readonly heartbeatAtMs: number | null;
  readonly startedAtMs: number | null;
  readonly completedAtMs: number | null;
}

/** One appended execution event. */
export interface ExecutionEvent {
  readonly id: number;
  readonly executionId: string;
  readonly taskId: string | null;
  readonly type: EventType;
  readonly data: JsonObject | null;
  readonly runnerId: string | null;
  readonly createdAtMs: number;
}

/**
 * An event before it is stored (ids are assigned by the database). `executionId` is '' for an
 * event of no execution (the column is NOT NULL); `workflowName` is set on trigger and cron
 * events, whose workflow is not read through an execution.
 */
export interface NewEvent extends Omit<ExecutionEvent, 'id'> {
  readonly workflowName?: string | null;
}

/** Raw row shapes, snake_case as in SQL. */
export interface ExecutionRow {
  id: string;
  schedule_linked?: number;
  workflow_name: string;
  workflow_version: string;
  status: string;
  initial_context: string;
  final_context: string | null;
  error_message: string | null;
  pause_reason: string | null;
  open_tasks: number;
  failed_tasks: number;
  created_at_ms: number;
  started_at_ms: number | null;
  completed_at_ms: number | null;
  updated_at_ms: number;
  rerun_of: string | null;
  rerun_by: string | null;
  /** Absent from rows read before migration 14 and from partial selects. */
  idempotency_key?: string | null;
  /** Absent from partial selects. */
  run_at_ms?: number | null;
  /** The concurrency group of a workflow with a limit; null without one. */
  concurrency_key?: string | null;
  /** The limit the execution was scheduled under; null without one. */
  concurrency_limit?: number | null;
  /** The rate group of a workflow with a rate limit; null without one. */
  rate_key?: string | null;
  /** The rate limit and period the execution was scheduled under; null without one. */
  rate_limit?: number | null;
  rate_period_ms?: number | null;
  /** When it took its place in its rate group's window; null while it waits (or without one). */
  rate_started_at_ms?: number | null;
  /** Absent from partial selects. */
  priority?: number;
}

/** Raw task row. */
export interface TaskRow {
  id: string;
  execution_id: string;
  workflow_name: string;
  task_id: string;
  position: number;
  dependencies: string;
  dependents: string;
  trigger_rule: string;
  status: string;
  attempt: number;
  pending_deps: number;
  recovery_attempts: number;
  input_context: string | null;
  output_context: string | null;
  error_message: string | null;
  skip_reason: string | null;
  ready_at_ms: number | null;
  claimed_by: string | null;
  claim_id: string | null;
  heartbeat_at_ms: number | null;
  started_at_ms: number | null;
  attempt_started_at_ms: number | null;
  completed_at_ms: number | null;
}

/** Raw event row. */
export interface EventRow {
  id: number;
  execution_id: string;
  task_id: string | null;
  event_type: string;
  data: string | null;
  runner_id: string | null;
  created_at_ms: number;
}

function parseJsonObject(text: string | null): JsonObject | null {
  return text === null ? null : (JSON.parse(text) as JsonObject);
}

/** Maps a raw execution row. */
export function toExecutionRecord(row: ExecutionRow): ExecutionRecord {
  return {
    id: row.id,
    workflowName: row.workflow_name,
    workflowVersion: row.workflow_version,
    status: row.status as WorkflowStatus,
    initialContext: JSON.parse(row.initial_context) as JsonObject,
    finalContext: parseJsonObject(row.final_context),
    errorMessage: row.error_message,
    pauseReason: row.pause_reason,
    openTasks: row.open_tasks,
    failedTasks: row.failed_tasks,
    createdAtMs: row.created_at_ms,
    startedAtMs: row.started_at_ms === null ? null : row.started_at_ms,
    completedAtMs: row.completed_at_ms === null ? null : row.completed_at_ms,
    updatedAtMs: row.updated_at_ms,
    rerunOf: row.rerun_of,
    rerunBy: row.rerun_by,
    idempotencyKey: row.idempotency_key ?? null,
    runAtMs: row.run_at_ms === null || row.run_at_ms === undefined ? null : row.run_at_ms,
    concurrency:
      row.concurrency_key === null || row.concurrency_key === undefined
        ? null
        : { key: row.concurrency_key, limit: row.concurrency_limit ?? 1 },
    rateLimit: rateLimitOf(row),
    rateStartedAtMs:
      row.rate_started_at_ms === null || row.rate_started_at_ms === undefined
        ? null
        : Number(row.rate_started_at_ms),
    priority: Number(row.priority ?? 0),
  };
}

/** The rate group of an execution row, or null. */
export function rateLimitOf(row: {
  rate_key?: string | null;
  rate_limit?: number | null;
  rate_period_ms?: number | null;
}): { key: string; limit: number; periodMs: number } | null {
  return row.rate_key === null || row.rate_key === undefined
    ? null
    : {
        key: row.rate_key,
        limit: Number(row.rate_limit ?? 1),
        periodMs: Number(row.rate_period_ms ?? 1),
      };
}

/** Maps a raw task row. */
export function toTaskRecord(row: TaskRow): TaskRecord {
  return {
    id: row.id,
    executionId: row.execution_id,
    workflowName: row.workflow_name,
    taskId: row.task_id,
    position: row.position,
    dependencies: JSON.parse(row.dependencies) as string[],
    status: row.status as TaskStatus,
    attempt: row.attempt,
    recoveryAttempts: row.recovery_attempts,
    errorMessage: row.error_message,
    skipReason: row.skip_reason,
    outputContext: parseJsonObject(row.output_context),
    readyAtMs: row.ready_at_ms === null ? null : row.ready_at_ms,
    claimedBy: row.claimed_by,
    heartbeatAtMs: row.heartbeat_at_ms === null ? null : row.heartbeat_at_ms,
    startedAtMs: row.started_at_ms === null ? null : row.started_at_ms,
    completedAtMs: row.completed_at_ms === null ? null : row.completed_at_ms,
  };
}

/** Maps a raw event row. */
export function toExecutionEvent(row: EventRow): ExecutionEvent {
  return {
    id: row.id,
    executionId: row.execution_id,
    taskId: row.task_id,
    type: row.event_type as EventType,
    data: parseJsonObject(row.data),
    runnerId: row.runner_id,
    createdAtMs: row.created_at_ms,
  };
}
