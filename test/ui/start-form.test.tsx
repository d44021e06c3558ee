/**
 * The start form: fields drawn from the JSON Schema the engine stores for a zod input (made here
 * by the engine's own `inputJsonSchema`), contexts built from what a person typed, and the
 * issues of the server's own checker (`loadJsonSchemaCompiler`, what a `Client` runs) placed
 * next to the fields they name. The component is rendered into happy-dom's document.
 */
import { render } from 'preact';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { setSessionState } from '../../ui/src/api/session.js';
import { StartForm } from '../../ui/src/components/start-form.js';
import {
  buildContext,
  initialValues,
  isoToLocalInput,
  parseContextText,
  placeIssues,
  planForm,
  type FormField,
} from '../../ui/src/start-form/fields.js';
import { checkInput } from '../../src/core/input.js';
import { inputJsonSchema } from '../../src/core/input-json-schema.js';
import type { JsonObject } from '../../src/core/json.js';
import { InputValidationError } from '../../src/errors.js';
import { loadJsonSchemaCompiler } from '../../src/json-schema-check.js';

const input = z.object({
  day: z.iso.date().describe('The day to load'),
  at: z.iso.datetime().optional(),
  region: z.enum(['eu', 'us']).default('eu'),
  limit: z.number().int().min(1).max(100).default(10),
  ratio: z.number().optional(),
  dryRun: z.boolean().default(true),
  name: z.string().min(2),
  tags: z.array(z.string()).optional(),
  'a.b': z.object({ c: z.number() }).optional(),
  maybe: z.string().nullable().optional(),
  kind: z.literal('x'),
});
const schema = inputJsonSchema(input)!;

function fields(): readonly FormField[] {
  const plan = planForm(schema);
  if (plan.kind !== 'fields') throw new Error('expected fields');
  return plan.fields;
}

/** The issues the server would answer, with paths joined by dots as its problem documents do. */
async function serverIssues(context: Record<string, unknown>) {
  const compile = await loadJsonSchemaCompiler();
  try {
    checkInput('load', compile('load', 'v1', schema), context as JsonObject);
    return [];
  } catch (error) {
    if (!(error instanceof InputValidationError)) throw error;
    return error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  }
}

describe('planForm', () => {
  it('maps each top-level property to the input that fits it', () => {
    const kinds = Object.fromEntries(fields().map((f) => [f.name, f.kind]));
    expect(kinds).toEqual({
      day: 'date',
      at: 'datetime',
      region: 'select',
      limit: 'integer',
      ratio: 'number',
      dryRun: 'checkbox',
      name: 'text',
      tags: 'json',
      'a.b': 'json',
      maybe: 'json',
      kind: 'select',
    });
  });

  it('keeps required marks, descriptions, bounds and defaults', () => {
    const byName = new Map(fields().map((f) => [f.name, f]));
    expect(byName.get('day')).toMatchObject({ required: true, help: 'The day to load' });
    expect(byName.get('limit')).toMatchObject({ required: false, min: 1, max: 100 });
    expect(byName.get('name')).toMatchObject({ required: true, min: 2 });
    expect(initialValues(fields())).toMatchObject({
      day: '',
      region: '0',
      limit: '10',
      dryRun: true,
      kind: '0',
      tags: '',
    });
  });

  it('gives a JSON editor without a schema, or for a schema without properties', () => {
    expect(planForm(null)).toEqual({ kind: 'json', reason: null });
    expect(planForm(inputJsonSchema(z.record(z.string(), z.number()))).kind).toBe('json');
    expect(planForm({ type: 'array', items: {} }).kind).toBe('json');
  });
});

describe('buildContext', () => {
  it('builds typed values and leaves empty inputs out', () => {
    const values = {
      ...initialValues(fields()),
      day: '2026-12-05',
      limit: '25',
      ratio: '0.5',
      name: 'nightly',
      tags: '["a","b"]',
      region: '1',
    };
    expect(buildContext(fields(), values)).toEqual({
      ok: true,
      context: {
        day: '2026-12-05',
        region: 'us',
        limit: 25,
        ratio: 0.5,
        dryRun: true,
        name: 'nightly',
        tags: ['a', 'b'],
        kind: 'x',
      },
    });
  });

  it('sends a date-time typed in the viewer zone as a UTC instant', () => {
    const local = isoToLocalInput('2026-12-05T10:00:00.000Z');
    const built = buildContext(fields(), { ...initialValues(fields()), at: local });
    expect(built.ok && built.context['at']).toBe('2026-12-05T10:00:00.000Z');
  });

  it('refuses text that cannot become the JSON a field needs', () => {
    const built = buildContext(fields(), {
      ...initialValues(fields()),
      limit: '2.5',
      ratio: 'abc',
      tags: '[oops',
    });
    expect(built.ok).toBe(false);
    if (built.ok) return;
    expect(Object.keys(built.errors).sort()).toEqual(['limit', 'ratio', 'tags']);
    expect(built.errors['limit']).toBe('2.5 is not a whole number.');
    expect(built.errors['tags']).toMatch(/^Not valid JSON/);
  });

  it('checks the whole-context editor is a JSON object', () => {
    expect(parseContextText('')).toEqual({ ok: true, context: {} });
    expect(parseContextText('{"a":1}')).toEqual({ ok: true, context: { a: 1 } });
    expect(parseContextText('[1]')).toEqual({
      ok: false,
      error: 'The context must be a JSON object ({…}), not an array.',
    });
    expect(parseContextText('{')).toMatchObject({ ok: false });
  });
});

