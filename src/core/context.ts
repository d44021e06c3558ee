/**
 * The context: a JSON key/value map that flows through a workflow execution. Each task receives
 * one, mutates it in place, and the engine persists what it holds when the task completes.
 *
 * Values are checked when they go in rather than when the engine serializes them, so a mistake
 * (a `Date`, an `undefined`) fails the task that made it, with the key and path in the message.
 * Stored values are deep-frozen copies: the caller's object can change afterwards without
 * affecting the context, and `ctx.get('rows').push(x)` fails loudly instead of changing data
 * behind the context's back (use `set`/`update` to change a value).
 */

import { ContextError } from '../errors.js';
import { describeValue } from './describe.js';
import { cloneJson, deepFreezeJson, findNonJson, isPlainObject } from './json.js';
import { MAX_CONTEXT_DEPTH } from './limits.js';
import type { Json, JsonObject } from './json.js';

/** A JSON key/value map passed from task to task. */
export class Context {
  readonly #values = new Map<string, Json>();

  /**
   * @param init initial entries; each value must be JSON.
   * @throws {ContextError} `INVALID_CONTEXT` when `init` is not a plain object or a key is
   *   empty, `NOT_JSON` when a value is not JSON, `CONTEXT_TOO_DEEP` when it nests past
   *   `MAX_CONTEXT_DEPTH`.
   */
  constructor(init?: Record<string, Json>) {
    if (init === undefined) return;
    if (!isPlainObject(init)) {
      throw new ContextError(
        'INVALID_CONTEXT',
        `A context must be created from a plain object of JSON values; received ${describeValue(init)}.`,
      );
    }
    for (const key of Object.keys(init)) this.#values.set(key, checked(key, init[key]));
  }

  /**
   * Builds a context from a parsed JSON object (e.g. a stored context or a trigger's output).
   * @throws {ContextError} `INVALID_CONTEXT` when `obj` is not a plain object, `NOT_JSON` when a
   *   value is not JSON, `CONTEXT_TOO_DEEP` when it nests past `MAX_CONTEXT_DEPTH`.
   */
  static fromJSON(obj: unknown): Context {
    if (!isPlainObject(obj)) {
      throw new ContextError(
        'INVALID_CONTEXT',
        `Context.fromJSON expects a plain object of JSON values; received ${describeValue(obj)}.`,
      );
    }
    return new Context(obj as Record<string, Json>);
  }

  /** The value stored under `key` (deep-frozen), or `undefined` when absent. */
  get(key: string): Json | undefined {
    return this.#values.get(key);
  }

  /** True when `key` is present (even if its value is `null`). */
  has(key: string): boolean {
    return this.#values.has(key);
  }

  /** The keys, in insertion order. */
  keys(): string[] {
    return [...this.#values.keys()];
  }

  /** Number of keys. */
  get size(): number {
    return this.#values.size;
  }

  /**
   * Adds a new key.
   * @throws {ContextError} `KEY_EXISTS` when `key` is already present; `NOT_JSON` when `value` is
   *   not JSON; `CONTEXT_TOO_DEEP` when it nests past `MAX_CONTEXT_DEPTH`.
   */
  insert(key: string, value: Json): void {
    const stored = checked(key, value);
    if (this.#values.has(key)) {
      throw new ContextError(
        'KEY_EXISTS',
        `Context key '${key}' already exists. Use ctx.update('${key}', value) to replace it, or ctx.set() to insert or replace.`,
        { key },
      );
    }
    this.#values.set(key, stored);
  }

  /**
   * Replaces the value of an existing key.
   * @throws {ContextError} `KEY_NOT_FOUND` when `key` is absent; `NOT_JSON` when `value` is not
   *   JSON; `CONTEXT_TOO_DEEP` when it nests past `MAX_CONTEXT_DEPTH`.
   */
  update(key: string, value: Json): void {
    const stored = checked(key, value);
    if (!this.#values.has(key)) {
      throw new ContextError(
        'KEY_NOT_FOUND',
        `Context key '${key}' does not exist, so it cannot be updated. Use ctx.insert('${key}', value) to add it, or ctx.set() to insert or replace.`,
        { key },
      );
    }
    this.#values.set(key, stored);
  }

  /**
   * Inserts or replaces the value of `key`.
   * @throws {ContextError} `NOT_JSON` when `value` is not JSON; `CONTEXT_TOO_DEEP` when it nests
   *   past `MAX_CONTEXT_DEPTH`.
   */
  set(key: string, value: Json): void {
    this.#values.set(key, checked(key, value));
  }

  /** Removes `key`; returns the value it had, or `undefined` when it was absent. */
  remove(key: string): Json | undefined {
    const value = this.#values.get(key);
    this.#values.delete(key);
    return value;
  }

  /** A fresh, mutable deep copy of the entries as a plain object. */
  toJSON(): JsonObject {
    const out: [string, Json][] = [];
    for (const [key, value] of this.#values) out.push([key, cloneJson(value)]);
    // fromEntries defines own properties, so a '__proto__' key stays an ordinary key.
    return Object.fromEntries(out);
  }

  /** An independent copy of this context. */
  clone(): Context {
    const copy = new Context();
    // Stored values are frozen, so the copy may share them safely.
    for (const [key, value] of this.#values) copy.#values.set(key, value);
    return copy;
  }
}

/** Validates a key and a value, and returns the frozen deep copy to store. */
function checked(key: string, value: unknown): Json {
  if (typeof key !== 'string' || key === '') {
    throw new ContextError(
      'INVALID_CONTEXT',
      `Context keys must be non-empty strings; received ${describeValue(key)}.`,
    );
  }
  // The context is the first level, so the value under a key may nest one level less.
  const problem = findNonJson(value, MAX_CONTEXT_DEPTH - 1);
  if (problem?.tooDeep === true) {
    const path = key + problem.path;
    throw new ContextError(
      'CONTEXT_TOO_DEEP',
      `Context value for key '${key}' nests deeper than the limit of ${MAX_CONTEXT_DEPTH} levels ` +
        `of objects and arrays (the context itself is the first) at ${path}. ` +
        'Flatten the value, or store the deep part as a JSON string.',
      { key, path },
    );
  }
  if (problem !== null) {
    const path = key + problem.path;
    throw new ContextError(
      'NOT_JSON',
      `Context value for key '${key}' is not JSON at ${path}: ${problem.reason}. ` +
        'Store only JSON values (null, boolean, finite number, string, array, plain object); ' +
        'convert dates to ISO strings.',
      { key, path },
    );
  }
  return deepFreezeJson(cloneJson(value as Json));
}
