/**
 * The context a workflow starts from: normalizing what callers pass, and checking it against the
 * workflow's declared `input` schema. One place, used by `execute()`, triggers, cron and clients.
 */
import { ConfigError, ContextError, InputValidationError, type InputIssue } from '../errors.js';
import { Context } from './context.js';
import { isPlainObject, type JsonObject } from './json.js';
import type { InputSchema } from './input-json-schema.js';
import type { StandardSchemaV1 } from './standard-schema.js';

/**
 * A `Context` or plain JSON object (or nothing) as a JSON object; anything else is a
 * `ContextError` (`INVALID_CONTEXT`) naming `what` (e.g. "The initial context of 'etl'").
 */
export function toContextObject(what: string, value: unknown): JsonObject {
  if (value === undefined || value === null) return {};
  if (value instanceof Context) return value.toJSON();
  if (isPlainObject(value)) return new Context(value as JsonObject).toJSON();
  throw new ContextError(
    'INVALID_CONTEXT',
    `${what} must be a Context or a plain JSON object, received ` +
      `${Array.isArray(value) ? 'an array' : typeof value}.`,
  );
}

/**
 * Checks `context` against a declared input schema (its Standard Schema `validate`). Returns the
 * schema's output (so defaults it applies are kept) when it is a plain object, else `context`
 * unchanged.
 *
 * @throws {InputValidationError} listing every issue.
 * @throws {ConfigError} when the schema validates asynchronously (an async refinement): the
 *   check runs inside synchronous scheduling steps, so a promise is refused rather than awaited.
 */
export function checkInput(
  workflowName: string,
  schema: InputSchema | undefined,
  context: JsonObject,
): JsonObject {
  if (schema === undefined) return context;
  const result = schema['~standard'].validate(context);
  if (isPromiseLike(result)) {
    // Nobody awaits it: a rejection must not surface as an unhandled one.
    Promise.resolve(result).catch(() => undefined);
    throw new ConfigError(
      `the input schema of workflow '${workflowName}' validates asynchronously ` +
        `(${schema['~standard'].vendor} returned a promise). Input schemas must validate ` +
        'synchronously: move async checks (a database lookup, ...) into the first task.',
    );
  }
  if (result.issues !== undefined) {
    throw new InputValidationError(workflowName, result.issues.map(toInputIssue));
  }
  const value: unknown = result.value;
  return isPlainObject(value) ? new Context(value as JsonObject).toJSON() : context;
}

/** A Standard Schema issue as an input issue: path segments as keys (symbols as their text). */
function toInputIssue(issue: StandardSchemaV1.Issue): InputIssue {
  return {
    path: (issue.path ?? []).map((segment) => {
      const key = typeof segment === 'object' ? segment.key : segment;
      return typeof key === 'number' ? key : String(key);
    }),
    message: issue.message,
  };
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
