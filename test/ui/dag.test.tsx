/**
 * The DAG: dagre's layout puts dependencies above their dependents, every status has a tone and
 * words, the layout is reused while only statuses change, and the SVG has one node per task and
 * one edge per dependency — a skipped task included.
 */
import { render } from 'preact';
import { afterEach, describe, expect, it } from 'vitest';
import { Dag, type DagNode } from '../../ui/src/components/dag.js';
import {
  cachedLayout,
  curvePath,
  fitText,
  layoutDag,
  nodeAriaLabel,
  nodeLook,
} from '../../ui/src/components/dag-layout.js';

/** Every status an execution or a task can have. */
const STATUSES = [
  'Scheduled',
  'Queued',
  'Pending',
  'Running',
  'Paused',
  'Completed',
  'Failed',
  'Cancelled',
  'NotStarted',
  'Ready',
  'Deferred',
  'Skipped',
] as const;

const ETL_IDS = ['extract', 'transform', 'load', 'report', 'audit'];
const ETL_EDGES = [
  ['extract', 'transform'],
  ['transform', 'load'],
  ['transform', 'report'],
  ['load', 'audit'],
  ['report', 'audit'],
] as const;

const mounted: HTMLElement[] = [];
afterEach(() => {
  for (const container of mounted.splice(0)) {
    render(null, container);
    container.remove();
  }
});

function mount(ui: preact.ComponentChild): HTMLElement {
  const container = document.createElement('div');
  document.body.appendChild(container);
  mounted.push(container);
  render(ui, container);
  return container;
}

describe('the DAG layout', () => {
  it('places every dependency above its dependent, without overlapping nodes', () => {
    const layout = layoutDag(ETL_IDS, ETL_EDGES);
    const at = new Map(layout.nodes.map((n) => [n.id, n]));
    expect(layout.nodes.map((n) => n.id)).toEqual(ETL_IDS);
    for (const [from, to] of ETL_EDGES) {
      const a = at.get(from)!;
      const b = at.get(to)!;
      expect(a.y + a.height / 2).toBeLessThan(b.y - b.height / 2);
    }
    // load and report share a rank: side by side, apart.
    const load = at.get('load')!;
    const report = at.get('report')!;
    expect(load.y).toBe(report.y);
    expect(Math.abs(load.x - report.x)).toBeGreaterThanOrEqual((load.width + report.width) / 2);
    // The drawing holds every node.
    for (const n of layout.nodes) {
      expect(n.x + n.width / 2).toBeLessThanOrEqual(layout.width);
      expect(n.y + n.height / 2).toBeLessThanOrEqual(layout.height);
    }
    expect(layout.edges).toHaveLength(ETL_EDGES.length);
    for (const e of layout.edges) expect(e.path).toMatch(/^M[\d.]+,[\d.]+ /);
  });

  it('leaves out edges naming a task that is not in the graph', () => {
    const layout = layoutDag(
      ['a', 'b'],
      [
        ['a', 'b'],
        ['ghost', 'b'],
      ],
    );
    expect(layout.edges.map((e) => [e.from, e.to])).toEqual([['a', 'b']]);
  });

  it('reuses the layout while only statuses change, and lays out a new shape afresh', () => {
    const first = cachedLayout(ETL_IDS, ETL_EDGES);
    // New arrays, same graph: the same object, dagre did not run again.
    expect(
      cachedLayout(
        [...ETL_IDS],
        ETL_EDGES.map(([a, b]) => [a, b] as const),
      ),
    ).toBe(first);
    const grown = cachedLayout([...ETL_IDS, 'notify'], [...ETL_EDGES, ['audit', 'notify']]);
    expect(grown).not.toBe(first);
    expect(grown.nodes).toHaveLength(6);
  });

  it('draws a smooth path through dagre points, ending on the last one', () => {
    expect(curvePath([])).toBe('');
    expect(
      curvePath([
        { x: 0, y: 0 },
        { x: 0, y: 10 },
      ]),
    ).toBe('M0,0 L0,10');
    const path = curvePath([
      { x: 0, y: 0 },
      { x: 10, y: 20 },
      { x: 20, y: 40 },
    ]);
    expect(path.startsWith('M0,0 ')).toBe(true);
    expect(path).toContain('C');
    expect(path.endsWith('L20,40')).toBe(true);
  });

  it('cuts long names to the node with an ellipsis', () => {
    expect(fitText('short', 200)).toBe('short');
    const cut = fitText('a-very-long-task-name-that-goes-on-and-on-and-on', 136);
    expect(cut.endsWith('…')).toBe(true);
    expect(cut.length).toBeLessThan(20);
  });

  it('gives every status its tone class and its words', () => {
    for (const status of STATUSES) {
      const look = nodeLook(status);
      expect(look.className, status).toMatch(
        /^status-(waiting|running|paused|ok|failed|skipped|cancelled)$/,
      );
      expect(look.label, status).not.toBe('');
      expect(nodeAriaLabel('t', status)).toBe(`task t, ${look.label}`);
    }
    expect(nodeLook('Skipped')).toMatchObject({ className: 'status-skipped', label: 'Skipped' });
    expect(nodeLook('Failed')).toMatchObject({ className: 'status-failed', label: 'Failed' });
    expect(nodeLook('NotStarted').label).toBe('Not started');
    expect(nodeLook('Running').active).toBe(true);
    // No status: the neutral look of a workflow's definition; an unknown one still has words.
    expect(nodeLook(undefined)).toEqual({ className: 'dag-neutral', label: '', active: false });
    expect(nodeAriaLabel('t', undefined)).toBe('task t');
    expect(nodeLook('Hibernating')).toMatchObject({
      className: 'status-unknown',
      label: 'Hibernating',
    });
  });
});

