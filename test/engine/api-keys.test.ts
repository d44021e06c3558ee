/**
 * API keys through the Client: created with a scope and shown once, listed without secrets,
 * verified (null for malformed, unknown, wrong-secret and revoked keys), revoked, with their
 * last use recorded at most once a minute; the database holds only hashes.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  Client,
  ConfigError,
  MAX_NAME_LENGTH,
  NotFoundError,
  scopeAllows,
} from '../../src/index.js';
import { backend, freshDatabase } from '../helpers/backend.js';
import { watchQueries } from '../helpers/pg.js';
import { rawQuery } from '../helpers/raw.js';

/** The secret part of a key (`ck_<id>_<secret>`). */
const secretOf = (key: string): string => key.slice('ck_'.length + 16 + 1);

describe('API keys', () => {
  it('creates keys shown once, lists them oldest first without secrets, and verifies them', async () => {
    const db = freshDatabase();
    await using client = await Client.connect(db.url);
    const before = Date.now();
    const reader = await client.createApiKey({ scope: 'read', name: 'dashboard' });
    const operator = await client.createApiKey({ scope: 'operate' });
    const admin = await client.createApiKey({ scope: 'admin', name: 'ops' });

    expect(reader.key).toMatch(/^ck_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(reader.key).toContain(`ck_${reader.info.id}_`);
    expect(reader.info).toMatchObject({
      name: 'dashboard',
      scope: 'read',
      revokedAt: null,
      lastUsedAt: null,
    });
    expect(reader.info.createdAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(operator.info.name).toBe('');

    const listed = await client.listApiKeys();
    expect(listed.map((k) => k.id)).toEqual([reader.info.id, operator.info.id, admin.info.id]);
    expect(listed[0]).toEqual(reader.info);
    // A list shows no key, secret or hash.
    const text = JSON.stringify(listed);
    for (const { key } of [reader, operator, admin]) expect(text).not.toContain(secretOf(key));
    expect(Object.keys(listed[0]!).sort()).toEqual(
      ['createdAt', 'id', 'lastUsedAt', 'name', 'revokedAt', 'scope'].sort(),
    );

    const verified = await client.verifyApiKey(admin.key);
    expect(verified).toMatchObject({ id: admin.info.id, scope: 'admin', name: 'ops' });
    expect(scopeAllows(verified!.scope, 'operate')).toBe(true);
    expect((await client.verifyApiKey(reader.key))?.scope).toBe('read');
  });

  it('verifies as null a malformed, unknown, wrong-secret or revoked key, and never throws for one', async () => {
    const db = freshDatabase();
    await using client = await Client.connect(db.url);
    const { key, info } = await client.createApiKey({ scope: 'operate', name: 'ci' });
    const other = await client.createApiKey({ scope: 'read' });
    const secret = secretOf(key);
    const flipped = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');

    const rejected: unknown[] = [
      '',
      'ck_',
      `Bearer ${key}`,
      key.toUpperCase(),
      `${key} `,
      `${key}\u0000`,
      key.slice(0, -1),
      // Unknown id with a well-formed secret.
      `ck_0000000000000000_${secret}`,
      // The right id with a wrong secret, and the secret of another key.
      `ck_${info.id}_${flipped}`,
      `ck_${info.id}_${secretOf(other.key)}`,
      'x'.repeat(100_000),
      undefined,
      null,
      12,
      { key },
    ];
    for (const value of rejected) {
      expect(await client.verifyApiKey(value as string), String(value).slice(0, 40)).toBeNull();
    }
    expect(await client.verifyApiKey(key)).not.toBeNull();

    const revoked = await client.revokeApiKey(info.id);
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    expect(await client.verifyApiKey(key)).toBeNull();
    // Revoking again keeps the first time.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await client.revokeApiKey(info.id)).revokedAt).toEqual(revoked.revokedAt);
    // The other key still works; lists hide revoked keys unless asked.
    expect(await client.verifyApiKey(other.key)).not.toBeNull();
    expect((await client.listApiKeys()).map((k) => k.id)).toEqual([other.info.id]);
    expect(
      (await client.listApiKeys({ includeRevoked: true })).map((k) => [k.id, k.revokedAt]),
    ).toEqual([
      [info.id, revoked.revokedAt],
      [other.info.id, null],
    ]);

    for (const id of ['0000000000000000', 'nope', '', `${info.id} `]) {
      const error = await client.revokeApiKey(id).catch((e: unknown) => e);
      expect(error, id).toBeInstanceOf(NotFoundError);
      expect((error as Error).message).toContain(JSON.stringify(id));
    }
  });

  it('refuses a bad scope or name with a ConfigError naming the value, and stores nothing', async () => {
    const db = freshDatabase();
    await using client = await Client.connect(db.url);
    const cases: [unknown, RegExp][] = [
      [{ scope: 'root' }, /scope must be one of 'read', 'operate', 'admin', received 'root'/],
      [{ scope: undefined }, /received undefined/],
      [{}, /received undefined/],
      [{ scope: 'read', name: 'a\u0007b' }, /control characters, received "a\\u0007b"/],
      [{ scope: 'read', name: 'x'.repeat(MAX_NAME_LENGTH + 1) }, /received a string of 256/],
      [{ scope: 'read', name: 5 }, /received 5/],
      [null, /received null/],
    ];
    for (const [options, message] of cases) {
      const error = await client.createApiKey(options as never).catch((e: unknown) => e);
      expect(error, JSON.stringify(options)).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(message);
    }
    expect(await client.listApiKeys({ includeRevoked: true })).toEqual([]);
    const longest = await client.createApiKey({ scope: 'read', name: 'n'.repeat(MAX_NAME_LENGTH) });
    expect(longest.info.name).toHaveLength(MAX_NAME_LENGTH);
  });

  it('records the last use at most once a minute', async () => {
    const db = freshDatabase();
    await using client = await Client.connect(db.url);
    const { key, info } = await client.createApiKey({ scope: 'read' });
    const stamp = async (): Promise<number | null> => {
      const [row] = await rawQuery<{ at: number | string | null }>(
        db,
        'SELECT last_used_at_ms AS at FROM api_keys WHERE id = ?',
        [info.id],
      );
      return row?.at === null || row?.at === undefined ? null : Number(row.at);
    };

    const first = await client.verifyApiKey(key);
    expect(first?.lastUsedAt).toBeInstanceOf(Date);
    const firstMs = first!.lastUsedAt!.getTime();
    expect(await stamp()).toBe(firstMs);

    // Within the minute: the stamp stays, and on PostgreSQL the check is one read, no write.
    let statements = 0;
    const restore = watchQueries(() => (statements += 1));
    try {
      for (let i = 0; i < 3; i += 1) {
        expect((await client.verifyApiKey(key))?.lastUsedAt?.getTime()).toBe(firstMs);
      }
    } finally {
      restore();
    }
    if (backend === 'postgres') expect(statements).toBe(3);
    expect(await stamp()).toBe(firstMs);

    // A minute later (the stored stamp aged by 61 s) the next use is recorded again.
    await rawQuery(db, 'UPDATE api_keys SET last_used_at_ms = ? WHERE id = ?', [
      firstMs - 61_000,
      info.id,
    ]);
    const later = await client.verifyApiKey(key);
    expect(later?.lastUsedAt?.getTime()).toBeGreaterThanOrEqual(firstMs);
    expect(await stamp()).toBe(later?.lastUsedAt?.getTime());
    expect((await client.listApiKeys())[0]?.lastUsedAt).toEqual(later?.lastUsedAt);
  });

  it('stores only a hash of the secret: no key or secret anywhere in the table', async () => {
    const db = freshDatabase();
    const created: { key: string; id: string }[] = [];
    {
      await using client = await Client.connect(db.url);
      for (const scope of ['read', 'operate', 'admin'] as const) {
        const { key, info } = await client.createApiKey({ scope, name: `key-${scope}` });
        created.push({ key, id: info.id });
        expect(await client.verifyApiKey(key)).not.toBeNull();
      }
      await client.revokeApiKey(created[0]!.id);
    }
    const rows = await rawQuery<Record<string, unknown>>(db, 'SELECT * FROM api_keys');
    expect(rows).toHaveLength(3);
    const text = JSON.stringify(rows);
    for (const { key, id } of created) {
      const secret = secretOf(key);
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice(0, 16));
      const row = rows.find((r) => r.id === id)!;
      expect(row.secret_hash).toBe(createHash('sha256').update(secret).digest('hex'));
    }
    if (backend === 'sqlite') {
      // Nor in the bytes of the database file and its write-ahead log.
      const path = new URL(db.url).pathname;
      for (const file of [path, `${path}-wal`].filter((f) => existsSync(f))) {
        const bytes = readFileSync(file).toString('latin1');
        for (const { key } of created) expect(bytes).not.toContain(secretOf(key));
      }
    }
  });
});
