import type { JsonObject } from '../core/json.js';

/** Status of a workflow execution. */
export const WorkflowStatus = {
  Pending: 'Pending',
  Running: 'Running',
  Paused: 'Paused',
  Completed: 'Completed',
  Failed: 'Failed',
  Cancelled: 'Cancelled',
} as const;
/** Status of a workflow execution. */
export type WorkflowStatus = (typeof WorkflowStatus)[keyof typeof WorkflowStatus];

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

/** Execution event types. */
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
} as const;
/** Execution event type. */
export type EventType = (typeof EventType)[keyof typeof EventType];

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

/** An event before it is stored (ids are assigned by the database). */
export type NewEvent = Omit<ExecutionEvent, 'id'>;

/** Raw row shapes, snake_case as in SQL. */
export interface ExecutionRow {
  id: string;
  schedule_linked?: number | string;
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
    openTasks: Number(row.open_tasks),
    failedTasks: Number(row.failed_tasks),
    createdAtMs: Number(row.created_at_ms),
    startedAtMs: row.started_at_ms === null ? null : Number(row.started_at_ms),
    completedAtMs: row.completed_at_ms === null ? null : Number(row.completed_at_ms),
    updatedAtMs: Number(row.updated_at_ms),
  };
}

/** Maps a raw task row. */
export function toTaskRecord(row: TaskRow): TaskRecord {
  return {
    id: row.id,
    executionId: row.execution_id,
    workflowName: row.workflow_name,
    taskId: row.task_id,
    position: Number(row.position),
    dependencies: JSON.parse(row.dependencies) as string[],
    status: row.status as TaskStatus,
    attempt: Number(row.attempt),
    recoveryAttempts: Number(row.recovery_attempts),
    errorMessage: row.error_message,
    skipReason: row.skip_reason,
    outputContext: parseJsonObject(row.output_context),
    readyAtMs: row.ready_at_ms === null ? null : Number(row.ready_at_ms),
    claimedBy: row.claimed_by,
    heartbeatAtMs: row.heartbeat_at_ms === null ? null : Number(row.heartbeat_at_ms),
    startedAtMs: row.started_at_ms === null ? null : Number(row.started_at_ms),
    completedAtMs: row.completed_at_ms === null ? null : Number(row.completed_at_ms),
  };
}

/** Maps a raw event row. */
export function toExecutionEvent(row: EventRow): ExecutionEvent {
  return {
    id: Number(row.id),
    executionId: row.execution_id,
    taskId: row.task_id,
    type: row.event_type as EventType,
    data: parseJsonObject(row.data),
    runnerId: row.runner_id,
    createdAtMs: Number(row.created_at_ms),
  };
}
