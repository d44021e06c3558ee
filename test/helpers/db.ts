/**
 * A bare adapter (`Db`) on a fresh database of the backend under test, for tests of the driver
 * contract itself (transactions, guards, locks) below the store.
 */
import type { Db } from '../../src/store/db.js';
import { PgDb } from '../../src/store/postgres/pg-db.js';
import { SqliteDb } from '../../src/store/sqlite/sqlite-db.js';
import { parseDatabaseUrl } from '../../src/store/url.js';
import { backend, freshDatabase, freshSqliteUrl } from './backend.js';
import { PG_URL } from './pg.js';

/** Opens (not migrates) a `Db` on a fresh database; `poolSize` connections on PostgreSQL. */
export function openFreshDb(poolSize = 1): Db {
  const database = freshDatabase();
  if (backend === 'postgres') return new PgDb({ url: PG_URL, poolSize, schema: database.schema });
  const location = parseDatabaseUrl(database.url);
  if (location.kind !== 'sqlite') throw new Error('expected a SQLite URL');
  return new SqliteDb({ path: location.path, synchronous: 'normal', busyTimeoutMs: 5000 });
}

/**
 * A durable SQLite connection on a fresh file with one table `t (x TEXT)`, for tests of the
 * SQLite connection itself.
 */
export async function openSqliteWithTable(): Promise<SqliteDb> {
  const path = freshSqliteUrl().slice('sqlite://'.length);
  const db = new SqliteDb({ path, synchronous: 'full', busyTimeoutMs: 1_000 });
  await db.transaction((tx) => tx.run('CREATE TABLE t (x TEXT)'));
  return db;
}
