/**
 * Every error the engine throws at a user extends {@link CloacinaError}: it carries a stable
 * `code` that programs can switch on, and a message that says what was wrong, the value
 * received and what to do about it.
 */

/** Stable error codes. New codes may be added; existing ones never change meaning. */
export const ErrorCode = {
  CONFIG: 'CONFIG',
  KEY_EXISTS: 'KEY_EXISTS',
  KEY_NOT_FOUND: 'KEY_NOT_FOUND',
  NOT_JSON: 'NOT_JSON',
  INVALID_CONTEXT: 'INVALID_CONTEXT',
  CONTEXT_TOO_DEEP: 'CONTEXT_TOO_DEEP',
  EMPTY_WORKFLOW: 'EMPTY_WORKFLOW',
  DUPLICATE_TASK: 'DUPLICATE_TASK',
  MISSING_DEPENDENCY: 'MISSING_DEPENDENCY',
  CYCLE: 'CYCLE',
  INVALID_ID: 'INVALID_ID',
  INVALID_RULE: 'INVALID_RULE',
  INVALID_TASK: 'INVALID_TASK',
  WORKFLOW_NOT_FOUND: 'WORKFLOW_NOT_FOUND',
  INPUT_VALIDATION: 'INPUT_VALIDATION',
  TASK_FAILED: 'TASK_FAILED',
  TIMEOUT: 'TIMEOUT',
  INVALID_STATE: 'INVALID_STATE',
  NOT_FOUND: 'NOT_FOUND',
  CRON: 'CRON',
  POLL_ERROR: 'POLL_ERROR',
  POLL_TIMEOUT: 'POLL_TIMEOUT',
  RESERVED_KEY: 'RESERVED_KEY',
  DATABASE: 'DATABASE',
  SHUTDOWN: 'SHUTDOWN',
  INVALID_CURSOR: 'INVALID_CURSOR',
  NO_DATABASE: 'NO_DATABASE',
  SCHEMA_BEHIND: 'SCHEMA_BEHIND',
  SQL_PARAMETERS: 'SQL_PARAMETERS',
} as const;

/** A stable error code (see {@link ErrorCode}). */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const BRAND = Symbol.for('cloacina.error');

/** Base class of every error the engine throws at a user. */
export class CloacinaError extends Error {
  /** Stable machine-readable code. */
  readonly code: string;
  /** Brand used by {@link isCloacinaError}, robust across duplicated module copies. */
  readonly [BRAND] = true;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** True when `value` is a {@link CloacinaError} (also across duplicated copies of the package). */
export function isCloacinaError(value: unknown): value is CloacinaError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true
  );
}

/** Invalid runner configuration or URL. `problems` lists every problem found, not just the first. */
export class ConfigError extends CloacinaError {
  readonly problems: readonly string[];
  constructor(problems: string | readonly string[], options?: { cause?: unknown }) {
    const list = typeof problems === 'string' ? [problems] : [...problems];
    super(
      ErrorCode.CONFIG,
      list.length === 1
        ? `Invalid configuration: ${list[0]}`
        : `Invalid configuration:\n- ${list.join('\n- ')}`,
      options,
    );
    this.problems = list;
  }
}

/**
 * A context operation failed: key already present, key absent, a value that is not JSON, or a
 * value nested deeper than `MAX_CONTEXT_DEPTH`.
 */
export class ContextError extends CloacinaError {
  /** The key involved, when there is one. */
  readonly key: string | undefined;
  /**
   * For `NOT_JSON`: the path inside the value that is not JSON, e.g. `rows[2].when`; for
   * `CONTEXT_TOO_DEEP`: the path of the first value past the limit.
   */
  readonly path: string | undefined;
  constructor(
    code: 'KEY_EXISTS' | 'KEY_NOT_FOUND' | 'NOT_JSON' | 'INVALID_CONTEXT' | 'CONTEXT_TOO_DEEP',
    message: string,
    details: { key?: string; path?: string } = {},
  ) {
    super(code, message);
    this.key = details.key;
    this.path = details.path;
  }
}

