/**
 * Tasks: an async function plus the metadata the engine needs to schedule it. The
 * definition is validated and frozen when it is created, so a mistake points at the `task()`
 * call that made it, and nothing can change a task after a workflow has been versioned.
 */

import { ConfigError, WorkflowValidationError } from '../errors.js';
import type { Context, UntypedContext } from './context.js';
import { describeValue } from './describe.js';
import { durationProblem, parseDuration } from './duration.js';
import type { Duration } from './duration.js';
import { describeName, ID_RULE, isValidId, TASK_ID_PATTERN } from './ids.js';
import { cloneJson, deepFreezeJson, isPlainObject } from './json.js';
import type { Json } from './json.js';
import { RetryPolicy } from './retry.js';
import type { RetryOptions } from './retry.js';
import { ruleProblem, rules } from './rules.js';
import type { TriggerRule } from './rules.js';
import { taskConcurrencyProblem, type TaskConcurrencyOptions } from './task-concurrency.js';
import {
  loadTaskFunction,
  resolveBody,
  type TaskIsolation,
  type TaskModule,
} from './task-module.js';

export { TASK_ID_PATTERN };

/** The logging methods a task may use (a pino-compatible subset). */
export interface TaskLogger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

/** What the engine gives a running task besides its context. */
export interface TaskHandle {
  /** Aborted on timeout, cancellation, claim loss and shutdown; pass it to I/O calls. */
  readonly signal: AbortSignal;
  /** The current attempt, starting at 1. */
  readonly attempt: number;
  /** Id of the workflow execution this task runs in. */
  readonly executionId: string;
  /** Id of this task. */
  readonly taskId: string;
  /**
   * A logger bound to this execution and task: each line goes to the runner's logger and is
   * also kept with this attempt (read it with `getTaskLogs`), within the bounds
   * `TASK_LOG_MAX_LINES` and `TASK_LOG_MAX_BYTES`.
   */
  readonly log: TaskLogger;
  /**
   * Waits until `condition` returns true, checking every `pollInterval`, while releasing the
   * task's concurrency slot. Bounded by the task's timeout.
   */
  deferUntil(condition: () => Promise<boolean> | boolean, pollInterval: Duration): Promise<void>;
}

/**
 * A task body: mutate `ctx` in place; return to succeed, throw to fail. `T` types the context's
 * keys (see {@link Context}); the default takes any key.
 */
export type TaskFunction<T extends object = UntypedContext> = (
  ctx: Context<T>,
  handle: TaskHandle,
) => Promise<void> | void;

/** Options of {@link task}. */
export interface TaskOptions {
  /** Unique within the workflow; letters, digits, `_`, `.` and `-`. */
  id: string;
  /**
   * Ids of tasks of the same workflow that must be terminal before this one is evaluated. Their
   * output contexts are merged in this order.
   * @default []
   */
  dependencies?: readonly string[];
  /**
   * Retry policy; see {@link RetryOptions} for the defaults.
   * @default new RetryPolicy()
   */
  retry?: RetryOptions | RetryPolicy;
  /**
   * Time limit of one attempt.
   * @default the runner's `taskTimeout`
   */
  timeout?: Duration;
  /**
   * Condition deciding whether the task runs or is skipped.
   * @default rules.always()
   */
  triggerRules?: TriggerRule;
  /** Free text for humans. */
  description?: string;
  /**
   * Where the body runs: `'thread'` runs it in a worker thread of the runner's pool, so a
   * CPU-bound body does not stall the runner's heartbeats, polls and other tasks. Only a module
   * task (see {@link module}) can run in a thread.
   * @default the runner's `defaultTaskIsolation` for a module task, `'none'` for a function
   */
  isolate?: TaskIsolation;
  /**
   * The module whose export is the task body, instead of a function argument: a URL such as
   * `new URL('./heavy.js', import.meta.url)`, or an absolute path. A thread imports it itself,
   * so the body captures nothing from the caller; it receives the context and a handle.
   */
  module?: URL | string;
  /**
   * The name of the task function `module` exports.
   * @default 'default'
   */
  export?: string;
  /**
   * At most `limit` attempts of this task (this workflow's task of this id) run at once across
   * every runner on the database; the others wait Ready, holding no runner slot. For a slow or
   * rate-limited dependency: `concurrency: { limit: 5 }`.
   * @default no limit
   */
  concurrency?: TaskConcurrencyOptions;
}

