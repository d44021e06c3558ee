/**
 * Smart merge (SPEC §3.4): how the output contexts of several dependencies become the input of
 * one task, and how completed tasks' outputs become the final context. The merge is a pure
 * function of its inputs and of their order, so the result never depends on which task happened
 * to finish last.
 */

import { canonicalJson, cloneJson, isPlainObject } from './json.js';
import type { Json, JsonObject } from './json.js';

/**
 * Merges `from` into `into`, returning a new object (neither input is mutated):
 * - a key present on one side only is copied;
 * - array + array → `into`'s items then `from`'s, with deep duplicates removed (the first
 *   occurrence is kept, so a duplicate inside one side is removed too);
 * - plain object + plain object → merged recursively with the same rules;
 * - anything else → `from` wins.
 */
export function smartMerge(into: JsonObject, from: JsonObject): JsonObject {
  // Copy once at the end: values taken unchanged from an input must not be shared with it.
  return cloneJson(mergeObjects(into, from));
}

/** The merge itself; the result may share sub-values with the inputs. */
function mergeObjects(into: JsonObject, from: JsonObject): JsonObject {
  const entries = new Map<string, Json>(Object.entries(into));
  for (const [key, value] of Object.entries(from)) {
    entries.set(key, entries.has(key) ? mergeValue(entries.get(key) as Json, value) : value);
  }
  // fromEntries keeps a '__proto__' key as data instead of changing the prototype.
  return Object.fromEntries(entries);
}

function mergeValue(a: Json, b: Json): Json {
  if (Array.isArray(a) && Array.isArray(b)) return dedupe([...a, ...b]);
  if (isPlainObject(a) && isPlainObject(b)) return mergeObjects(a, b);
  return b;
}

/**
 * Removes deep duplicates, keeping first occurrences. Comparing canonical JSON text is the same
 * relation as `deepEqualJson`, in linear rather than quadratic time.
 */
function dedupe(items: readonly Json[]): Json[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const text = canonicalJson(item);
    if (seen.has(text)) return false;
    seen.add(text);
    return true;
  });
}

/** Folds {@link smartMerge} over `list` from the left, starting from `{}`. */
export function mergeAll(list: readonly JsonObject[]): JsonObject {
  return cloneJson(list.reduce<JsonObject>((acc, next) => mergeObjects(acc, next), {}));
}
