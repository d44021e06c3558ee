/**
 * Smart merge: how the output contexts of several dependencies become the input of
 * one task, and how completed tasks' outputs become the final context. The merge is a pure
 * function of its inputs and of their order, so the result never depends on which task happened
 * to finish last.
 *
 * Its cost is linear in the total size of the inputs: a join of thousands of branches, each
 * adding a key, is as cheap per branch as a join of two. The merge builds a tree of its own
 * that each input is folded into in place (an object's keys in a `Map`, an array's items with
 * the set of their canonical texts), and turns it into JSON once at the end; folding an input
 * into a new copy of everything merged so far would be quadratic.
 */

import { canonicalJson, cloneJson, isPlainObject } from './json.js';
import type { Json, JsonObject } from './json.js';

/**
 * A value being merged: taken as given (shared with an input until the result is built), or,
 * once a second object or array meets it, a node of the merge's own that later inputs extend.
 */
type Node = { readonly kind: 'value'; readonly value: Json } | ObjectNode | ArrayNode;

interface ObjectNode {
  readonly kind: 'object';
  readonly entries: Map<string, Node>;
}

interface ArrayNode {
  readonly kind: 'array';
  readonly items: Json[];
  /** Canonical texts of `items`, to drop deep duplicates in constant time per item. */
  readonly seen: Set<string>;
}

/**
 * Merges `from` into `into`, returning a new object (neither input is mutated):
 * - a key present on one side only is copied;
 * - array + array → `into`'s items then `from`'s, with deep duplicates removed (the first
 *   occurrence is kept, so a duplicate inside one side is removed too);
 * - plain object + plain object → merged recursively with the same rules;
 * - anything else → `from` wins.
 */
export function smartMerge(into: JsonObject, from: JsonObject): JsonObject {
  return mergeAll([into, from]);
}

/**
 * Folds {@link smartMerge} over `list` from the left, starting from `{}`, in time linear in the
 * total size of `list`. The result shares nothing with the inputs.
 */
export function mergeAll(list: readonly JsonObject[]): JsonObject {
  const entries = new Map<string, Node>();
  for (const next of list) mergeInto(entries, next);
  return objectOf(entries);
}

/** Folds the keys of `from` into `entries`, in place. */
function mergeInto(entries: Map<string, Node>, from: JsonObject): void {
  for (const [key, value] of Object.entries(from)) {
    const current = entries.get(key);
    entries.set(key, current === undefined ? { kind: 'value', value } : mergeNode(current, value));
  }
}

/** `current` with `value` merged in: extended in place when both are objects or arrays. */
function mergeNode(current: Node, value: Json): Node {
  if (Array.isArray(value)) {
    const node = current.kind === 'value' ? arrayNode(current.value) : current;
    if (node?.kind !== 'array') return { kind: 'value', value };
    addItems(node, value);
    return node;
  }
  if (isPlainObject(value)) {
    const node = current.kind === 'value' ? objectNode(current.value) : current;
    if (node?.kind !== 'object') return { kind: 'value', value };
    mergeInto(node.entries, value);
    return node;
  }
  return { kind: 'value', value };
}

/** An array node holding `value`'s items, de-duplicated; undefined when it is no array. */
function arrayNode(value: Json): ArrayNode | undefined {
  if (!Array.isArray(value)) return undefined;
  const node: ArrayNode = { kind: 'array', items: [], seen: new Set() };
  addItems(node, value);
  return node;
}

/** An object node holding `value`'s keys; undefined when it is no plain object. */
function objectNode(value: Json): ObjectNode | undefined {
  if (!isPlainObject(value)) return undefined;
  const node: ObjectNode = { kind: 'object', entries: new Map() };
  mergeInto(node.entries, value);
  return node;
}

/**
 * Appends the items not seen yet. Comparing canonical JSON text is the same relation as
 * `deepEqualJson`, without comparing each item with every one kept before it.
 */
function addItems(node: ArrayNode, items: readonly Json[]): void {
  for (const item of items) {
    const text = canonicalJson(item);
    if (node.seen.has(text)) continue;
    node.seen.add(text);
    node.items.push(item);
  }
}

/** The JSON a node stands for, copied so that it shares nothing with the inputs. */
function jsonOf(node: Node): Json {
  switch (node.kind) {
    case 'value':
      return cloneJson(node.value);
    case 'object':
      return objectOf(node.entries);
    case 'array':
      return node.items.map(cloneJson);
  }
}

function objectOf(entries: ReadonlyMap<string, Node>): JsonObject {
  // fromEntries keeps a '__proto__' key as data instead of changing the prototype.
  return Object.fromEntries([...entries].map(([key, node]) => [key, jsonOf(node)]));
}
