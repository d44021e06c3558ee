/**
 * The context a workflow starts from: normalizing what callers pass, and checking it against the
 * workflow's declared `input` schema. One place, used by `execute()`, triggers, cron and clients.
 */
import { ContextError, InputValidationError } from '../errors.js';
import { Context } from './context.js';
import { isPlainObject, type JsonObject } from './json.js';
import type { InputSchema } from './workflow.js';

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
 * Checks `context` against a declared input schema. Returns the schema's parsed object (so
 * defaults it applies are kept) when it is a plain object, else `context` unchanged.
 *
 * @throws {InputValidationError} listing every issue.
 */
export function checkInput(
  workflowName: string,
  schema: InputSchema | undefined,
  context: JsonObject,
): JsonObject {
  if (schema === undefined) return context;
  const parsed = schema.safeParse(context);
  if (!parsed.success) {
    throw new InputValidationError(
      workflowName,
      parsed.error.issues.map((issue) => ({
        path: issue.path.map((p) => (typeof p === 'number' ? p : String(p))),
        message: issue.message,
      })),
    );
  }
  return isPlainObject(parsed.data) ? new Context(parsed.data as JsonObject).toJSON() : context;
}
