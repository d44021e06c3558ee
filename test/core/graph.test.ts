import { describe, it, expect } from 'vitest';
import {
  dependentsMap,
  findCycle,
  leaves,
  levels,
  roots,
  topologicalOrder,
} from '../../src/core/graph.js';
import type { GraphNode } from '../../src/core/graph.js';
import { WorkflowValidationError } from '../../src/errors.js';

const n = (id: string, ...dependencies: string[]): GraphNode => ({ id, dependencies });

// a → (b, c) → d
const diamond = [n('a'), n('b', 'a'), n('c', 'a'), n('d', 'b', 'c')];

describe('graph helpers on a diamond', () => {
  it('topologicalOrder', () => {
    expect(topologicalOrder(diamond)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('levels', () => {
    expect(levels(diamond)).toEqual([['a'], ['b', 'c'], ['d']]);
  });

  it('roots and leaves', () => {
    expect(roots(diamond)).toEqual(['a']);
    expect(leaves(diamond)).toEqual(['d']);
  });

  it('dependentsMap', () => {
    expect([...dependentsMap(diamond)]).toEqual([
      ['a', ['b', 'c']],
      ['b', ['d']],
      ['c', ['d']],
      ['d', []],
    ]);
  });

  it('findCycle finds none', () => {
    expect(findCycle(diamond)).toBeNull();
  });
});

describe('determinism', () => {
  it('breaks ties by declared order, not by id', () => {
    // Among ready nodes the earliest-declared goes first: 'a' becomes ready after 'z' and is
    // declared before 'b'.
    const nodes = [n('z'), n('m'), n('a', 'z'), n('b')];
    expect(topologicalOrder(nodes)).toEqual(['z', 'm', 'a', 'b']);
    expect(levels(nodes)).toEqual([['z', 'm', 'b'], ['a']]);
    expect(roots(nodes)).toEqual(['z', 'm', 'b']);
    expect(leaves(nodes)).toEqual(['m', 'a', 'b']);
  });

  it('puts a node declared before its dependency after it', () => {
    const nodes = [n('late', 'early'), n('early'), n('other')];
    expect(topologicalOrder(nodes)).toEqual(['early', 'late', 'other']);
  });

  it('places a node at its deepest dependency level + 1', () => {
    const nodes = [n('a'), n('b', 'a'), n('c', 'b'), n('d', 'a', 'c')];
    expect(levels(nodes)).toEqual([['a'], ['b'], ['c'], ['d']]);
  });

  it('orders a wide fan-out and fan-in in declared order, in O(n log n)', () => {
    // 1 -> N -> 1, declared in reverse so every tie is broken against the insertion order.
    // Keeping the ready list sorted by insertion (O(N) each) ran past the test timeout.
    const N = 50_000;
    const branches = Array.from({ length: N }, (_, i) => n(`b${N - 1 - i}`, 'root'));
    const nodes = [n('join', ...branches.map((b) => b.id)), ...branches, n('root'), n('alone')];
    const order = topologicalOrder(nodes);
    expect(order).toHaveLength(N + 3);
    expect(order.slice(0, 4)).toEqual(['root', `b${N - 1}`, `b${N - 2}`, `b${N - 3}`]);
    expect(order.slice(-3)).toEqual(['b0', 'join', 'alone']);
  });
});

describe('cycles', () => {
  it('reports the cycle in order, first id repeated at the end', () => {
    // b depends on a, c on b, a on c.
    const nodes = [n('a', 'c'), n('b', 'a'), n('c', 'b')];
    expect(findCycle(nodes)).toEqual(['a', 'b', 'c', 'a']);
  });

  it('starts the cycle at its earliest-declared member', () => {
    const nodes = [n('root'), n('y', 'x'), n('x', 'root', 'y')];
    expect(findCycle(nodes)).toEqual(['y', 'x', 'y']);
  });

  it('finds a cycle hanging off an acyclic part', () => {
    const nodes = [n('a'), n('b', 'a', 'd'), n('c', 'b'), n('d', 'c')];
    expect(findCycle(nodes)).toEqual(['b', 'c', 'd', 'b']);
  });

  it('topologicalOrder and levels throw CYCLE', () => {
    const nodes = [n('a', 'b'), n('b', 'a')];
    expect(() => topologicalOrder(nodes)).toThrow(WorkflowValidationError);
    try {
      levels(nodes);
      expect.unreachable();
    } catch (error) {
      expect((error as WorkflowValidationError).code).toBe('CYCLE');
      expect((error as WorkflowValidationError).cycle).toEqual(['a', 'b', 'a']);
    }
  });
});
