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
  // Sorted by declared index; graphs are small, so insertion into a sorted array is enough.
  const ready = nodes.filter((n) => waiting.get(n.id) === 0).map((n) => n.id);
  const out: string[] = [];
  while (ready.length > 0) {
    const id = ready.shift() as string;
    out.push(id);
    for (const next of dependents.get(id) ?? []) {
      const left = (waiting.get(next) ?? 0) - 1;
      waiting.set(next, left);
      if (left === 0) insertSorted(ready, next, index);
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

function insertSorted(list: string[], id: string, index: ReadonlyMap<string, number>): void {
  const rank = index.get(id) ?? 0;
  const at = list.findIndex((other) => (index.get(other) ?? 0) > rank);
  if (at === -1) list.push(id);
  else list.splice(at, 0, id);
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
