/**
 * The JSON Schema form of a workflow's input schema. A process without the task code (a client,
 * the CLI, an HTTP server) cannot run the schema object, but it can check a context against the
 * JSON Schema the schema's library emits, stored with the definition. Libraries that implement
 * Standard JSON Schema (`schema['~standard'].jsonSchema.input(...)`, e.g. zod 4) offer it.
 */
import { findNonJson, isPlainObject, type Json, type JsonObject } from './json.js';
import type { StandardSchemaV1 } from './standard-schema.js';

/**
 * A schema for a workflow's initial context: any Standard Schema of an object (`z.object({...})`
 * of zod, `v.object({...})` of valibot, `type({...})` of arktype). `Input` is the type a caller
 * passes; the compiler infers it from the schema. Structural, so this package depends on no
 * schema library.
 */
export type InputSchema<Input = unknown> = StandardSchemaV1<Input, unknown>;

/** The draft every stored input schema is asked for; the checking side reads this draft. */
export const INPUT_JSON_SCHEMA_TARGET = 'draft-2020-12';

/** Nesting allowed in an emitted schema: deep enough for any hand-written input type. */
const MAX_SCHEMA_DEPTH = 256;

/**
 * The draft 2020-12 JSON Schema of the values `schema` accepts as input, or `null` when there is
 * none: no schema, a library without Standard JSON Schema, or a schema it cannot represent (it
 * throws, e.g. zod for a `z.date()` or a `z.custom()`), or a result that is not plain JSON.
 *
 * The schema is asked twice, because a default computed per call (`.default(() => randomUUID())`)
 * comes out as whatever value the call produced: a `default` that differs between the two is
 * left out, since storing one call's value would hand every execution the same "fresh" value and
 * change the workflow's version at every start. Any other difference makes the form unusable
 * (`null`).
 */
export function inputJsonSchema(schema: InputSchema | undefined): JsonObject | null {
  if (schema === undefined) return null;
  let first: unknown;
  let second: unknown;
  try {
    const emit = jsonSchemaEmitter(schema);
    if (emit === undefined) return null;
    first = emit();
    second = emit();
  } catch {
    // The library says the schema has no JSON Schema form (a transform output, a Date, ...):
    // the workflow still registers; only processes with the code check its input.
    return null;
  }
  if (!isJsonObject(first) || !isJsonObject(second)) return null;
  const settled = settle(first, second);
  return isPlainObject(settled) ? settled : null;
}

/** A call of the schema's Standard JSON Schema `input` converter, or undefined if it has none. */
function jsonSchemaEmitter(schema: InputSchema): (() => unknown) | undefined {
  const standard: unknown = (schema as { '~standard'?: unknown })['~standard'];
  if (typeof standard !== 'object' || standard === null) return undefined;
  const converter: unknown = (standard as { jsonSchema?: unknown }).jsonSchema;
  if (typeof converter !== 'object' || converter === null) return undefined;
  const input: unknown = (converter as { input?: unknown }).input;
  if (typeof input !== 'function') return undefined;
  return () =>
    (input as (options: object) => unknown).call(converter, {
      target: INPUT_JSON_SCHEMA_TARGET,
    });
}

function isJsonObject(value: unknown): value is JsonObject {
  // Non-finite numbers (a `max(Infinity)`) or undefined values would not survive storage.
  return isPlainObject(value) && findNonJson(value, MAX_SCHEMA_DEPTH) === null;
}

/** Marks a difference that is not a per-call `default`. */
const UNSTABLE = Symbol('unstable');

/** `a` without the `default` keywords that differ from `b`; UNSTABLE on any other difference. */
function settle(a: Json, b: Json): Json | typeof UNSTABLE {
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return UNSTABLE;
    const items: Json[] = [];
    for (let i = 0; i < a.length; i++) {
      const item = settle(a[i] as Json, b[i] as Json);
      if (item === UNSTABLE) return UNSTABLE;
      items.push(item);
    }
    return items;
  }
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) {
    return a === b ? a : UNSTABLE;
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length || !keys.every((k) => Object.hasOwn(b, k))) {
    return UNSTABLE;
  }
  const out: [string, Json][] = [];
  for (const key of keys) {
    const value = settle(a[key] as Json, b[key] as Json);
    if (value !== UNSTABLE) out.push([key, value]);
    // A `default` differs only when computed per call; anything else is a real difference.
    else if (key !== 'default') return UNSTABLE;
  }
  // fromEntries keeps a "__proto__" property name as data.
  return Object.fromEntries<Json>(out);
}
