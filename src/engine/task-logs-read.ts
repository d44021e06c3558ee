/**
 * Reading a task's log, one attempt at a time: `getTaskLogs` of the runner and of the client.
 */
import { describeValue } from '../core/describe.js';
import type { JsonObject } from '../core/json.js';
import { isPlainObject } from '../core/json.js';
import { ConfigError, NotFoundError } from '../errors.js';
import { taskNotFound } from './execution-tasks.js';
import type { Store } from '../store/store.js';

/** One line a task wrote with `handle.log`. */
export interface TaskLogLine {
  /** Its number in the attempt: 1, 2, 3…; a gap means lines were dropped there. */
  readonly seq: number;
  /** When it was logged, epoch ms (the runner's clock). */
  readonly at: number;
  /** `debug`, `info`, `warn` or `error`: the method that wrote it. */
  readonly level: string;
  /** The message; a line cut to `TASK_LOG_MAX_LINE_BYTES` ends with a `…[cut: …]` marker. */
  readonly message: string;
  /** The object argument of a pino-style call (`log.info({ k: v }, 'msg')`), JSON-safe. */
  readonly fields?: JsonObject;
}

/** The log of one attempt of a task (see `getTaskLogs`). */
export interface TaskLogs {
  readonly executionId: string;
  readonly taskId: string;
  /** The attempt these lines belong to. */
  readonly attempt: number;
  /**
   * Attempts so far: the task's attempt number now, i.e. the attempt running, the last one run,
   * or, while a retry waits, the one about to run (its lines are still to come). 1 for a task
   * that has not run.
   */
  readonly attempts: number;
  /** Oldest first: the attempt's newest lines within the bound. */
  readonly lines: readonly TaskLogLine[];
  /** Older lines of this attempt were dropped by the bound (`TASK_LOG_MAX_LINES`, `…_BYTES`). */
  readonly truncated: boolean;
}

/** Options of `getTaskLogs`. */
export interface TaskLogsOptions {
  /** The attempt to read, from 1. @default the latest */
  attempt?: number;
}

/**
 * Reads one attempt's log through `store` for `getTaskLogs` (runner and client).
 *
 * @throws {ConfigError} when an id is not a string, or `options` or `attempt` is malformed
 *   (`attempt` must be an integer ≥ 1): wrong whatever the task.
 * @throws {NotFoundError} for an unknown execution or task, or an attempt past those so far.
 */
export async function readTaskLogs(
  store: Store,
  executionId: string,
  taskId: string,
  options: TaskLogsOptions = {},
): Promise<TaskLogs> {
  const attempt = checkOptions(executionId, taskId, options);
  const log = await store.getTaskLog({ executionId, taskId, attempt });
  if (log === null) throw await taskNotFound(store, executionId, taskId);
  if (log.attempt > log.attempts) {
    throw new NotFoundError(
      `Task '${taskId}' of execution ${executionId} has no attempt ${log.attempt}: it has had ` +
        `${log.attempts} so far. Ask for an attempt from 1 to ${log.attempts}, or omit attempt ` +
        'for the latest.',
    );
  }
  const lines = log.lines.map((line): TaskLogLine => {
    const out = { seq: line.seq, at: line.atMs, level: line.level, message: line.message };
    return line.fields === undefined ? out : { ...out, fields: line.fields };
  });
  return {
    executionId,
    taskId,
    attempt: log.attempt,
    attempts: log.attempts,
    lines,
    // Lines are only ever deleted oldest first, so a kept first line past 1 means some went.
    truncated: lines.length > 0 && lines[0]!.seq > 1,
  };
}

/** The attempt asked for, once the arguments are checked (see {@link readTaskLogs}). */
function checkOptions(executionId: unknown, taskId: unknown, options: unknown): number | undefined {
  const problems: string[] = [];
  if (typeof executionId !== 'string') {
    problems.push(
      `getTaskLogs: executionId must be a string; received ${describeValue(executionId)}.`,
    );
  }
  if (typeof taskId !== 'string') {
    problems.push(`getTaskLogs: taskId must be a string; received ${describeValue(taskId)}.`);
  }
  if (options === undefined) options = {};
  if (!isPlainObject(options)) {
    problems.push(
      `getTaskLogs: options must be an object such as { attempt: 2 }; received ${describeValue(options)}.`,
    );
    throw new ConfigError(problems);
  }
  for (const key of Object.keys(options)) {
    if (key !== 'attempt') {
      problems.push(`getTaskLogs: unknown option '${key}'; the only option is attempt.`);
    }
  }
  const attempt = options['attempt'];
  if (attempt !== undefined && !(Number.isSafeInteger(attempt) && (attempt as number) >= 1)) {
    problems.push(
      `getTaskLogs: attempt must be an integer ≥ 1 (attempts count from 1), or omitted for the ` +
        `latest; received ${describeValue(attempt)}.`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return attempt as number | undefined;
}
