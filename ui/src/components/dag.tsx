/**
 * A DAG of tasks drawn as SVG: dagre's layout (see `dag-layout.ts`), edges with arrowheads from a
 * dependency to its dependent, and nodes coloured by status with the status in words. The layout
 * is remembered by the graph's shape, so live status changes only repaint.
 */
import { useId, useMemo } from 'preact/hooks';
import { cachedLayout, fitText, NODE_PADDING, nodeAriaLabel, nodeLook } from './dag-layout.js';

/** One task of the graph. */
export interface DagNode {
  readonly id: string;
  /** The task's status (any task or execution status string); undefined draws it neutral. */
  readonly status?: string;
  /** A second line under the name (e.g. a duration or "attempt 2"). */
  readonly detail?: string;
}

/** Props of {@link Dag}. */
export interface DagProps {
  readonly nodes: readonly DagNode[];
  /** Edges as [dependency, dependent]. */
  readonly edges: readonly (readonly [string, string])[];
  /** The selected node's id. */
  readonly selected?: string | null;
  /** Called when a node is clicked or chosen with the keyboard. */
  readonly onSelect?: (id: string) => void;
  /** Accessible name of the graph. @default 'Task graph' */
  readonly label?: string;
}

/** Average advance of the status line's characters (12 px). */
const SMALL_CHAR = 6.3;

/**
 * Draws the graph top to bottom. It keeps its natural size on wide screens, shrinks to its box
 * down to about two thirds, and scrolls inside the box beyond that (a phone never gets a page
 * wider than itself nor unreadable text).
 */
export function Dag({ nodes, edges, selected, onSelect, label }: DagProps) {
  const markerId = `dag-arrow-${useId()}`;
  const ids = nodes.map((n) => n.id);
  const shape = JSON.stringify([ids, edges]);
  // `shape` names ids and edges: a new array with the same graph keeps the layout.
  const layout = useMemo(() => cachedLayout(ids, edges), [shape]);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const select = onSelect ?? (() => undefined);
  const interactive = onSelect !== undefined;

  if (nodes.length === 0) {
    return <p class="muted dag-empty">No tasks.</p>;
  }
  return (
    <div class="dag-wrap">
      <svg
        class="dag"
        role="group"
        aria-label={label ?? 'Task graph'}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        width={layout.width}
        height={layout.height}
        style={{
          '--dag-w': `${layout.width}px`,
          aspectRatio: `${layout.width} / ${layout.height}`,
        }}
      >
        <defs>
          <marker
            id={markerId}
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M0,0 L10,5 L0,10 z" class="dag-arrow" />
          </marker>
        </defs>
        <g class="dag-edges">
          {layout.edges.map((edge) => (
            <path
              key={`${edge.from}\u0000${edge.to}`}
              class="dag-edge"
              d={edge.path}
              marker-end={`url(#${markerId})`}
              data-from={edge.from}
              data-to={edge.to}
            />
          ))}
        </g>
        {layout.nodes.map((placed) => {
          const node = byId.get(placed.id)!;
          const look = nodeLook(node.status);
          const isSelected = selected === placed.id;
          const second = [look.label, node.detail].filter((s) => s !== undefined && s !== '');
          const secondLine = fitText(second.join(' · '), placed.width, SMALL_CHAR);
          return (
            <g
              key={placed.id}
              class={`dag-node ${look.className}${isSelected ? ' selected' : ''}${look.active ? ' active' : ''}${interactive ? ' interactive' : ''}`}
              transform={`translate(${placed.x - placed.width / 2},${placed.y - placed.height / 2})`}
              tabindex={interactive ? 0 : undefined}
              role={interactive ? 'button' : 'img'}
              aria-label={nodeAriaLabel(placed.id, node.status)}
              aria-pressed={interactive ? isSelected : undefined}
              data-task={placed.id}
              data-status={node.status}
              onClick={() => select(placed.id)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') {
                  e.preventDefault();
                  select(placed.id);
                }
              }}
            >
              <title>{`${placed.id}${second.length > 0 ? ` — ${second.join(' · ')}` : ''}`}</title>
              <rect
                class="dag-node-ring"
                x={-4}
                y={-4}
                width={placed.width + 8}
                height={placed.height + 8}
                rx={11}
              />
              <rect class="dag-node-box" width={placed.width} height={placed.height} rx={8} />
              <rect
                class="dag-node-stripe"
                x={1}
                y={1}
                width={5}
                height={placed.height - 2}
                rx={2.5}
              />
              <text
                class="dag-node-name"
                x={NODE_PADDING}
                y={secondLine === '' ? placed.height / 2 + 5 : 21}
              >
                {fitText(placed.id, placed.width)}
              </text>
              {secondLine !== '' && (
                <text class="dag-node-status" x={NODE_PADDING} y={38}>
                  {secondLine}
                </text>
              )}
            </g>
          );
        })}
      </svg>
    </div>
  );
}