/** A workflow definition is invalid; `code` says how. */
export class WorkflowValidationError extends CloacinaError {
  /** The workflow's name, when known. */
  readonly workflowName: string | undefined;
  /** For `CYCLE`: the task ids of the cycle in order, first id repeated at the end. */
  readonly cycle: readonly string[] | undefined;
  constructor(
    code:
      | 'EMPTY_WORKFLOW'
      | 'DUPLICATE_TASK'
      | 'MISSING_DEPENDENCY'
      | 'CYCLE'
      | 'INVALID_ID'
      | 'INVALID_RULE'
      | 'INVALID_TASK',
    message: string,
    details: { workflowName?: string; cycle?: readonly string[] } = {},
  ) {
    super(code, message);
    this.workflowName = details.workflowName;
    this.cycle = details.cycle;
  }
}

/** No workflow of that name is registered (or stored). */
export class WorkflowNotFoundError extends CloacinaError {
  readonly workflowName: string;
  constructor(workflowName: string, known: readonly string[] = []) {
    super(
      ErrorCode.WORKFLOW_NOT_FOUND,
      `Workflow '${workflowName}' is not registered.` +
        (known.length > 0
          ? ` Registered workflows: ${known.map((n) => `'${n}'`).join(', ')}.`
          : ' No workflow is registered yet.') +
        ' Call runner.register(workflow) first.',
    );
    this.workflowName = workflowName;
  }
}

