/**
 * Checking a context against the stored JSON Schema form of a workflow's input schema, in a
 * process without the task code (a `Client`). The result is an {@link InputSchema}, so the same
 * `checkInput` a runner uses turns failures into the same `InputValidationError`.
 *
 * It lives beside the client rather than in core/: only processes without the code need it, and
 * ajv (which compiles schemas into functions, ~60 ms to load) is imported on first use, so
 * processes that check no stored schema (runners, most CLI commands) never load it.
 */
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { describeValue } from './core/describe.js';
import { cloneJson, type Json, type JsonObject } from './core/json.js';
import type { InputSchema } from './core/workflow.js';
import { ConfigError, type InputIssue } from './errors.js';

/** Compiles stored JSON Schemas (draft 2020-12) into input schemas. */
export type JsonSchemaCompiler = (
  workflowName: string,
  version: string,
  schema: JsonObject,
) => InputSchema;

let loading: Promise<JsonSchemaCompiler> | undefined;

/** Loads ajv once per process and returns the compiler. */
export function loadJsonSchemaCompiler(): Promise<JsonSchemaCompiler> {
  loading ??= load();
  return loading;
}

async function load(): Promise<JsonSchemaCompiler> {
  const [{ Ajv2020 }, formats] = await Promise.all([
    import('ajv/dist/2020.js'),
    import('ajv-formats'),
  ]);
  const addFormats = formats.default.default;
  return (workflowName, version, schema) => {
    // Compiled on first use, not on every refresh: a schema ajv rejects fails only the calls
    // that need it, never the listing or firing of other workflows.
    let validate: ValidateFunction | undefined;
    const compile = (): ValidateFunction => {
      // One instance per schema: two stored schemas declaring the same `$id` never collide.
      const ajv = new Ajv2020({
        allErrors: true,
        // Schemas come from libraries, not from people: unknown keywords are annotations.
        strict: false,
        // Defaults the schema declares are applied, as the runner keeps those its schema applies.
        useDefaults: true,
        logger: false,
      });
      addFormats(ajv);
      try {
        return ajv.compile(schema);
      } catch (error) {
        throw new ConfigError(
          `the stored input schema of workflow '${workflowName}' (version ${version}) is not a ` +
            `draft 2020-12 JSON Schema ajv can compile: ${(error as Error).message}. ` +
            'Register the workflow again from code whose input schema converts to JSON Schema, ' +
            'or start it from a process that has the code.',
          { cause: error },
        );
      }
    };
    return {
      '~standard': {
        version: 1,
        vendor: 'cloacina-json-schema',
        validate(data: unknown) {
          validate ??= compile();
          // ajv writes defaults into the value it checks; the caller's object stays as it was.
          const copy = cloneJson(data as Json);
          if (validate(copy)) return { value: copy };
          return { issues: toIssues(validate.errors ?? [], copy) };
        },
      },
    };
  };
}

/** ajv's errors as input issues: paths as key lists, each issue once. */
function toIssues(errors: readonly ErrorObject[], data: Json): InputIssue[] {
  const seen = new Set<string>();
  const issues: InputIssue[] = [];
  for (const error of errors) {
    const issue = toIssue(error, data);
    const key = JSON.stringify(issue);
    if (!seen.has(key)) {
      seen.add(key);
      issues.push(issue);
    }
  }
  return issues;
}

function toIssue(error: ErrorObject, data: Json): InputIssue {
  const path = pointerPath(error.instancePath, data);
  const params = error.params as Record<string, unknown>;
  // The property a keyword names belongs in the path, where zod puts it too.
  const named = params['missingProperty'] ?? params['additionalProperty'];
  if (error.keyword === 'required' && typeof named === 'string') {
    return { path: [...path, named], message: 'is required (received nothing)' };
  }
  if (error.keyword === 'additionalProperties' && typeof named === 'string') {
    return {
      path: [...path, named],
      message: 'is not a property the input schema allows; remove it',
    };
  }
  const message = describeKeyword(error, params);
  return { path, message: `${message} (received ${describeValue(valueAt(data, path))})` };
}

/** ajv's message, with the values an `enum` or `const` allows spelled out. */
function describeKeyword(error: ErrorObject, params: Record<string, unknown>): string {
  const allowed = params['allowedValues'];
  if (error.keyword === 'enum' && Array.isArray(allowed)) {
    return `must be one of ${allowed.map((v) => describeValue(v)).join(', ')}`;
  }
  if (error.keyword === 'const') return `must be ${describeValue(params['allowedValue'])}`;
  return error.message ?? `fails the '${error.keyword}' keyword of the input schema`;
}

/**
 * A JSON Pointer (`/items/0/name`) as a key list. A segment is a number where the value at that
 * point is an array, so paths read like zod's (`['items', 0, 'name']`).
 */
function pointerPath(pointer: string, data: Json): (string | number)[] {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let node: Json | undefined = data;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const key: string | number = Array.isArray(node) ? Number(segment) : segment;
    path.push(key);
    node = step(node, key);
  }
  return path;
}

function valueAt(data: Json, path: readonly (string | number)[]): Json | undefined {
  let node: Json | undefined = data;
  for (const key of path) node = step(node, key);
  return node;
}

function step(node: Json | undefined, key: string | number): Json | undefined {
  if (Array.isArray(node)) return typeof key === 'number' ? node[key] : undefined;
  if (typeof node === 'object' && node !== null && Object.hasOwn(node, key)) {
    return node[key];
  }
  return undefined;
}
