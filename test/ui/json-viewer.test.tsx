/**
 * The JSON viewer: nested values render with their keys, containers open and close with buttons
 * that say their state, `openDepth` decides what is open at first, and the edge values (null,
 * empty object and array, long strings) render as JSON says.
 */
import { render } from 'preact';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CHILD_LIMIT,
  containerSummary,
  JsonViewer,
  STRING_LIMIT,
} from '../../ui/src/components/json-viewer.js';

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

/** Renders pending updates of Preact (state changes are applied on the next microtask). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function click(element: Element): Promise<unknown> {
  element.dispatchEvent(new MouseEvent('click', { bubbles: true }));
  return settle();
}

/** The toggle of the container under `key` (or of the root with 'value'). */
function toggle(root: HTMLElement, key: string): HTMLButtonElement {
  const button = [...root.querySelectorAll<HTMLButtonElement>('button.json-toggle')].find((b) =>
    b.getAttribute('aria-label')?.endsWith(` ${key}`),
  );
  if (button === undefined) throw new Error(`no toggle for ${key}`);
  return button;
}

const VALUE = {
  day: '2026-12-05',
  rows: 3,
  ok: true,
  missing: null,
  nested: { inner: { deep: 'bottom' }, list: [1, 2, 3] },
  empty: {},
  none: [],
};

describe('JsonViewer', () => {
  it('renders nested values with quoted strings, numbers, booleans and null', () => {
    const root = mount(<JsonViewer value={VALUE} openDepth={3} label="Output context" />);
    expect(root.querySelector('[role="group"]')!.getAttribute('aria-label')).toBe('Output context');
    const text = root.querySelector('.json-tree')!.textContent;
    expect(text).toContain('"day": "2026-12-05",');
    expect(text).toContain('"rows": 3,');
    expect(text).toContain('"ok": true,');
    expect(text).toContain('"missing": null,');
    expect(text).toContain('"deep": "bottom"');
    expect(root.querySelector('.json-string')!.textContent).toBe('"2026-12-05"');
    expect(root.querySelector('.json-number')!.textContent).toBe('3');
    expect(root.querySelector('.json-bool')!.textContent).toBe('true');
    expect(root.querySelector('.json-null')!.textContent).toBe('null');
    // Empty containers are shown as such, with no toggle.
    expect(text).toContain('"empty": {},');
    expect(text).toContain('"none": []');
    expect(() => toggle(root, '"empty"')).toThrow();
  });

  it('opens openDepth levels at first and says what a closed one holds', () => {
    const root = mount(<JsonViewer value={VALUE} />);
    // Depth 1: the root is open, "nested" is closed with a count.
    expect(toggle(root, 'value').getAttribute('aria-expanded')).toBe('true');
    const nested = toggle(root, '"nested"');
    expect(nested.getAttribute('aria-expanded')).toBe('false');
    expect(root.textContent).toContain('{2 keys}');
    expect(root.textContent).not.toContain('bottom');

    const none = mount(<JsonViewer value={VALUE} openDepth={0} />);
    expect(toggle(none, 'value').getAttribute('aria-expanded')).toBe('false');
    expect(none.querySelector('.json-tree')!.textContent).toContain('{7 keys}');
  });

  it('expands and collapses by click', async () => {
    const root = mount(<JsonViewer value={VALUE} />);
    await click(toggle(root, '"nested"'));
    expect(toggle(root, '"nested"').getAttribute('aria-expanded')).toBe('true');
    expect(root.textContent).toContain('[3 items]');
    await click(toggle(root, '"list"'));
    expect(root.querySelectorAll('.json-number').length).toBeGreaterThanOrEqual(4);
    expect(root.textContent).not.toContain('[3 items]');
    // Closing the root hides everything but its summary.
    await click(toggle(root, 'value'));
    expect(root.querySelector('.json-tree')!.textContent).toBe('▸{7 keys}');
    await click(root.querySelector('.json-summary')!);
    expect(toggle(root, 'value').getAttribute('aria-expanded')).toBe('true');
  });

  it('shows null, an empty object and an empty array at the top', () => {
    expect(mount(<JsonViewer value={null} />).querySelector('.json-tree')!.textContent).toBe(
      'null',
    );
    expect(mount(<JsonViewer value={{}} />).querySelector('.json-tree')!.textContent).toBe('{}');
    expect(mount(<JsonViewer value={[]} />).querySelector('.json-tree')!.textContent).toBe('[]');
  });

  it('cuts long strings with a toggle that shows the rest', async () => {
    const long = 'x'.repeat(STRING_LIMIT + 50);
    const root = mount(<JsonViewer value={{ long }} />);
    const shown = () => root.querySelector('.json-string')!.textContent;
    expect(shown()).toBe(`"${'x'.repeat(STRING_LIMIT)}…"`);
    const more = root.querySelector<HTMLButtonElement>('button.json-more')!;
    expect(more.getAttribute('aria-expanded')).toBe('false');
    expect(more.textContent).toContain(`${STRING_LIMIT + 50} chars`);
    await click(more);
    expect(shown()).toBe(JSON.stringify(long));
    expect(root.querySelector('button.json-more')!.getAttribute('aria-expanded')).toBe('true');
  });

  it('shows the first children of a huge array and the rest on demand', async () => {
    const big = Array.from({ length: CHILD_LIMIT + 5 }, (_, i) => i);
    const root = mount(<JsonViewer value={big} />);
    expect(root.querySelectorAll('.json-number')).toHaveLength(CHILD_LIMIT);
    await click(root.querySelector('button.json-more')!);
    expect(root.querySelectorAll('.json-number')).toHaveLength(CHILD_LIMIT + 5);
  });

  it('counts keys and items in words', () => {
    expect(containerSummary({ a: 1 })).toBe('{1 key}');
    expect(containerSummary({ a: 1, b: 2, c: 3 })).toBe('{3 keys}');
    expect(containerSummary([1])).toBe('[1 item]');
    expect(containerSummary(Array.from({ length: 12 }))).toBe('[12 items]');
  });

  it('has a button that copies the value as JSON', () => {
    const root = mount(<JsonViewer value={VALUE} />);
    const copy = [...root.querySelectorAll('button')].find((b) => b.textContent === 'Copy JSON');
    expect(copy).toBeDefined();
  });
});
