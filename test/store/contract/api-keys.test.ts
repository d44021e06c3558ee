/**
 * Store contract, API keys: `insertApiKey`, `getApiKey`, `listApiKeys`, `revokeApiKey`,
 * `touchApiKey`, on both backends.
 */
import { describe, expect } from 'vitest';
import type { ApiKeyScope } from '../../../src/core/api-keys.js';
import type { Store } from '../../../src/store/store.js';
import { test } from './harness.js';

/** Stores key `id` with a made-up hash at `nowMs`. */
function insert(store: Store, id: string, nowMs: number, scope: ApiKeyScope = 'read') {
  return store.insertApiKey({ id, name: `key ${id}`, scope, secretHash: `hash-${id}`, nowMs });
}

describe.concurrent('store contract: API keys', () => {
  test('stores a key and reads it back, never with more than its hash', async ({ store }) => {
    const key = await insert(store, 'k1', 1_000, 'operate');

    expect(key).toEqual({
      id: 'k1',
      name: 'key k1',
      scope: 'operate',
      secretHash: 'hash-k1',
      createdAtMs: 1_000,
      revokedAtMs: null,
      lastUsedAtMs: null,
    });
    expect(await store.getApiKey('k1')).toEqual(key);
    expect(await store.getApiKey('nope')).toBeNull();
  });

  test('lists keys oldest first, also those made in one millisecond; revoked ones on request', async ({
    store,
  }) => {
    for (const id of ['c', 'a', 'b']) await insert(store, id, 1_000);
    await store.revokeApiKey({ id: 'a', nowMs: 2_000 });
    const ids = async (includeRevoked: boolean) =>
      (await store.listApiKeys({ includeRevoked })).map((k) => k.id);

    expect(await ids(true)).toEqual(['c', 'a', 'b']);
    expect(await ids(false)).toEqual(['c', 'b']);
    const times = (await store.listApiKeys({ includeRevoked: true })).map((k) => k.createdAtMs);
    expect(new Set(times).size).toBe(3);
  });

  test('a revocation keeps the time of the first one', async ({ store }) => {
    await insert(store, 'k1', 1_000);

    expect(await store.revokeApiKey({ id: 'k1', nowMs: 2_000 })).toMatchObject({
      revokedAtMs: 2_000,
    });
    expect(await store.revokeApiKey({ id: 'k1', nowMs: 3_000 })).toMatchObject({
      revokedAtMs: 2_000,
    });
    expect(await store.revokeApiKey({ id: 'nope', nowMs: 3_000 })).toBeNull();
  });

  test('records a use unless one at or after the given time is recorded', async ({ store }) => {
    await insert(store, 'k1', 1_000);
    const touch = (nowMs: number, unusedSinceMs: number) =>
      store.touchApiKey({ id: 'k1', nowMs, unusedSinceMs });

    expect(await touch(10_000, 0)).toBe(true);
    expect(await touch(20_000, 10_000)).toBe(false);
    expect((await store.getApiKey('k1'))?.lastUsedAtMs).toBe(10_000);
    expect(await touch(70_000, 10_001)).toBe(true);
    expect((await store.getApiKey('k1'))?.lastUsedAtMs).toBe(70_000);
    expect(await store.touchApiKey({ id: 'nope', nowMs: 1, unusedSinceMs: 0 })).toBe(false);
  });
});
