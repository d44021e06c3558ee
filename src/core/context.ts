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

/**
 * The shape of an untyped context: any key, any JSON value. A typed context names its keys and
 * their value types instead (see {@link Context}).
 */
export type UntypedContext = Record<string, Json>;

/** The keys of a context of shape `T`. */
export type ContextKey<T> = keyof T & string;

/**
 * A JSON key/value map passed from task to task.
 *
 * `T` declares the keys and their value types (`Context<{ rows: Row[]; total: number }>`), so a
 * misspelt key or a wrong value type is a compile error. It is a view for the compiler only: at
 * run time every context is the same map, and values are checked as JSON whatever `T` says. The
 * default, {@link UntypedContext}, takes any key and any JSON value.
 */
export class Context<T extends object = UntypedContext> {
  readonly #values = new Map<string, Json>();

  /**
   * @param init initial entries; each value must be JSON.
   * @throws {ContextError} `INVALID_CONTEXT` when `init` is not a plain object or a key is
   *   empty, `NOT_JSON` when a value is not JSON, `CONTEXT_TOO_DEEP` when it nests past
   *   `MAX_CONTEXT_DEPTH`.
   */
  // NoInfer: `new Context({ a: 1 })` stays an untyped context rather than one with only key 'a'.
  constructor(init?: NoInfer<Partial<T>>) {
    if (init === undefined) return;
    if (!isPlainObject(init)) {
      throw new ContextError(
        'INVALID_CONTEXT',
        `A context must be created from a plain object of JSON values; received ${describeValue(init)}.`,
      );
    }
    const entries = init as Record<string, unknown>;
    for (const key of Object.keys(entries)) this.#values.set(key, checked(key, entries[key]));
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

  /**
   * The value stored under `key` (deep-frozen), or `undefined` when absent: a declared key may
   * still be missing (its writer was skipped or has not run).
   */
  get<K extends ContextKey<T>>(key: K): T[K] | undefined {
    return this.#values.get(key) as T[K] | undefined;
  }

  /**
   * The value stored under `key` (deep-frozen), for a task that cannot go on without it.
   * @throws {ContextError} `KEY_NOT_FOUND` when `key` is absent, naming the key.
   */
  require<K extends ContextKey<T>>(key: K): ContextValue<T, K> {
    const value = this.#values.get(key);
    // `null` is a stored value; only an absent key fails (a declared type may include null).
    if (value === undefined) {
      throw new ContextError(
        'KEY_NOT_FOUND',
        `Context key '${key}' is required here but absent. Check that the task writing it is a ` +
          'dependency of this one and was not skipped, or use ctx.get() and handle its absence.',
        { key },
      );
    }
    return value as ContextValue<T, K>;
  }

  /** True when `key` is present (even if its value is `null`). */
  has(key: ContextKey<T>): boolean {
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
  insert<K extends ContextKey<T>>(key: K, value: ContextValue<T, K>): void {
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
  update<K extends ContextKey<T>>(key: K, value: ContextValue<T, K>): void {
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
  set<K extends ContextKey<T>>(key: K, value: ContextValue<T, K>): void {
    this.#values.set(key, checked(key, value));
  }

  /** Removes `key`; returns the value it had, or `undefined` when it was absent. */
  remove<K extends ContextKey<T>>(key: K): T[K] | undefined {
    const value = this.#values.get(key);
    this.#values.delete(key);
    return value as T[K] | undefined;
  }

  /** A fresh, mutable deep copy of the entries as a plain object. */
  toJSON(): JsonObject {
    const out: [string, Json][] = [];
    for (const [key, value] of this.#values) out.push([key, cloneJson(value)]);
    // fromEntries defines own properties, so a '__proto__' key stays an ordinary key.
    return Object.fromEntries(out);
  }

  /** An independent copy of this context. */
  clone(): Context<T> {
    const copy = new Context<T>();
    // Stored values are frozen, so the copy may share them safely.
    for (const [key, value] of this.#values) copy.#values.set(key, value);
    return copy;
  }
}

/**
 * The type a context of shape `T` stores under `key`; never `undefined`, which is not JSON (an
 * optional key is removed with `remove`, not set to undefined).
 */
export type ContextValue<T, K extends keyof T> = Exclude<T[K], undefined>;

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
