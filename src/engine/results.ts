/** The public result shapes of executions and their tasks, built from stored records. */
import { Context } from '../core/context.js';
import type { ExecutionRecord, TaskRecord, TaskStatus, WorkflowStatus } from '../store/rows.js';

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
  };
}
