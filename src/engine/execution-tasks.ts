/**
 * The tasks of an execution as a DAG view draws them, shared by the runner's and the client's
 * reads: each task with its dependencies, state and times, and one task with the contexts it
 * started from and ended with.
 */
import type { JsonObject } from '../core/json.js';
import { NotFoundError } from '../errors.js';
import type { TaskRecord, TaskStatus } from '../store/store.js';
import type { Store } from '../store/store.js';

/** One task of an execution: a node of its DAG. Times not reached yet are `null`. */
export interface ExecutionTask {
  readonly taskId: string;
  /** The tasks it waits for, in declared order (the order their outputs are merged in). */
  readonly dependencies: readonly string[];
  readonly status: TaskStatus;
  /** The attempt running now, or the last one run (1 before any). */
  readonly attempt: number;
  /**
   * The error of the last failed attempt: the final one of a Failed task, or the one a retry
   * waits to follow; null once an attempt succeeds.
   */
  readonly errorMessage: string | null;
  /** Why the task was skipped (its trigger rule did not hold). */
  readonly skipReason: string | null;
  /** When it last became Ready (claimable; a retry's is when its backoff ends). */
  readonly readyAt: Date | null;
  /** When its first attempt started. */
  readonly startedAt: Date | null;
  /** When it reached Completed, Failed, Skipped or Cancelled. */
  readonly completedAt: Date | null;
  /** The runner holding it now (Running or Deferred); null otherwise. */
  readonly claimedBy: string | null;
}

/** One task of an execution with the contexts it started from and ended with. */
export interface ExecutionTaskDetail extends ExecutionTask {
  /**
   * What the task started from: the smart merge of its Completed dependencies' outputs, in
   * declared order, or the execution's initial context when none completed (a root's is the
   * initial context). Null while it has never started.
   */
  readonly inputContext: JsonObject | null;
  /** The context it completed with; null unless Completed. */
  readonly outputContext: JsonObject | null;
}

const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

function toExecutionTask(task: TaskRecord): ExecutionTask {
  return {
    taskId: task.taskId,
    dependencies: [...task.dependencies],
    status: task.status,
    attempt: task.attempt,
    errorMessage: task.errorMessage,
    skipReason: task.skipReason,
    readyAt: date(task.readyAtMs),
    startedAt: date(task.startedAtMs),
    completedAt: date(task.completedAtMs),
    claimedBy: task.claimedBy,
  };
}

/**
 * The tasks of an execution in topological order (ties in declared order).
 * @throws {NotFoundError} for an unknown execution.
 */
export async function readExecutionTasks(
  store: Store,
  executionId: string,
): Promise<ExecutionTask[]> {
  const tasks = await store.getTasks(executionId);
  // Only an empty list needs the look-up: an execution is written with its tasks.
  if (tasks.length === 0 && (await store.getExecution(executionId)) === null) {
    throw executionNotFound(executionId);
  }
  return tasks.map(toExecutionTask);
}

/**
 * One task of an execution with its input and output contexts.
 * @throws {NotFoundError} for an unknown execution or task.
 */
export async function readExecutionTask(
  store: Store,
  executionId: string,
  taskId: string,
): Promise<ExecutionTaskDetail> {
  const task = await store.getTask({ executionId, taskId });
  if (task === null) throw await taskNotFound(store, executionId, taskId);
  return {
    ...toExecutionTask(task),
    // The store reads back the input a claim hands over (it is only meaningful once the task
    // has been Ready); a task that never started has none to show.
    inputContext: task.startedAtMs === null ? null : task.inputContext,
    outputContext: task.outputContext,
  };
}

function executionNotFound(executionId: string): NotFoundError {
  return new NotFoundError(
    `No workflow execution with id '${executionId}'. Check the id (listExecutions() shows recent ones).`,
  );
}

/** The error for a task the store did not find: its execution is unknown, or has no such task. */
export async function taskNotFound(
  store: Store,
  executionId: string,
  taskId: string,
): Promise<NotFoundError> {
  if ((await store.getExecution(executionId)) === null) return executionNotFound(executionId);
  const tasks = (await store.getTasks(executionId)).map((task) => task.taskId);
  return new NotFoundError(
    `Execution ${executionId} has no task '${taskId}'; its tasks are ${tasks.join(', ')}. ` +
      'Use the task id as given to task({ id }).',
  );
}
