/**
 * Store contract, workflow definitions: `saveDefinition`, `getDefinition`,
 * `listLatestDefinitions`, `listDefinitionVersions`, on both backends.
 */
import { describe, expect } from 'vitest';
import { task, workflow, type Workflow } from '../../../src/index.js';
import type { Store } from '../../../src/store/store.js';
import { planOf } from '../../helpers/plan.js';
import { test } from './harness.js';
import { chain, pair, single } from '../fixtures/workflows.js';

/** Saves `wf` as registered by `runnerId` at `nowMs`. */
function save(store: Store, wf: Workflow, nowMs: number, runnerId = 'runner-1') {
  return store.saveDefinition({
    name: wf.name,
    version: wf.version,
    description: wf.description,
    definition: wf.toDefinition(),
    plan: planOf(wf),
    runnerId,
    nowMs,
  });
}

/** A second version of `single`: same name, another task. */
const singleV2 = workflow({
  name: 'single',
  description: 'version two',
  tasks: [task({ id: 'renamed' }, () => undefined)],
});

describe.concurrent('store contract: workflow definitions', () => {
  test('stores a definition with its plan and reads it back by name or version', async ({
    store,
  }) => {
    const saved = await save(store, chain, 1_000);

    expect(saved).toEqual({
      name: 'chain',
      version: chain.version,
      description: '',
      definition: chain.toDefinition(),
      plan: planOf(chain),
      registeredBy: 'runner-1',
      registeredAtMs: 1_000,
    });
    expect(await store.getDefinition('chain')).toEqual(saved);
    expect(await store.getDefinition('chain', chain.version)).toEqual(saved);
    expect(await store.getDefinition('chain', 'no-such-version')).toBeNull();
    expect(await store.getDefinition('nothing')).toBeNull();
  });

  test('the latest registration is the latest version, also within one millisecond', async ({
    store,
  }) => {
    const v1 = await save(store, single, 1_000);
    const v2 = await save(store, singleV2, 1_000, 'runner-2');
    expect(v2.registeredAtMs).toBeGreaterThan(v1.registeredAtMs);
    expect((await store.getDefinition('single'))?.version).toBe(singleV2.version);

    // Registering the first version again (a rollback) makes it the latest again.
    await save(store, single, 2_000);
    expect(await store.getDefinition('single')).toMatchObject({
      version: single.version,
      registeredAtMs: 2_000,
      registeredBy: 'runner-1',
    });
    const versions = await store.listDefinitionVersions('single');
    expect(versions.map((d) => [d.version, d.description])).toEqual([
      [single.version, ''],
      [singleV2.version, 'version two'],
    ]);
    expect(await store.getDefinition('single', singleV2.version)).toMatchObject({
      plan: planOf(singleV2),
    });
    expect(await store.listDefinitionVersions('nothing')).toEqual([]);
  });

  test('lists the latest of every workflow by name, whole or by page', async ({ store }) => {
    await save(store, single, 1_000);
    await save(store, pair, 1_000);
    await save(store, chain, 1_000);
    await save(store, singleV2, 2_000);
    const names = (rows: readonly { name: string; version: string }[]) =>
      rows.map((d) => [d.name, d.version]);

    expect(names(await store.listLatestDefinitions())).toEqual([
      ['chain', chain.version],
      ['pair', pair.version],
      ['single', singleV2.version],
    ]);
    expect(names(await store.listLatestDefinitions({ afterName: null, limit: 2 }))).toEqual([
      ['chain', chain.version],
      ['pair', pair.version],
    ]);
    expect(names(await store.listLatestDefinitions({ afterName: 'pair', limit: 2 }))).toEqual([
      ['single', singleV2.version],
    ]);
  });
});
