/**
 * The DAG's pure logic, apart from its drawing: positions from dagre (top to bottom, ranks by
 * dependency), edge paths, node sizes, and how a status looks on a node. Kept free of Preact so
 * it is tested directly and its layout can be cached by the graph's shape.
 */
import { Graph, layout, type EdgeLabel, type GraphLabel, type NodeLabel } from '@dagrejs/dagre';
import { statusLook } from '../status.js';

/** A node placed by the layout: its centre and size, in SVG user units. */
export interface PlacedNode {
  readonly id: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** An edge placed by the layout, from a dependency to its dependent. */
export interface PlacedEdge {
  readonly from: string;
  readonly to: string;
  /** SVG path data: a smooth curve through dagre's points, ending on the dependent's border. */
  readonly path: string;
}

/** The whole layout. */
export interface DagLayout {
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly PlacedNode[];
  readonly edges: readonly PlacedEdge[];
}

/** Height of a node: two lines, the name and the status. */
export const NODE_HEIGHT = 50;
const MIN_NODE_WIDTH = 168;
const MAX_NODE_WIDTH = 240;
/** Horizontal padding inside a node, each side (the tone stripe sits on the left). */
export const NODE_PADDING = 14;
/** Average advance of a name's character at the node's font (13 px, semi-bold). */
const CHAR_WIDTH = 7.4;

/** The width a node gets for `id`: enough for the name, within bounds (longer names are cut). */
export function nodeWidth(id: string): number {
  const wanted = NODE_PADDING * 2 + id.length * CHAR_WIDTH;
  return Math.round(Math.min(MAX_NODE_WIDTH, Math.max(MIN_NODE_WIDTH, wanted)));
}

/** `text` cut with an ellipsis so that it fits `width` at the node's font. */
export function fitText(text: string, width: number, charWidth = CHAR_WIDTH): string {
  const max = Math.max(1, Math.floor((width - NODE_PADDING * 2) / charWidth));
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * A key naming the graph's shape (ids in order and edges): statuses and details are left out,
 * so a status change keeps the same key and the same layout.
 */
export function dagShapeKey(
  ids: readonly string[],
  edges: readonly (readonly [string, string])[],
): string {
  return JSON.stringify([ids, edges]);
}

/**
 * Lays the graph out with dagre, top to bottom; nodes keep the order given within a rank where
 * dagre has no reason to move them. Edges naming an unknown node are left out.
 */
export function layoutDag(
  ids: readonly string[],
  edges: readonly (readonly [string, string])[],
): DagLayout {
  const graph = new Graph<GraphLabel, NodeLabel, EdgeLabel>();
  graph.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 46, marginx: 12, marginy: 12 });
  graph.setDefaultEdgeLabel(() => ({}));
  const known = new Set(ids);
  for (const id of ids) graph.setNode(id, { width: nodeWidth(id), height: NODE_HEIGHT });
  const kept = edges.filter(([from, to]) => known.has(from) && known.has(to) && from !== to);
  for (const [from, to] of kept) graph.setEdge(from, to);
  layout(graph);
  const size = graph.graph();
  const nodes = ids.map((id) => {
    const n = graph.node(id);
    return { id, x: n.x ?? 0, y: n.y ?? 0, width: n.width, height: n.height };
  });
  const placedEdges = kept.map(([from, to]) => {
    const label: EdgeLabel | undefined = graph.edge(from, to);
    const points = label?.points ?? [];
    return { from, to, path: curvePath(points) };
  });
  return {
    width: Math.ceil(size.width ?? 0),
    height: Math.ceil(size.height ?? 0),
    nodes,
    edges: placedEdges,
  };
}

const cache = new Map<string, DagLayout>();
const CACHE_SIZE = 16;

/**
 * {@link layoutDag}, remembered by the graph's shape ({@link dagShapeKey}): the same ids and
 * edges give the very same layout object without running dagre again, however statuses change.
 */
export function cachedLayout(
  ids: readonly string[],
  edges: readonly (readonly [string, string])[],
): DagLayout {
  const key = dagShapeKey(ids, edges);
  const hit = cache.get(key);
  if (hit !== undefined) {
    // Most recently used last, so the oldest is the first evicted.
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const fresh = layoutDag(ids, edges);
  cache.set(key, fresh);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return fresh;
}

/**
 * A B-spline through `points` (what d3's `curveBasis` draws): smooth bends at dagre's control
 * points, starting and ending exactly on the first and last points.
 */
export function curvePath(points: readonly { x: number; y: number }[]): string {
  const r = (n: number) => Math.round(n * 10) / 10;
  if (points.length === 0) return '';
  const [first] = points;
  if (points.length < 3) {
    return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${r(p.x)},${r(p.y)}`).join(' ');
  }
  let x0 = first!.x;
  let y0 = first!.y;
  let x1 = points[1]!.x;
  let y1 = points[1]!.y;
  const parts = [`M${r(x0)},${r(y0)}`, `L${r((5 * x0 + x1) / 6)},${r((5 * y0 + y1) / 6)}`];
  const bend = (x: number, y: number) => {
    parts.push(
      `C${r((2 * x0 + x1) / 3)},${r((2 * y0 + y1) / 3)} ${r((x0 + 2 * x1) / 3)},${r((y0 + 2 * y1) / 3)} ${r((x0 + 4 * x1 + x) / 6)},${r((y0 + 4 * y1 + y) / 6)}`,
    );
    x0 = x1;
    y0 = y1;
    x1 = x;
    y1 = y;
  };
  for (const p of points.slice(2)) bend(p.x, p.y);
  bend(x1, y1);
  parts.push(`L${r(x1)},${r(y1)}`);
  return parts.join(' ');
}

/** How a node shows its status: the tone class and the words (a status is never colour alone). */
export interface NodeLook {
  /** `status-<tone>`, or `dag-neutral` for a node without a status (a workflow's definition). */
  readonly className: string;
  /** The status in words; empty for a neutral node. */
  readonly label: string;
  /** Still changing: drawn with a moving edge while it runs. */
  readonly active: boolean;
}

/** The look of a node in `status` (undefined: a neutral node, as in a workflow's definition). */
export function nodeLook(status: string | undefined): NodeLook {
  if (status === undefined) return { className: 'dag-neutral', label: '', active: false };
  const look = statusLook(status);
  return { className: look.className, label: look.label, active: status === 'Running' };
}

/** The accessible name of a node: `task <id>, <status>` (or just `task <id>` without one). */
export function nodeAriaLabel(id: string, status: string | undefined): string {
  const { label } = nodeLook(status);
  return label === '' ? `task ${id}` : `task ${id}, ${label}`;
}