describe('placeIssues', () => {
  it("puts the server checker's issues next to their fields", async () => {
    const issues = await serverIssues({ day: 'tomorrow', limit: 0, 'a.b': { c: 'x' }, extra: 1 });
    const placed = placeIssues(issues, fields());
    expect(Object.keys(placed.byField).sort()).toEqual(['a.b', 'day', 'kind', 'limit', 'name']);
    expect(placed.byField['name']).toEqual(['is required (received nothing)']);
    // A nested path keeps its tail; a dotted property name is matched whole.
    expect(placed.byField['a.b']![0]).toMatch(/^c: /);
    expect(placed.unmatched).toEqual([]);
  });

  it('lists issues that name no field above the form', () => {
    const placed = placeIssues(
      [
        { path: '', message: 'must be an object' },
        { path: 'other', message: 'is not allowed' },
      ],
      fields(),
    );
    expect(placed.unmatched).toEqual(['must be an object', 'other: is not allowed']);
  });
});

describe('<StartForm>', () => {
  let root: HTMLDivElement;
  beforeEach(() => {
    root = document.createElement('div');
    document.body.append(root);
  });
  afterEach(() => {
    render(null, root);
    root.remove();
    setSessionState({ kind: 'checking' });
  });

  const ready = (scope: 'read' | 'operate') =>
    setSessionState({ kind: 'ready', scope, auth: 'keys', name: 'test' });

  it('draws labelled fields with required marks, help text and defaults', () => {
    ready('operate');
    render(<StartForm workflow="load" inputSchema={schema} onStarted={() => undefined} />, root);
    const day = root.querySelector<HTMLInputElement>('[data-field="day"] input')!;
    expect(day.type).toBe('date');
    expect(root.querySelector('[data-field="day"] label')!.textContent).toContain('(required)');
    const help = root.querySelector(`#${day.getAttribute('aria-describedby')!}`)!;
    expect(help.textContent).toBe('The day to load');
    expect(root.querySelector<HTMLSelectElement>('[data-field="region"] select')!.value).toBe('0');
    expect(root.querySelector<HTMLInputElement>('[data-field="dryRun"] input')!.checked).toBe(true);
    expect(root.querySelector('[data-field="tags"] textarea')).not.toBeNull();
    expect(root.querySelector<HTMLInputElement>('[data-field="at"] input')!.type).toBe(
      'datetime-local',
    );
  });

  it('shows a JSON editor when there is no schema, and refuses a non-object before sending', async () => {
    ready('operate');
    let started = false;
    render(
      <StartForm workflow="any" inputSchema={null} onStarted={() => (started = true)} />,
      root,
    );
    const area = root.querySelector<HTMLTextAreaElement>('textarea#start-context')!;
    area.value = '[1, 2]';
    area.dispatchEvent(new Event('input', { bubbles: true }));
    await Promise.resolve();
    root.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(root.querySelector('[role="alert"]')!.textContent).toContain(
      'The context must be a JSON object',
    );
    expect(started).toBe(false);
  });

  it('shows a field error for a number that is not one, without sending', async () => {
    ready('operate');
    render(<StartForm workflow="load" inputSchema={schema} onStarted={() => undefined} />, root);
    const limit = root.querySelector<HTMLInputElement>('[data-field="limit"] input')!;
    limit.value = 'ten';
    limit.dispatchEvent(new Event('input', { bubbles: true }));
    await Promise.resolve();
    root.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(root.querySelector('[data-field="limit"] .field-error')!.textContent).toBe(
      '"ten" is not a number.',
    );
    expect(limit.getAttribute('aria-invalid')).toBe('true');
  });

  it('is only a note without the operate scope', () => {
    ready('read');
    render(<StartForm workflow="load" inputSchema={schema} onStarted={() => undefined} />, root);
    expect(root.querySelector('form')).toBeNull();
    expect(root.textContent).toContain("needs a key with the 'operate' scope");
  });
});
