/** The public result shapes of executions and their tasks, built from stored records. */
import { Context } from '../core/context.js';
import type { ExecutionRecord, TaskRecord, TaskStatus, WorkflowStatus } from '../store/store.js';
import type { ExecutionSummaryRecord } from '../store/store.js';

/** The outcome of one task of an execution. */
export interface TaskResult {
  readonly taskId: string;
  readonly status: TaskStatus;
  readonly startedAt?: Date;
  readonly completedAt?: Date;
  readonly durationMs?: number;
  /** Attempts made (0 when the task never started). */
  readonly attempts: number;
  /** The thrown error's message, for a failed task. */
  readonly errorMessage?: string;
  /** Why the task was skipped. */
  readonly skipReason?: string;
}

/** The outcome of one workflow execution. */
export interface WorkflowExecutionResult {
  readonly executionId: string;
  readonly workflowName: string;
  readonly workflowVersion: string;
  readonly status: WorkflowStatus;
  readonly startedAt: Date;
  readonly completedAt?: Date;
  readonly durationMs?: number;
  /** The deterministic final context; the initial context until the run ends. */
  readonly finalContext: Context;
  readonly taskResults: readonly TaskResult[];
  /** `"n task(s) failed: a, b"` for a failed workflow. */
  readonly errorMessage?: string;
  /** The execution this one reruns, when it was started by `rerunExecution`. */
  readonly rerunOf?: string;
  /** The latest rerun of this execution, once it was rerun. */
  readonly rerunBy?: string;
  /** The idempotency key it was started with, when it was given one. */
  readonly idempotencyKey?: string;
  /** The start time it was given (`runAt` / `delay`), when it was delayed. */
  readonly runAt?: Date;
  /**
   * The concurrency group it counts in and the group's limit, for a workflow with
   * `concurrency`: while `Queued`, it waits for a place in this group.
   */
  readonly concurrency?: { readonly key: string; readonly limit: number };
  /**
   * The rate group it counts in, with the group's limit and period, for a workflow with
   * `rateLimit`: while `Queued` before its start, it may wait for a place in this group's window.
   */
  readonly rateLimit?: { readonly key: string; readonly limit: number; readonly periodMs: number };
  /** Its priority (higher first; 0 by default): see `WorkflowOptions.priority`. */
  readonly priority: number;
}

function taskResult(task: TaskRecord): TaskResult {
  const started = task.startedAtMs !== null;
  const finished = task.completedAtMs !== null;
  return {
    taskId: task.taskId,
    status: task.status,
    ...(started ? { startedAt: new Date(task.startedAtMs) } : {}),
    ...(finished ? { completedAt: new Date(task.completedAtMs) } : {}),
    ...(started && finished ? { durationMs: task.completedAtMs - task.startedAtMs } : {}),
    attempts: started ? task.attempt : 0,
    ...(task.status === 'Failed' && task.errorMessage !== null
      ? { errorMessage: task.errorMessage }
      : {}),
    ...(task.skipReason !== null ? { skipReason: task.skipReason } : {}),
  };
}

/** Builds the result of an execution from its records. */
export function toExecutionResult(
  execution: ExecutionRecord,
  tasks: readonly TaskRecord[],
): WorkflowExecutionResult {
  const startedAtMs = execution.startedAtMs ?? execution.createdAtMs;
  const completed = execution.completedAtMs;
  return {
    executionId: execution.id,
    workflowName: execution.workflowName,
    workflowVersion: execution.workflowVersion,
    status: execution.status,
    startedAt: new Date(startedAtMs),
    ...(completed !== null
      ? { completedAt: new Date(completed), durationMs: completed - startedAtMs }
      : {}),
    finalContext: Context.fromJSON(execution.finalContext ?? execution.initialContext),
    taskResults: tasks.map(taskResult),
    ...(execution.errorMessage !== null ? { errorMessage: execution.errorMessage } : {}),
    ...(execution.rerunOf !== null ? { rerunOf: execution.rerunOf } : {}),
    ...(execution.rerunBy !== null ? { rerunBy: execution.rerunBy } : {}),
    ...(execution.idempotencyKey !== null ? { idempotencyKey: execution.idempotencyKey } : {}),
    ...(execution.runAtMs !== null ? { runAt: new Date(execution.runAtMs) } : {}),
    ...(execution.concurrency !== null ? { concurrency: execution.concurrency } : {}),
    ...(execution.rateLimit !== null ? { rateLimit: execution.rateLimit } : {}),
    priority: execution.priority,
  };
}

/**
 * An execution in a list: its head without the tasks and contexts (the detail read,
 * `getExecutionResult`, has them). Times are `Date`s, as in {@link WorkflowExecutionResult};
 * those not reached yet are `null`.
 */
export interface ExecutionSummary {
  readonly executionId: string;
  readonly workflowName: string;
  readonly workflowVersion: string;
  readonly status: WorkflowStatus;
  /** When it was scheduled: the list's order, newest first. */
  readonly createdAt: Date;
  /** When its first task was claimed; `null` while Scheduled or Pending (or if it ended before). */
  readonly startedAt: Date | null;
  /** When it reached Completed, Failed or Cancelled. */
  readonly completedAt: Date | null;
  /** `"n task(s) failed: a, b"` when Failed, `"Execution cancelled"` when Cancelled, else null. */
  readonly error: string | null;
  /** The reason given to `pauseExecution`, while Paused. */
  readonly pauseReason: string | null;
  /** Tasks still to finish: counted down as tasks complete, fail or are skipped. */
  readonly openTasks: number;
  /** Tasks that failed for good. */
  readonly failedTasks: number;
  /** The execution this one reruns (`rerunExecution`), or null. */
  readonly rerunOf: string | null;
  /** The latest rerun of this execution, or null. */
  readonly rerunBy: string | null;
  /** The idempotency key it was started with (`executeAsync`), or null. */
  readonly idempotencyKey: string | null;
  /** The start time it was given (`runAt` / `delay`), or null for a start at once. */
  readonly runAt: Date | null;
  /**
   * The concurrency group it counts in and that group's limit (a workflow with
   * `concurrency`), or null. While `Queued`, it waits for a place in this group.
   */
  readonly concurrency: { readonly key: string; readonly limit: number } | null;
  /**
   * The rate group it counts in, with that group's limit and period (a workflow with
   * `rateLimit`), or null. While `Queued` before its start, it may wait for this group's window.
   */
  readonly rateLimit: {
    readonly key: string;
    readonly limit: number;
    readonly periodMs: number;
  } | null;
  /** Its priority (higher first; 0 by default): see `WorkflowOptions.priority`. */
  readonly priority: number;
}

/** Builds the list entry of an execution from its stored head. */
export function toExecutionSummary(record: ExecutionSummaryRecord): ExecutionSummary {
  const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));
  return {
    executionId: record.id,
    workflowName: record.workflowName,
    workflowVersion: record.workflowVersion,
    status: record.status,
    createdAt: new Date(record.createdAtMs),
    startedAt: date(record.startedAtMs),
    completedAt: date(record.completedAtMs),
    error: record.errorMessage,
    pauseReason: record.pauseReason,
    openTasks: record.openTasks,
    failedTasks: record.failedTasks,
    rerunOf: record.rerunOf,
    rerunBy: record.rerunBy,
    idempotencyKey: record.idempotencyKey,
    runAt: date(record.runAtMs),
    concurrency: record.concurrency,
    rateLimit: record.rateLimit,
    priority: record.priority,
  };
}
