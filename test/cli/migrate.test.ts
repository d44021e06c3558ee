/**
 * Schema changes happen when the operator says so, through the real binary: commands open a
 * database without creating or migrating it (a mistyped `--db` or `?schema=` fails with "No
 * Cloacina database at …" and leaves nothing behind; a database lacking a migration is refused
 * with the command that applies it); `cloacinactl migrate` creates or updates it and says what
 * it applied; a daemon migrates unless `--no-migrate`.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { backend, freshDatabase } from '../helpers/backend.js';
import { rawQuery } from '../helpers/raw.js';
import { cli, json, moduleDir, ok, startDaemon } from './cli-harness.js';

/** Whether the database of `db` exists at all: its SQLite file, or its PostgreSQL schema. */
async function exists(db: ReturnType<typeof freshDatabase>): Promise<boolean> {
  if (backend === 'sqlite') return existsSync(new URL(db.url).pathname);
  const rows = await rawQuery(db, 'SELECT 1 FROM pg_namespace WHERE nspname = ?', [db.schema!]);
  return rows.length > 0;
}

describe('cloacinactl migrate, and commands that never migrate', () => {
  it('refuses a database that does not exist and creates nothing; migrate creates it', async () => {
    const db = freshDatabase();
    for (const args of [
      ['executions', 'list'],
      ['workflows', 'list'],
      ['keys', 'list'],
    ]) {
      const run = await cli(db.url, args);
      expect(run.code, args.join(' ')).not.toBe(0);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/NO_DATABASE: No Cloacina database at .*cloacinactl migrate/);
    }
    expect(await exists(db)).toBe(false);

    const created = await ok(db.url, ['migrate']);
    expect(created).toMatch(/^Created the database: applied \d+ migration\(s\), now at \d+:/);
    expect(await exists(db)).toBe(true);
    expect(await ok(db.url, ['executions', 'list'])).toBe('No executions.\n');
    expect(await json(db.url, ['migrate'])).toMatchObject({ created: false, applied: [] });
    expect(await ok(db.url, ['migrate'])).toMatch(/^Up to date \(migration \d+\)\./);
  }, 60_000);

  it('refuses a database that lacks a migration, naming it and the command that applies it', async () => {
    const db = freshDatabase();
    await ok(db.url, ['migrate']);
    await rawQuery(
      db,
      'DELETE FROM schema_migrations WHERE id = (SELECT MAX(id) FROM schema_migrations)',
    );
    const run = await cli(db.url, ['executions', 'list']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/SCHEMA_BEHIND: .*lacks 1 migration\(s\).*cloacinactl migrate/);
  }, 60_000);

  it('a daemon with --no-migrate refuses a missing database; by default it creates it', async () => {
    const db = freshDatabase();
    const dir = moduleDir();
    const refused = await cli(db.url, ['daemon', '--dir', dir, '--no-migrate']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/NO_DATABASE/);
    expect(await exists(db)).toBe(false);
    const daemon = await startDaemon(db.url, dir);
    expect(await exists(db)).toBe(true);
    expect(await daemon.stop()).toBe(0);
  }, 60_000);
});