/** A validated, frozen task. Create it with {@link task}. */
export interface TaskDefinition {
  readonly id: string;
  readonly dependencies: readonly string[];
  readonly retry: RetryPolicy;
  /** Per-attempt timeout in ms, or `undefined` to use the runner's default. */
  readonly timeoutMs: number | undefined;
  readonly triggerRules: TriggerRule;
  readonly description: string | undefined;
  /** The body; for a module task, one that imports the module and calls its export. */
  readonly fn: TaskFunction;
  /** The module and export of a module task, `undefined` for a function. */
  readonly module?: TaskModule | undefined;
  /** Where the body runs, or `undefined` to let the runner's `defaultTaskIsolation` decide. */
  readonly isolate?: TaskIsolation | undefined;
  /** Attempts that may run at once across all runners, or `undefined` for no limit. */
  readonly concurrency?: TaskConcurrencyOptions | undefined;
}

const OPTION_KEYS = [
  'id',
  'dependencies',
  'retry',
  'timeout',
  'triggerRules',
  'description',
  'isolate',
  'module',
  'export',
  'concurrency',
];

/**
 * Defines a task: its body is the function `fn`, or, without `fn`, the export `export` of the
 * module `module` (a module task, which may run in a worker thread: see `isolate`). With a
 * context type, `task<EtlContext>(...)` (or an annotated parameter,
 * `(ctx: Context<EtlContext>) => ...`), the body reads and writes only the keys `EtlContext`
 * declares, with their types. The definition is the same either way: the engine hands every task
 * the same kind of context, so typed and untyped tasks mix in one workflow.
 * @throws {WorkflowValidationError} `INVALID_ID` for a bad id, `INVALID_RULE` for a structurally
 *   invalid rule, `INVALID_TASK` for any other problem (bad function or module, isolation,
 *   retry, timeout, concurrency, dependencies or option names).
 */
export function task<T extends object = UntypedContext>(
  options: TaskOptions,
  fn?: TaskFunction<T>,
): TaskDefinition {
  if (!isPlainObject(options)) {
    throw invalid(
      `task() expects an options object such as { id: 'my_task' }; received ${describeValue(options)}.`,
    );
  }
  const id: unknown = options['id'];
  if (!isValidId(id)) {
    throw new WorkflowValidationError(
      'INVALID_ID',
      `Task id ${describeName(id)} is invalid: use ${ID_RULE}.`,
    );
  }
  const name = `Task '${id}'`;
  const unknownKey = Object.keys(options).find((k) => !OPTION_KEYS.includes(k));
  if (unknownKey !== undefined) {
    throw invalid(
      `${name} has unknown option '${unknownKey}'; the options are ${OPTION_KEYS.join(', ')}.`,
    );
  }
  // The context type is the author's view of the one runtime Context; the engine sees it untyped.
  const body = resolveTaskBody(name, options, fn as unknown as TaskFunction | undefined);
  const dependencies = checkDependencies(name, id, options.dependencies);
  const retry = resolveRetry(name, options.retry);
  const timeout = options.timeout;
  const timeoutProblem =
    timeout === undefined ? null : durationProblem(timeout, `${name}: timeout`);
  if (timeoutProblem !== null) throw invalid(timeoutProblem);
  const timeoutMs = timeout === undefined ? undefined : parseDuration(timeout, 'timeout');
  if (timeoutMs === 0) throw invalid(`${name}: timeout must be greater than 0.`);
  const description = options.description;
  if (description !== undefined && typeof description !== 'string') {
    throw invalid(`${name}: description must be a string; received ${describeValue(description)}.`);
  }
  const concurrency = options.concurrency;
  const concurrencyProblem = concurrency === undefined ? null : taskConcurrencyProblem(concurrency);
  if (concurrencyProblem !== null) throw invalid(`${name}: ${concurrencyProblem}`);
  const rule = options.triggerRules ?? rules.always();
  const problem = ruleProblem(rule);
  if (problem !== null) {
    throw new WorkflowValidationError(
      'INVALID_RULE',
      `${name} has an invalid trigger rule: ${problem}`,
    );
  }
  return Object.freeze({
    id,
    dependencies,
    retry,
    timeoutMs,
    // Copied and frozen: the caller's rule object must not change the task after the fact.
    triggerRules: deepFreezeJson(cloneJson(rule as unknown as Json)) as unknown as TriggerRule,
    description,
    ...body,
    concurrency:
      concurrency === undefined ? undefined : Object.freeze({ limit: concurrency.limit }),
  });
}

