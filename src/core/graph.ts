/**
 * DAG helpers over `{ id, dependencies }` nodes. Every result is deterministic: ties are broken
 * by the order in which nodes were declared, so the same workflow always yields the same order,
 * levels and cycle report. Dependencies naming unknown nodes are ignored here; workflow
 * validation reports them before these helpers run.
 */

import { WorkflowValidationError } from '../errors.js';

/** The part of a task the graph helpers look at. */
export interface GraphNode {
  readonly id: string;
  readonly dependencies: readonly string[];
}

/** For each id, the ids that depend on it, in declared order (every id is a key). */
export function dependentsMap(nodes: readonly GraphNode[]): Map<string, string[]> {
  const map = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  for (const node of nodes) {
    for (const dep of node.dependencies) map.get(dep)?.push(node.id);
  }
  return map;
}

/**
 * A dependency cycle, or `null` when there is none. The cycle is given in execution direction
 * (each id is a dependency of the next), starts at its earliest-declared member and repeats that
 * id at the end, e.g. `['a', 'b', 'c', 'a']` when b depends on a, c on b and a on c.
 */
export function findCycle(nodes: readonly GraphNode[]): string[] | null {
  const dependents = dependentsMap(nodes);
  const order = new Map(nodes.map((n, i) => [n.id, i]));
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];

  // Depth-first along dependents; reaching an id that is still on the stack closes a cycle.
  const visit = (id: string): string[] | null => {
    state.set(id, 'active');
    stack.push(id);
    for (const next of dependents.get(id) ?? []) {
      const s = state.get(next);
      if (s === 'active') return rotate(stack.slice(stack.indexOf(next)), order);
      if (s === undefined) {
        const found = visit(next);
        if (found !== null) return found;
      }
    }
    stack.pop();
    state.set(id, 'done');
    return null;
  };

  for (const node of nodes) {
    if (state.has(node.id)) continue;
    const found = visit(node.id);
    if (found !== null) return found;
  }
  return null;
}

/** Starts the cycle at its earliest-declared member and closes it with that id. */
function rotate(cycle: string[], order: ReadonlyMap<string, number>): string[] {
  let start = 0;
  cycle.forEach((id, i) => {
    if ((order.get(id) ?? 0) < (order.get(cycle[start] as string) ?? 0)) start = i;
  });
  const rotated = [...cycle.slice(start), ...cycle.slice(0, start)];
  return [...rotated, rotated[0] as string];
}

/**
 * Ids in an order where every node comes after its dependencies (Kahn's algorithm); among nodes
 * that are ready together, the earlier-declared comes first.
 * @throws {WorkflowValidationError} `CYCLE` when the nodes contain a cycle.
 */
export function topologicalOrder(nodes: readonly GraphNode[]): string[] {
  const ids = new Set(nodes.map((n) => n.id));
  const dependents = dependentsMap(nodes);
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const waiting = new Map(
    nodes.map((n) => [n.id, new Set(n.dependencies.filter((d) => ids.has(d))).size]),
  );
  // A heap by declared index: a fan-out of thousands of tasks stays O(n log n), where a sorted
  // array would cost O(n) per insertion.
  const ready = new MinHeap();
  for (const n of nodes) if (waiting.get(n.id) === 0) ready.push(index.get(n.id) ?? 0);
  const out: string[] = [];
  while (ready.size > 0) {
    const id = (nodes[ready.pop()] as GraphNode).id;
    out.push(id);
    for (const next of dependents.get(id) ?? []) {
      const left = (waiting.get(next) ?? 0) - 1;
      waiting.set(next, left);
      if (left === 0) ready.push(index.get(next) ?? 0);
    }
  }
  if (out.length < ids.size) {
    const cycle = findCycle(nodes) ?? [];
    throw new WorkflowValidationError('CYCLE', `Tasks form a cycle: ${cycle.join(' -> ')}.`, {
      cycle,
    });
  }
  return out;
}

/** A binary min-heap of numbers (declared indexes). */
class MinHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(value: number): void {
    const items = this.items;
    let i = items.push(value) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((items[parent] as number) <= value) break;
      items[i] = items[parent] as number;
      i = parent;
    }
    items[i] = value;
  }

  /** Removes and returns the smallest value; the heap must not be empty. */
  pop(): number {
    const items = this.items;
    const top = items[0] as number;
    const last = items.pop() as number;
    if (items.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child =
        right < items.length && (items[right] as number) < (items[left] as number) ? right : left;
      if ((items[child] as number) >= last) break;
      items[i] = items[child] as number;
      i = child;
    }
    items[i] = last;
    return top;
  }
}

/**
 * Nodes grouped by depth: level 0 holds the roots, level k the nodes whose deepest dependency
 * is at level k-1. Nodes of one level can run in parallel; each level is in declared order.
 * @throws {WorkflowValidationError} `CYCLE` when the nodes contain a cycle.
 */
export function levels(nodes: readonly GraphNode[]): string[][] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const depth = new Map<string, number>();
  for (const id of topologicalOrder(nodes)) {
    const deps = byId.get(id)?.dependencies ?? [];
    depth.set(id, Math.max(-1, ...deps.map((d) => depth.get(d) ?? -1)) + 1);
  }
  const out: string[][] = [];
  for (const node of nodes) {
    const d = depth.get(node.id) ?? 0;
    while (out.length <= d) out.push([]);
    (out[d] as string[]).push(node.id);
  }
  return out;
}

/** Ids of nodes without dependencies, in declared order. */
export function roots(nodes: readonly GraphNode[]): string[] {
  const ids = new Set(nodes.map((n) => n.id));
  return nodes.filter((n) => !n.dependencies.some((d) => ids.has(d))).map((n) => n.id);
}

/** Ids of nodes nothing depends on, in declared order. */
export function leaves(nodes: readonly GraphNode[]): string[] {
  const dependents = dependentsMap(nodes);
  return nodes.filter((n) => (dependents.get(n.id) ?? []).length === 0).map((n) => n.id);
}
