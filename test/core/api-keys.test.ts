/** API keys without a database: scope order, the key format, hashing, and name/scope checks. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  API_KEY_SCOPES,
  apiKeyNameProblem,
  apiKeyScopeProblem,
  hashApiKeySecret,
  newApiKey,
  parseApiKey,
  scopeAllows,
  secretMatches,
  type ApiKeyScope,
} from '../../src/core/api-keys.js';
import { MAX_NAME_LENGTH } from '../../src/index.js';

describe('scopeAllows', () => {
  it('orders read < operate < admin', () => {
    const allowed = API_KEY_SCOPES.flatMap((have) =>
      API_KEY_SCOPES.filter((need) => scopeAllows(have, need)).map((need) => `${have}>=${need}`),
    );
    expect(allowed).toEqual([
      'read>=read',
      'operate>=read',
      'operate>=operate',
      'admin>=read',
      'admin>=operate',
      'admin>=admin',
    ]);
  });

  it('allows nothing for a value that is not a scope, on either side', () => {
    for (const bad of ['root', 'ADMIN', '', undefined, null, 2]) {
      expect(scopeAllows(bad as ApiKeyScope, 'read')).toBe(false);
      expect(scopeAllows('admin', bad as ApiKeyScope)).toBe(false);
    }
  });
});

describe('the key format', () => {
  it('makes ck_<16 hex>_<43 base64url> keys that parse back to their parts', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i += 1) {
      const { id, secret, key } = newApiKey();
      expect(key).toMatch(/^ck_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
      expect(parseApiKey(key)).toEqual({ id, secret });
      seen.add(id);
    }
    expect(seen.size).toBe(200);
  });

  it('parses a secret that holds underscores and dashes', () => {
    const secret = `_-${'a'.repeat(39)}_-`;
    expect(parseApiKey(`ck_0123456789abcdef_${secret}`)).toEqual({
      id: '0123456789abcdef',
      secret,
    });
  });

  it('returns null, without throwing, for anything malformed', () => {
    const good = newApiKey().key;
    const malformed: unknown[] = [
      undefined,
      null,
      42,
      {},
      [good],
      '',
      'Bearer ' + good,
      good.toUpperCase(),
      good.slice(1),
      good + 'x',
      good.slice(0, -1),
      good.replace('ck_', 'ak_'),
      `ck_0123456789ABCDEF_${good.slice(-43)}`,
      `ck_0123456789abcde_x${good.slice(-43)}`,
      `ck_0123456789abcdef_${good.slice(-42)}=`,
      `ck_0123456789abcdef_${good.slice(-42)}\u0000`,
      `ck_0123456789abcdef-${good.slice(-43)}`,
      'x'.repeat(1_000_000),
    ];
    for (const value of malformed) expect(parseApiKey(value), String(value)).toBeNull();
  });
});

describe('secrets', () => {
  it('stores the SHA-256 hex of the secret, not the secret', () => {
    const { secret } = newApiKey();
    const hash = hashApiKeySecret(secret);
    expect(hash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(hash).not.toContain(secret);
  });

  it('matches only the secret that was hashed', () => {
    const { secret } = newApiKey();
    const other = newApiKey().secret;
    const hash = hashApiKeySecret(secret);
    expect(secretMatches(secret, hash)).toBe(true);
    expect(secretMatches(other, hash)).toBe(false);
    expect(secretMatches(secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A'), hash)).toBe(
      false,
    );
    // A damaged stored hash (wrong length, not hex) refuses rather than throws.
    expect(secretMatches(secret, hash.slice(0, -2))).toBe(false);
    expect(secretMatches(secret, 'not hex')).toBe(false);
  });
});

describe('names and scopes', () => {
  it('accepts names up to MAX_NAME_LENGTH without control characters, the empty name too', () => {
    for (const name of ['', 'ci', 'deploy bot (prod) ✓', 'x'.repeat(MAX_NAME_LENGTH)]) {
      expect(apiKeyNameProblem(name), name).toBeNull();
    }
  });

  it('names the value received for a bad name', () => {
    expect(apiKeyNameProblem('a\u0001b')).toMatch(/control characters, received "a\\u0001b"/);
    expect(apiKeyNameProblem('tab\there')).toMatch(/received "tab\\there"/);
    expect(apiKeyNameProblem('c1\u0085')).toMatch(/received "c1\u0085"/);
    expect(apiKeyNameProblem('x'.repeat(MAX_NAME_LENGTH + 1))).toMatch(
      new RegExp(`received a string of ${MAX_NAME_LENGTH + 1} characters`),
    );
    expect(apiKeyNameProblem(7)).toMatch(/received 7\.$/);
  });

  it('accepts the three scopes and names any other value received', () => {
    for (const scope of API_KEY_SCOPES) expect(apiKeyScopeProblem(scope)).toBeNull();
    expect(apiKeyScopeProblem('root')).toBe(
      "an API key's scope must be one of 'read', 'operate', 'admin', received 'root'.",
    );
    expect(apiKeyScopeProblem(undefined)).toMatch(/received undefined\.$/);
  });
});