describe('the Dag component', () => {
  const statuses: Record<string, string> = {
    extract: 'Completed',
    transform: 'Failed',
    load: 'Skipped',
    report: 'Skipped',
    audit: 'Cancelled',
  };
  const nodes: DagNode[] = ETL_IDS.map((id) => ({ id, status: statuses[id], detail: '1.2 s' }));

  it('renders one node per task and one edge per dependency, skipped tasks included', () => {
    const root = mount(<Dag nodes={nodes} edges={ETL_EDGES} onSelect={() => undefined} />);
    const drawn = [...root.querySelectorAll('g.dag-node')];
    expect(drawn.map((g) => g.getAttribute('data-task'))).toEqual(ETL_IDS);
    expect(root.querySelectorAll('path.dag-edge')).toHaveLength(ETL_EDGES.length);
    const edges = [...root.querySelectorAll('path.dag-edge')].map((p) => [
      p.getAttribute('data-from'),
      p.getAttribute('data-to'),
    ]);
    expect(edges).toEqual(ETL_EDGES.map(([a, b]) => [a, b]));
    // Each edge ends in the arrowhead defined in the same SVG.
    const markerId = root.querySelector('marker')!.getAttribute('id');
    expect(root.querySelector('path.dag-edge')!.getAttribute('marker-end')).toBe(
      `url(#${markerId})`,
    );

    const load = root.querySelector('g.dag-node[data-task="load"]')!;
    expect(load.getAttribute('class')).toContain('status-skipped');
    expect(load.getAttribute('aria-label')).toBe('task load, Skipped');
    expect(load.textContent).toContain('Skipped');
    expect(load.textContent).toContain('1.2 s');
    const transform = root.querySelector('g.dag-node[data-task="transform"]')!;
    expect(transform.getAttribute('class')).toContain('status-failed');
    expect(transform.textContent).toContain('Failed');
  });

  it('draws a graph of only a skipped task (the canvas is never empty)', () => {
    const root = mount(<Dag nodes={[{ id: 'lonely', status: 'Skipped' }]} edges={[]} />);
    const node = root.querySelector('g.dag-node')!;
    expect(node.getAttribute('data-status')).toBe('Skipped');
    expect(node.textContent).toContain('Skipped');
    const svg = root.querySelector('svg')!;
    expect(Number(svg.getAttribute('width'))).toBeGreaterThan(0);
    expect(Number(svg.getAttribute('height'))).toBeGreaterThan(0);
  });

  it('renders every status with its class and words', () => {
    const all = STATUSES.map((status) => ({ id: `t-${status}`, status }));
    const root = mount(<Dag nodes={all} edges={[]} />);
    for (const { id, status } of all) {
      const node = root.querySelector(`g.dag-node[data-task="${id}"]`)!;
      const look = nodeLook(status);
      expect(node.getAttribute('class')).toContain(look.className);
      expect(node.textContent).toContain(look.label);
    }
  });

  it('draws nodes without a status neutral, as pictures when nothing can be selected', () => {
    const root = mount(<Dag nodes={[{ id: 'a' }, { id: 'b' }]} edges={[['a', 'b']]} />);
    const node = root.querySelector('g.dag-node')!;
    expect(node.getAttribute('class')).toContain('dag-neutral');
    expect(node.getAttribute('role')).toBe('img');
    expect(node.getAttribute('tabindex')).toBeNull();
    expect(node.getAttribute('aria-label')).toBe('task a');
  });

  it('selects a node by click, Enter and Space, and marks the selected one', () => {
    const chosen: string[] = [];
    const root = mount(
      <Dag nodes={nodes} edges={ETL_EDGES} selected="load" onSelect={(id) => chosen.push(id)} />,
    );
    const node = (id: string) => root.querySelector(`g.dag-node[data-task="${id}"]`)!;
    expect(node('load').getAttribute('class')).toContain('selected');
    expect(node('load').getAttribute('aria-pressed')).toBe('true');
    expect(node('extract').getAttribute('aria-pressed')).toBe('false');
    expect(node('extract').getAttribute('tabindex')).toBe('0');
    expect(node('extract').getAttribute('role')).toBe('button');

    node('extract').dispatchEvent(new MouseEvent('click', { bubbles: true }));
    node('report').dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    node('audit').dispatchEvent(new KeyboardEvent('keydown', { key: ' ', bubbles: true }));
    node('audit').dispatchEvent(new KeyboardEvent('keydown', { key: 'a', bubbles: true }));
    expect(chosen).toEqual(['extract', 'report', 'audit']);
  });

  it('says so when there are no tasks', () => {
    const root = mount(<Dag nodes={[]} edges={[]} />);
    expect(root.querySelector('svg')).toBeNull();
    expect(root.textContent).toContain('No tasks');
  });
});
