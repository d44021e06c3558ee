/**
 * Reruns of ended executions, shared by the runner and the client: the checks, and the new
 * execution to schedule. They differ only in where the current version of a workflow comes
 * from (the runner's registry, or the definitions runners stored) and in how they schedule it
 * (each through its own `executeAsync` path).
 */
import { describeValue } from '../core/describe.js';
import type { JsonObject } from '../core/json.js';
import { ConfigError, InvalidStateError, NotFoundError } from '../errors.js';
import {
  TERMINAL_WORKFLOW_STATUSES,
  type ExecutionRecord,
  type TaskRecord,
} from '../store/store.js';
import type { NewExecution, NewTask, Store } from '../store/store.js';

/**
 * Where a rerun starts: `'failed'` carries over what completed and runs the rest; `'start'`
 * runs every task again.
 */
export type RerunFrom = 'failed' | 'start';

/** Options of `rerunExecution`. */
export interface RerunOptions {
  /**
   * `'failed'`: the tasks that completed in the original (and whose dependencies all did) are
   * written Completed with their outputs and do not run; every other task runs as in a normal
   * run, from the same inputs. Needs the version the original ran to be the current one, and an
   * original that Failed or was Cancelled. `'start'`: a fresh execution of the current version
   * with the original's initial context.
   * @default 'failed'
   */
  from?: RerunFrom;
}

/** The version of a workflow a rerun would run: what the runner or client has now. */
export interface RerunTarget {
  readonly version: string;
  /** Its task rows (the plan of `executeAsync`). */
  readonly tasks: readonly NewTask[];
  /** Checks a context against this version's input schema, as `executeAsync` does. */
  checkInput(context: JsonObject): JsonObject | Promise<JsonObject>;
}

/** A rerun as it is scheduled, without the id, time and runner every execution gets. */
export type PlannedRerun = Pick<
  NewExecution,
  'workflowName' | 'workflowVersion' | 'initialContext' | 'tasks'
> &
  Required<Pick<NewExecution, 'rerun' | 'priority'>>;

const FROM: readonly RerunFrom[] = ['failed', 'start'];

/** The checked `from` of `options` (default `'failed'`). */
function checkOptions(options: unknown): RerunFrom {
  if (options === undefined) return 'failed';
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigError(
      `rerunExecution: options must be an object such as { from: 'start' }; received ${describeValue(options)}.`,
    );
  }
  const problems: string[] = [];
  for (const key of Object.keys(options)) {
    if (key !== 'from')
      problems.push(`rerunExecution: unknown option '${key}'; the option is from.`);
  }
  const from = (options as { from?: unknown }).from;
  if (from !== undefined && !FROM.includes(from as RerunFrom)) {
    problems.push(
      `rerunExecution: from must be 'failed' or 'start'; received ${describeValue(from)}.`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return (from as RerunFrom | undefined) ?? 'failed';
}

/**
 * The tasks a rerun from failure carries over, with their outputs: those that completed in the
 * original and whose dependencies were all carried over. A task that completed downstream of a
 * failed, skipped or cancelled one runs again, since its input changes when they do. `tasks`
 * are in position order (topological), so a task's dependencies are decided before it.
 */
function carriedOver(tasks: readonly TaskRecord[]): Map<string, JsonObject> {
  const carried = new Map<string, JsonObject>();
  for (const task of tasks) {
    if (task.status !== 'Completed' || task.outputContext === null) continue;
    if (task.dependencies.every((id) => carried.has(id))) {
      carried.set(task.taskId, task.outputContext);
    }
  }
  return carried;
}

function notFound(executionId: string): NotFoundError {
  return new NotFoundError(
    `No workflow execution with id '${executionId}'. Check the id (listExecutions() shows recent ones).`,
  );
}

/**
 * Checks that execution `executionId` can be rerun `options.from` and returns the execution to
 * schedule. `currentOf` gives the workflow's current version (it throws `WorkflowNotFoundError`
 * when there is none). Reads only: the original has ended, and an ended execution never changes
 * again, so nothing checked here can go stale before the rerun is written.
 *
 * @throws {ConfigError} for options other than `{ from?: 'failed' | 'start' }`.
 * @throws {NotFoundError} for an unknown id.
 * @throws {InvalidStateError} when the original has not ended; from `'failed'`, also when it
 *   Completed (nothing would run) or ran another version than the current one.
 * @throws {InputValidationError} from `'start'`, when the original's initial context fails the
 *   current version's input schema.
 */
export async function planRerun(
  store: Store,
  executionId: string,
  options: unknown,
  currentOf: (workflowName: string) => RerunTarget | Promise<RerunTarget>,
): Promise<PlannedRerun> {
  const from = checkOptions(options);
  const original: ExecutionRecord | null = await store.getExecution(executionId);
  if (original === null) throw notFound(executionId);
  const { status, workflowName } = original;
  if (!TERMINAL_WORKFLOW_STATUSES.includes(status)) {
    throw new InvalidStateError(
      `Execution '${executionId}' is ${status}; only an execution that has ended (Completed, Failed or Cancelled) can be rerun. Wait for it to end, or cancel it first.`,
      status,
    );
  }
  if (from === 'failed' && status === 'Completed') {
    throw new InvalidStateError(
      `Execution '${executionId}' Completed: no task failed or was cancelled, so a rerun from failure would run nothing. Rerun it with { from: 'start' } to run every task again.`,
      status,
    );
  }
  const target = await currentOf(workflowName);
  if (from === 'start') {
    return {
      workflowName,
      workflowVersion: target.version,
      initialContext: await target.checkInput(original.initialContext),
      tasks: target.tasks,
      rerun: { executionId, from, carried: new Map() },
      // A rerun runs at the priority its original ran at.
      priority: original.priority,
    };
  }
  if (target.version !== original.workflowVersion) {
    throw new InvalidStateError(
      `Execution '${executionId}' ran version ${original.workflowVersion} of workflow '${workflowName}', but version ${target.version} is the current one: the outputs its tasks completed with came from other code, so it cannot be rerun from failure. Rerun it with { from: 'start' } to run version ${target.version} from the beginning.`,
      status,
    );
  }
  return {
    workflowName,
    workflowVersion: original.workflowVersion,
    // Not checked again: the carried outputs were computed from exactly this context.
    initialContext: original.initialContext,
    tasks: target.tasks,
    rerun: { executionId, from, carried: carriedOver(await store.getTasks(executionId)) },
    priority: original.priority,
  };
}
