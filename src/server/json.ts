/**
 * The JSON form of the engine's public result types: the API sends what the library returns,
 * with `Date`s as ISO 8601 strings and contexts as plain objects. The mapped type lets the
 * compiler check each route's response schema against the library type it serializes.
 */
import { Context, type JsonObject } from '../index.js';

/** `T` as it looks after {@link jsonify}: dates become strings, contexts plain objects. */
export type Jsonified<T> = T extends Date
  ? string
  : T extends Context
    ? JsonObject
    : T extends readonly (infer U)[]
      ? Jsonified<U>[]
      : T extends object
        ? { -readonly [K in keyof T]: Jsonified<T[K]> }
        : T;

/** Converts a library value to its JSON form (see {@link Jsonified}). */
export function jsonify<T>(value: T): Jsonified<T> {
  return convert(value) as Jsonified<T>;
}

function convert(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Context) return value.toJSON();
  if (Array.isArray(value)) return value.map(convert);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) out[key] = convert(item);
    }
    return out;
  }
  return value;
}
