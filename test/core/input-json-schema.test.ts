/** The JSON Schema form of an input schema: in the stored definition and in the version. */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { inputJsonSchema } from '../../src/core/input-json-schema.js';
import { task } from '../../src/core/task.js';
import { workflow, type InputSchema } from '../../src/core/workflow.js';

const tasks = [task({ id: 'a' }, (ctx) => ctx.set('done', true))];
const build = (input?: InputSchema) =>
  workflow({ name: 'pinned', description: 'stable', tasks, ...(input ? { input } : {}) });

/** A Standard Schema that accepts everything and offers no JSON Schema. */
const acceptAll: InputSchema = {
  '~standard': { version: 1, vendor: 'test', validate: (value) => ({ value }) },
};

/** A schema object offering Standard JSON Schema through `emit`. */
function standard(emit: (options: { target: string }) => unknown): InputSchema {
  const props = { ...acceptAll['~standard'], jsonSchema: { input: emit, output: emit } };
  return { '~standard': props };
}

describe('toDefinition().inputSchema', () => {
  it('is the draft 2020-12 JSON Schema of a zod input schema, as stored JSON', () => {
    const wf = build(z.object({ email: z.email(), plan: z.enum(['free', 'pro']).default('free') }));
    const def = wf.toDefinition();
    expect(JSON.parse(JSON.stringify(def))).toEqual(def);
    expect(def['inputSchema']).toEqual({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        email: expect.objectContaining({ type: 'string', format: 'email' }) as unknown,
        plan: { type: 'string', enum: ['free', 'pro'], default: 'free' },
      },
      required: ['email'],
    });
    // Each call hands out its own copy: a caller cannot change what the workflow stores.
    (def['inputSchema'] as Record<string, unknown>)['type'] = 'array';
    expect(wf.toDefinition()['inputSchema']).toMatchObject({ type: 'object' });
  });

  it('is null without an input schema', () => {
    expect(build().toDefinition()['inputSchema']).toBeNull();
  });

  it('is null when the library cannot represent the schema (it throws), and the workflow still builds', () => {
    expect(build(z.object({ at: z.date() })).toDefinition()['inputSchema']).toBeNull();
    expect(build(z.object({ a: z.custom<string>() })).toDefinition()['inputSchema']).toBeNull();
  });

  it('is null for a schema without Standard JSON Schema, or one emitting something that is not JSON', () => {
    expect(inputJsonSchema(acceptAll)).toBeNull();
    expect(inputJsonSchema(standard(() => 'a string'))).toBeNull();
    expect(inputJsonSchema(standard(() => ({ type: 'number', maximum: Infinity })))).toBeNull();
    const broken = { '~standard': { ...acceptAll['~standard'], jsonSchema: 7 } };
    expect(inputJsonSchema(broken)).toBeNull();
  });

  it('asks for draft 2020-12', () => {
    const targets: string[] = [];
    inputJsonSchema(standard(({ target }) => (targets.push(target), { type: 'object' })));
    expect(targets).toEqual(['draft-2020-12', 'draft-2020-12']);
  });

  it('keeps only the input side of a transform, and the base schema of a refinement (which is lost)', () => {
    const transformed = z.object({ n: z.string().transform((s) => s.length) });
    expect(inputJsonSchema(transformed)).toMatchObject({
      properties: { n: { type: 'string' } },
      required: ['n'],
    });
    const refined = z.object({ n: z.number() }).refine((v) => v.n > 1, 'n must exceed 1');
    expect(inputJsonSchema(refined)).toEqual(inputJsonSchema(z.object({ n: z.number() })));
  });

  it('leaves out a default computed per call, and keeps a constant one', () => {
    const schema = z.object({
      id: z.string().default(() => randomUUID()),
      plan: z.string().default('free'),
    });
    expect(inputJsonSchema(schema)).toMatchObject({
      properties: { id: { type: 'string' }, plan: { type: 'string', default: 'free' } },
    });
    expect(inputJsonSchema(schema)).not.toHaveProperty('properties.id.default');
    expect(build(schema).version).toBe(build(schema).version);
  });

  it('is null when two conversions differ other than in a default', () => {
    let calls = 0;
    expect(inputJsonSchema(standard(() => ({ type: 'object', title: `t${++calls}` })))).toBeNull();
  });
});

describe('version and the input schema', () => {
  it('is unchanged for workflows without an input schema, so stored versions stay valid', () => {
    // The version this workflow had before input schemas were part of versions.
    expect(build().version).toBe('92d38f7f482457e3');
    // A schema without a JSON Schema form adds nothing a client could check: no change either.
    expect(build(z.object({ at: z.date() })).version).toBe('92d38f7f482457e3');
    expect(build(acceptAll).version).toBe('92d38f7f482457e3');
  });

  it('changes when the input schema changes, and only then', () => {
    const v = build(z.object({ n: z.number() })).version;
    expect(v).not.toBe(build().version);
    expect(build(z.object({ n: z.number() })).version).toBe(v);
    expect(build(z.object({ n: z.string() })).version).not.toBe(v);
    expect(build(z.object({ n: z.number().default(1) })).version).not.toBe(v);
    expect(build(z.object({ n: z.number(), m: z.number().optional() })).version).not.toBe(v);
  });
});