/** One problem found by a workflow's declared `input` schema. */
export interface InputIssue {
  /** Path inside the context, e.g. `['user', 'id']`. */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** The initial context does not satisfy the workflow's declared `input` schema. */
export class InputValidationError extends CloacinaError {
  readonly workflowName: string;
  readonly issues: readonly InputIssue[];
  constructor(workflowName: string, issues: readonly InputIssue[]) {
    const lines = issues.map(
      (i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`,
    );
    super(
      ErrorCode.INPUT_VALIDATION,
      `Input for workflow '${workflowName}' is invalid; nothing was scheduled:\n- ${lines.join('\n- ')}`,
    );
    this.workflowName = workflowName;
    this.issues = issues;
  }
}

/**
 * Thrown by task code to fail an attempt. `retryable: false` fails the task at once, whatever its
 * retry policy says.
 */
export class TaskError extends CloacinaError {
  readonly retryable: boolean;
  constructor(
    message: string,
    options: { retryable?: boolean; cause?: unknown; code?: string } = {},
  ) {
    super(options.code ?? ErrorCode.TASK_FAILED, message, { cause: options.cause });
    this.retryable = options.retryable ?? true;
  }
}

/** Something took longer than allowed (a task attempt, a poll, or the wait of `execute()`). */
export class TimeoutError extends CloacinaError {
  readonly timeoutMs: number;
  constructor(message: string, timeoutMs: number) {
    super(ErrorCode.TIMEOUT, message);
    this.timeoutMs = timeoutMs;
  }
}

/** An operation is not allowed in the current state (e.g. resuming a running execution). */
export class InvalidStateError extends CloacinaError {
  readonly currentState: string | undefined;
  constructor(message: string, currentState?: string) {
    super(ErrorCode.INVALID_STATE, message);
    this.currentState = currentState;
  }
}

/** A named or identified thing does not exist. */
export class NotFoundError extends CloacinaError {
  constructor(message: string) {
    super(ErrorCode.NOT_FOUND, message);
  }
}

/**
 * A paging or event cursor that this engine did not hand out (or one from another list): pass
 * back exactly the `nextCursor` / `cursor` a previous read returned, or none to start over.
 */
export class InvalidCursorError extends CloacinaError {
  /** The cursor received. */
  readonly cursor: string;
  constructor(cursor: string, what: string) {
    super(
      ErrorCode.INVALID_CURSOR,
      `Invalid ${what} cursor ${JSON.stringify(cursor.length > 80 ? `${cursor.slice(0, 80)}…` : cursor)}: pass back a cursor exactly as a previous read returned it, or none to start from the beginning.`,
    );
    this.cursor = cursor;
  }
}

/** A cron expression, time zone or schedule option is invalid. */
export class CronError extends CloacinaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.CRON, message, options);
  }
}

/** An event trigger's poll failed, timed out, or fired a context holding a reserved key. */
export class TriggerError extends CloacinaError {
  readonly triggerName: string;
  constructor(
    code: 'POLL_ERROR' | 'POLL_TIMEOUT' | 'RESERVED_KEY',
    triggerName: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.triggerName = triggerName;
  }
}

/**
 * A database operation failed. `retryable` is true for transient failures (busy, connection,
 * full disk); `refusedValue` is true when the database refused a value the operation wrote (too
 * long, malformed, against a constraint), so the same write fails again however often it is
 * tried.
 */
export class DatabaseError extends CloacinaError {
  readonly retryable: boolean;
  readonly refusedValue: boolean;
  constructor(
    message: string,
    options: { retryable?: boolean; refusedValue?: boolean; cause?: unknown } = {},
  ) {
    super(ErrorCode.DATABASE, message, { cause: options.cause });
    this.retryable = options.retryable ?? false;
    this.refusedValue = options.refusedValue ?? false;
  }
}

/**
 * A database opened without migrating (the CLI, `Client.connect(url, { migrate: false })`,
 * `DefaultRunner.create(url, { migrate: false })`) is not one this version can use:
 * `NO_DATABASE` when it holds no Cloacina schema at all (a mistyped file name or `?schema=`),
 * `SCHEMA_BEHIND` when migrations this version needs were not applied. Nothing was created or
 * changed; the message says which command applies the migrations.
 */
export class SchemaError extends CloacinaError {
  constructor(code: 'NO_DATABASE' | 'SCHEMA_BEHIND', message: string) {
    super(code, message);
  }
}

/**
 * A statement was given a different number of values than it has `?` placeholders. This is a
 * defect in the code that built the statement, never in the data: nothing was sent, and trying
 * again cannot help. Binding the missing values as NULL instead would write wrong rows silently.
 */
export class SqlParameterError extends CloacinaError {
  constructor(message: string) {
    super(ErrorCode.SQL_PARAMETERS, message);
  }
}

/** The longest description of a thrown non-error value kept in a message. */
const MAX_DESCRIPTION = 2_000;

/**
 * Coerces anything thrown by user code into an `Error`, keeping the original as `cause`. It
 * never throws itself: a thrown value whose `toString`/`toJSON` throws, an `Error` whose
 * `message` or `name` getter throws (or is not a string), or a revoked `Proxy` becomes a plain
 * `Error` that says so, so the engine can always record and log what happened.
 */
export function toError(thrown: unknown): Error {
  let isError: boolean;
  try {
    isError = thrown instanceof Error;
  } catch {
    // A revoked Proxy throws on the prototype look-up itself.
    return new Error('A value was thrown that cannot be inspected (a revoked Proxy?).');
  }
  if (isError) {
    const error = thrown as Error;
    try {
      if (typeof error.message === 'string' && typeof error.name === 'string') return error;
    } catch {
      // Described below.
    }
    return new Error(
      `An Error was thrown whose message or name cannot be read: ${describeValue(error)}`,
      { cause: thrown },
    );
  }
  if (typeof thrown === 'string') return new Error(thrown);
  return new Error(`Non-error value thrown: ${describeValue(thrown)}`, { cause: thrown });
}

/** A short text for any value, trying JSON, then `String`, then its tag; never throws. */
export function describeValue(value: unknown): string {
  const attempts = [
    () => JSON.stringify(value),
    () => String(value),
    () => Object.prototype.toString.call(value),
  ];
  for (const attempt of attempts) {
    try {
      const text = attempt();
      if (typeof text === 'string') {
        return text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION)}…` : text;
      }
    } catch {
      // Try the next way.
    }
  }
  return '(a value that cannot be described)';
}
