/** Checking contexts against a stored input JSON Schema (ajv), as a client without the code does. */
import { describe, expect, it } from 'vitest';
import { StoredCatalog } from '../../src/client-catalog.js';
import { checkInput } from '../../src/core/input.js';
import type { JsonObject } from '../../src/core/json.js';
import { InputValidationError } from '../../src/errors.js';
import { loadJsonSchemaCompiler } from '../../src/json-schema-check.js';
import type { DefinitionRecord } from '../../src/store/definition-store.js';

const schema: JsonObject = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    user: {
      type: 'object',
      properties: { id: { type: 'string', format: 'uuid' }, role: { const: 'admin' } },
      required: ['id'],
      additionalProperties: false,
    },
    rows: { type: 'array', items: { type: 'object', properties: { '0': { type: 'number' } } } },
    'a/b': { type: 'integer' },
    mode: { type: 'string', default: 'fast' },
  },
  required: ['user'],
};

async function check(context: JsonObject, against = schema): Promise<JsonObject> {
  const compile = await loadJsonSchemaCompiler();
  return checkInput('wf', compile('wf', 'v1', against), context);
}

async function issues(context: JsonObject): Promise<InputValidationError['issues']> {
  const error = await check(context).then(
    () => new Error('expected the context to fail'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputValidationError);
  return (error as InputValidationError).issues;
}

describe('stored input JSON Schema check', () => {
  it('lists every issue with a key path: numbers for array items only', async () => {
    expect(
      await issues({
        user: { id: 'not-a-uuid', role: 'guest', extra: true },
        rows: [{ '0': 1 }, { '0': 'x' }],
        'a/b': 1.5,
      }),
    ).toEqual([
      { path: ['user', 'extra'], message: 'is not a property the input schema allows; remove it' },
      { path: ['user', 'id'], message: 'must match format "uuid" (received \'not-a-uuid\')' },
      { path: ['user', 'role'], message: "must be 'admin' (received 'guest')" },
      { path: ['rows', 1, '0'], message: "must be number (received 'x')" },
      { path: ['a/b'], message: 'must be integer (received 1.5)' },
    ]);
    expect(await issues({})).toEqual([
      { path: ['user'], message: 'is required (received nothing)' },
    ]);
  });

  it('applies declared defaults to a copy, leaving the caller’s object alone', async () => {
    const context = { user: { id: '0b6f2f7e-5d47-4b8e-9d84-2f6a3a6d1c11' } };
    expect(await check(context)).toEqual({ ...context, mode: 'fast' });
    expect(context).not.toHaveProperty('mode');
  });

  it('reports a schema ajv cannot compile when it is used, as a ConfigError', async () => {
    const compile = await loadJsonSchemaCompiler();
    const input = compile('wf', 'v9', { type: 'no-such-type' });
    expect(() => input['~standard'].validate({})).toThrow(
      /workflow 'wf' \(version v9\).*JSON Schema/,
    );
    expect(() => input['~standard'].validate({})).toThrow(
      expect.objectContaining({ code: 'CONFIG' }),
    );
  });

  it('is compiled once per stored version by a client catalog', async () => {
    const record = (version: string): DefinitionRecord => ({
      name: 'wf',
      version,
      description: '',
      definition: { inputSchema: schema },
      plan: [],
      registeredBy: null,
      registeredAtMs: 0,
    });
    const catalog = new StoredCatalog();
    const first = await catalog.inputOf(record('v1'));
    expect(first).toBeDefined();
    expect(await catalog.inputOf(record('v1'))).toBe(first);
    expect(await catalog.inputOf(record('v2'))).not.toBe(first);
    expect(await catalog.inputOf({ ...record('v3'), definition: { inputSchema: null } })).toBe(
      undefined,
    );
    // Stored by a release that did not record input schemas.
    expect(await catalog.inputOf({ ...record('v4'), definition: {} })).toBeUndefined();
  });
});
