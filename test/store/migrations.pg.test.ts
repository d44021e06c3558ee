/**
 * Migrations on PostgreSQL: several processes migrating one empty schema at once all succeed and
 * apply each migration exactly once; and both dialects end with the same tables and columns.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { PgDb } from '../../src/store/postgres/pg-db.js';
import { SqliteDb } from '../../src/store/sqlite/sqlite-db.js';
import { freshDatabase } from '../helpers/backend.js';
import { spawnTsx } from '../helpers/child.js';
import { PG_URL, pgAdmin } from '../helpers/pg.js';

const migrateChild = fileURLToPath(new URL('./fixtures/migrate-child.ts', import.meta.url));

describe('PostgreSQL migrations', () => {
  it('4 processes migrating one empty schema at once all succeed and migrate it once', async () => {
    const { url, schema } = freshDatabase();
    const children = Array.from({ length: 4 }, () => spawnTsx(migrateChild, [url, schema!]));
    // Start all four together: each has loaded its modules and opened its pool before 'go'.
    await Promise.all(children.map((child) => child.line(/^ready$/)));
    for (const child of children) child.send('go');
    await Promise.all(children.map((child) => child.exited()));

    const applied = await pgAdmin<{ id: number; n: string }>(
      `SELECT id, count(*) AS n FROM "${schema}".schema_migrations GROUP BY id ORDER BY id`,
    );
    expect(applied.map((row) => [row.id, Number(row.n)])).toEqual(MIGRATIONS.map((m) => [m.id, 1]));
    const tables = await pgAdmin<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
      [schema],
    );
    expect(tables.map((row) => row.table_name)).toContain('task_executions');
  }, 60_000);

  it('leaves both dialects with the same tables, columns and nullability', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'cloacina-parity-'));
    const sqlite = new SqliteDb({
      path: join(scratch, 'parity.db'),
      synchronous: 'normal',
      busyTimeoutMs: 5000,
    });
    const { schema } = freshDatabase();
    const pg = new PgDb({ url: PG_URL, poolSize: 1, schema });
    try {
      await sqlite.migrate();
      await pg.migrate();
      const sqliteColumns = await sqlite.transaction(async (tx) => {
        const tables = await tx.all<{ name: string }>(
          `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`,
        );
        const columns: string[] = [];
        for (const { name } of tables) {
          const info = await tx.all<{ name: string; notnull: number; pk: number }>(
            `SELECT name, "notnull", pk FROM pragma_table_info(?)`,
            [name],
          );
          // A primary key is NOT NULL on PostgreSQL; SQLite reports notnull 0 for INTEGER PRIMARY KEY.
          for (const c of info)
            columns.push(`${name}.${c.name} ${c.notnull === 1 || c.pk > 0 ? 'NOT NULL' : 'NULL'}`);
        }
        return columns.sort();
      });
      const pgColumns = await pg.transaction(async (tx) => {
        const rows = await tx.all<{ table_name: string; column_name: string; is_nullable: string }>(
          `SELECT table_name, column_name, is_nullable FROM information_schema.columns WHERE table_schema = ?`,
          [schema!],
        );
        return rows
          .map(
            (r) =>
              `${r.table_name}.${r.column_name} ${r.is_nullable === 'YES' ? 'NULL' : 'NOT NULL'}`,
          )
          .sort();
      });
      expect(pgColumns.length).toBeGreaterThan(40);
      // The one column only PostgreSQL has: the writing transaction of an event, by which its
      // event feed is ordered (SQLite commits in id order and needs none).
      const postgresOnly = ['execution_events.tx_id NULL'];
      expect(pgColumns).toEqual(expect.arrayContaining(postgresOnly));
      expect(pgColumns.filter((column) => !postgresOnly.includes(column))).toEqual(sqliteColumns);
    } finally {
      await sqlite.close();
      await pg.close();
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