/** The body of a task: its function, or its module, with where it runs. */
function resolveTaskBody(
  name: string,
  options: TaskOptions,
  fn: TaskFunction | undefined,
): Pick<TaskDefinition, 'fn' | 'module' | 'isolate'> {
  const body = resolveBody(name, options, fn, {
    argument: 'the second argument of task()',
    example:
      "task({ id: '...', isolate: 'thread', " +
      "module: new URL('./heavy.js', import.meta.url), export: 'run' })",
  });
  if (typeof body === 'string') throw invalid(body);
  const { module, isolate } = body;
  if (module === undefined) return { fn: fn!, module: undefined, isolate };
  // Run in the runner's thread, the body imports the module on first use (cached by Node).
  const inProcess: TaskFunction = async (ctx, handle) =>
    (await loadTaskFunction<TaskFunction>(module))(ctx, handle);
  return { fn: inProcess, module, isolate };
}

function checkDependencies(name: string, id: string, value: unknown): readonly string[] {
  if (value === undefined) return Object.freeze([]);
  if (!Array.isArray(value)) {
    throw invalid(
      `${name}: dependencies must be an array of task ids; received ${describeValue(value)}.`,
    );
  }
  const seen = new Set<string>();
  for (const dep of value as unknown[]) {
    if (!isValidId(dep)) {
      throw invalid(
        `${name}: dependency ${describeName(dep)} is not a task id; a task id is ${ID_RULE}.`,
      );
    }
    if (dep === id)
      throw invalid(`${name} depends on itself; remove '${id}' from its dependencies.`);
    if (seen.has(dep))
      throw invalid(`${name} lists dependency '${dep}' twice; list each dependency once.`);
    seen.add(dep);
  }
  return Object.freeze([...seen]);
}

function resolveRetry(name: string, value: RetryOptions | RetryPolicy | undefined): RetryPolicy {
  try {
    return RetryPolicy.from(value);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw invalid(`${name} has an invalid retry policy: ${error.problems.join(' ')}`);
  }
}

function invalid(message: string): WorkflowValidationError {
  return new WorkflowValidationError('INVALID_TASK', message);
}

/**
 * Why `value` cannot be used as a {@link TaskDefinition}, or `null` when it can. Checks the
 * shape only, so definitions from another copy of this package are accepted too.
 */
export function taskDefinitionProblem(value: unknown): string | null {
  if (typeof value === 'function') {
    return `is a bare function; wrap it with task({ id: '...' }, fn).`;
  }
  if (typeof value !== 'object' || value === null) {
    return `is ${describeValue(value)}, not a task created with task().`;
  }
  const t = value as Partial<Record<keyof TaskDefinition, unknown>>;
  const ok =
    typeof t.fn === 'function' &&
    Array.isArray(t.dependencies) &&
    typeof (t.retry as Partial<RetryPolicy> | null)?.shouldRetry === 'function' &&
    typeof t.triggerRules === 'object' &&
    (t.timeoutMs === undefined || typeof t.timeoutMs === 'number');
  if (!ok) return `is not a task created with task() (received ${describeValue(value)}).`;
  return isValidId(t.id) ? null : `has invalid id ${describeValue(t.id)}.`;
}
