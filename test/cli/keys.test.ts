/**
 * `cloacinactl keys`: a key is printed once (stdout alone, so scripts can capture it) with a
 * warning on stderr, lists never show it, revoking stops it at once, mistakes end with one line,
 * and the tenant's `--schema` decides where keys live.
 */
import { describe, expect, it } from 'vitest';
import { Client, type ApiKeyInfo } from '../../src/index.js';
import { backend, freshDatabase } from '../helpers/backend.js';
import { PG_URL } from '../helpers/pg.js';
import { cli, json, ok } from './cli-harness.js';

/** One line of stderr, no stack trace. */
function expectOneLineError(run: { code: number | string; stderr: string }, pattern: RegExp): void {
  expect(run.code).not.toBe(0);
  const lines = run.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr).not.toMatch(/^\s+at /m);
}

const secretOf = (key: string): string => key.slice('ck_'.length + 16 + 1);

describe('cloacinactl keys', () => {
  it('creates a key shown once, lists keys without it, and revokes it', async () => {
    const { url } = freshDatabase();
    await ok(url, ['migrate']);
    const created = await cli(url, ['keys', 'create', '--scope', 'operate', '--name', 'deploy']);
    expect(created.code).toBe(0);
    // stdout is the key and nothing else; the warning goes to stderr.
    expect(created.stdout).toMatch(/^ck_[0-9a-f]{16}_[A-Za-z0-9_-]{43}\n$/);
    const key = created.stdout.trim();
    expect(created.stderr).toMatch(/will not be shown again/);
    expect(created.stderr).not.toContain(secretOf(key));

    const asJson = await json<ApiKeyInfo & { key: string }>(url, [
      'keys',
      'create',
      '--scope',
      'read',
    ]);
    expect(asJson).toMatchObject({ scope: 'read', name: '', revokedAt: null });
    expect(asJson.key).toContain(`ck_${asJson.id}_`);
    expect(Object.keys(asJson).sort()).toEqual(
      ['createdAt', 'id', 'key', 'lastUsedAt', 'name', 'revokedAt', 'scope'].sort(),
    );

    {
      await using client = await Client.connect(url);
      expect(await client.verifyApiKey(key)).toMatchObject({ scope: 'operate', name: 'deploy' });
      expect((await client.verifyApiKey(asJson.key))?.scope).toBe('read');
    }

    const listed = await json<ApiKeyInfo[]>(url, ['keys', 'list']);
    const deployId = listed[0]!.id;
    expect(listed.map((k) => [k.scope, k.name])).toEqual([
      ['operate', 'deploy'],
      ['read', ''],
    ]);
    const table = await ok(url, ['keys', 'list']);
    expect(table).toMatch(/^ID\s+SCOPE\s+CREATED\s+LAST USED\s+REVOKED\s+NAME$/m);
    expect(table).toContain(deployId);
    for (const text of [table, JSON.stringify(listed)]) {
      expect(text).not.toContain(secretOf(key));
      expect(text).not.toContain(secretOf(asJson.key));
    }

    expect(await ok(url, ['keys', 'revoke', deployId])).toBe(`key ${deployId}: revoked\n`);
    expect((await json<ApiKeyInfo[]>(url, ['keys', 'list'])).map((k) => k.id)).toEqual([asJson.id]);
    const all = await json<ApiKeyInfo[]>(url, ['keys', 'list', '--all']);
    expect(all.map((k) => [k.id, k.revokedAt !== null])).toEqual([
      [deployId, true],
      [asJson.id, false],
    ]);
    await using client = await Client.connect(url);
    expect(await client.verifyApiKey(key)).toBeNull();
  }, 120_000);

  it('ends a mistake with one line naming what was wrong', async () => {
    const { url } = freshDatabase();
    await ok(url, ['migrate']);
    expectOneLineError(
      await cli(url, ['keys', 'create', '--scope', 'root']),
      /^cloacinactl: CONFIG: .*scope must be one of 'read', 'operate', 'admin', received 'root'/,
    );
    expectOneLineError(await cli(url, ['keys', 'create']), /--scope/);
    expectOneLineError(
      await cli(url, ['keys', 'revoke', '0123456789abcdef']),
      /^cloacinactl: NOT_FOUND: No API key with id "0123456789abcdef"/,
    );
    expect(await ok(url, ['keys', 'list', '--all'])).toBe('No API keys.\n');
  }, 60_000);

  it('keeps keys in the tenant named by --schema', async () => {
    if (backend === 'sqlite') {
      const { url } = freshDatabase();
      expectOneLineError(
        await cli(url, ['--schema', 'tenant_a', 'keys', 'list']),
        /CONFIG: .*PostgreSQL option/,
      );
      return;
    }
    const tenant = freshDatabase();
    const other = freshDatabase();
    await ok(PG_URL, ['--schema', tenant.schema!, 'migrate']);
    const key = (
      await ok(PG_URL, ['--schema', tenant.schema!, 'keys', 'create', '--scope', 'admin'])
    ).trim();
    await using inTenant = await Client.connect(tenant.url);
    await using inOther = await Client.connect(other.url);
    expect((await inTenant.verifyApiKey(key))?.scope).toBe('admin');
    expect(await inOther.verifyApiKey(key)).toBeNull();
    expect(await json(other.url, ['keys', 'list', '--all'])).toEqual([]);
  }, 60_000);
});
