/**
 * JSON values: the only data a context may hold, a rule may compare and the store may persist.
 * Checking values up front (instead of letting `JSON.stringify` silently drop `undefined` or turn
 * a `Date` into a string) means a task fails where the mistake is, not three tasks later.
 */

import { constructorName } from './describe.js';
import { MAX_CONTEXT_DEPTH } from './limits.js';

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A JSON object (string keys, JSON values). */
export type JsonObject = { [key: string]: Json };

/** True for objects whose prototype is `Object.prototype` or `null` (not arrays, not instances). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Where a value stops being JSON (or nests too deep), and why. */
export interface NonJsonProblem {
  /** Path relative to the checked value: `''` for the value itself, else like `.a[2].b`. */
  readonly path: string;
  /** What was found there, e.g. `undefined`, `a Date instance`, `a circular reference`. */
  readonly reason: string;
  /** Set when the value is JSON but nests deeper than the `maxDepth` it was checked with. */
  readonly tooDeep?: true;
}

/**
 * Finds the first place where `value` is not JSON or nests more than `maxDepth` levels of
 * objects and arrays (depth first, keys in insertion order), or returns `null` when the whole
 * value is JSON within the limit. A value shared twice is fine; only a value that contains
 * itself is a cycle. The walk stops at the limit, so no value, however deep, overflows the stack.
 *
 * @param maxDepth levels allowed, the value itself counting as the first when it is an object or
 *   an array; defaults to {@link MAX_CONTEXT_DEPTH}.
 */
export function findNonJson(value: unknown, maxDepth = MAX_CONTEXT_DEPTH): NonJsonProblem | null {
  return walk(value, '', [], maxDepth);
}

function walk(
  value: unknown,
  path: string,
  ancestors: object[],
  maxDepth: number,
): NonJsonProblem | null {
  const reason = scalarProblem(value);
  if (reason !== undefined) return { path, reason };
  if (typeof value !== 'object' || value === null) return null;
  if (ancestors.includes(value)) return { path, reason: 'a circular reference' };
  if (!Array.isArray(value) && !isPlainObject(value)) {
    return { path, reason: `${constructorName(value)} instance` };
  }
  if (ancestors.length >= maxDepth) {
    return { path, reason: `nesting deeper than ${maxDepth} levels`, tooDeep: true };
  }
  ancestors.push(value);
  try {
    return Array.isArray(value)
      ? walkArray(value, path, ancestors, maxDepth)
      : walkObject(value, path, ancestors, maxDepth);
  } finally {
    ancestors.pop();
  }
}

function walkArray(
  value: unknown[],
  path: string,
  ancestors: object[],
  maxDepth: number,
): NonJsonProblem | null {
  // A plain index loop, not forEach: holes in sparse arrays must be seen (they read as undefined).
  for (let i = 0; i < value.length; i++) {
    const found = walk(value[i], `${path}[${i}]`, ancestors, maxDepth);
    if (found !== null) return found;
  }
  return null;
}

function walkObject(
  value: Record<string, unknown>,
  path: string,
  ancestors: object[],
  maxDepth: number,
): NonJsonProblem | null {
  for (const key of Object.keys(value)) {
    const found = walk(value[key], path + keyPath(key), ancestors, maxDepth);
    if (found !== null) return found;
  }
  // JSON.stringify silently drops symbol keys, so data stored under one would vanish.
  const symbol = Object.getOwnPropertySymbols(value)[0];
  if (symbol !== undefined)
    return { path, reason: `an object with a symbol key (${String(symbol)})` };
  return null;
}

/** `.name` for identifier-like keys, `["odd key"]` otherwise, so paths stay unambiguous. */
export function keyPath(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function scalarProblem(value: unknown): string | undefined {
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    case 'bigint':
      return 'a bigint';
    case 'number':
      return Number.isFinite(value) ? undefined : `a non-finite number (${value})`;
    default:
      return undefined;
  }
}

/**
 * JSON text with object keys sorted at every depth, so equal values always produce equal text
 * (used for hashing and de-duplication).
 */
export function canonicalJson(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const parts = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] as Json)}`);
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Deep equality of two JSON values (object key order does not matter, array order does). */
export function deepEqualJson(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => deepEqualJson(item, b[i] as Json));
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every(
    (key) => Object.hasOwn(b, key) && deepEqualJson(a[key] as Json, b[key] as Json),
  );
}

/**
 * A deep copy of a JSON value. Objects are rebuilt with `Object.fromEntries`, which defines keys
 * as own data properties, so a `"__proto__"` key stays data instead of replacing the prototype.
 */
export function cloneJson<T extends Json>(v: T): T {
  return cloneAny(v) as T;
}

function cloneAny(v: Json): Json {
  if (Array.isArray(v)) return v.map(cloneAny);
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, cloneAny(item)]));
  }
  return v;
}

/** Freezes a JSON value and everything inside it; returns the same value. */
export function deepFreezeJson<T extends Json>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const item of Object.values(v)) deepFreezeJson(item);
    Object.freeze(v);
  }
  return v;
}
