/**
 * Reads and writes a test database behind the engine's back, with plain SQL on either backend:
 * to look at what the engine stored (e.g. that a table holds no secret), or to age a row.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import type { FreshDatabase } from './backend.js';
import { PG_URL } from './pg.js';

/** A parameter of a raw statement. */
type Param = string | number | null;

/** One statement of {@link rawTransaction}: SQL with `?` placeholders and its parameters. */
export interface RawStatement {
  readonly sql: string;
  readonly params?: readonly Param[];
}

/** Runs `sql` (`?` placeholders) on the database of `db`; returns its rows (none for a write). */
export async function rawQuery<T = Record<string, unknown>>(
  db: FreshDatabase,
  sql: string,
  params: Param[] = [],
): Promise<T[]> {
  return rawTransaction<T>(db, [{ sql, params }]);
}

/**
 * Runs `statements` in one transaction, so a runner working on the same database sees all of
 * them or none (e.g. an execution and its tasks); returns the rows of the last one.
 */
export async function rawTransaction<T = Record<string, unknown>>(
  db: FreshDatabase,
  statements: readonly RawStatement[],
): Promise<T[]> {
  if (db.schema === undefined) return sqliteTransaction<T>(new URL(db.url).pathname, statements);
  // The tenant's schema as the search path, as the engine's own connections have it.
  const client = new pg.Client({
    connectionString: PG_URL,
    connectionTimeoutMillis: 5_000,
    options: `-c search_path="${db.schema}"`,
  });
  await client.connect();
  try {
    const single = statements.length === 1;
    if (!single) await client.query('BEGIN');
    let rows: T[] = [];
    for (const { sql, params = [] } of statements) {
      let n = 0;
      const text = sql.replace(/\?/g, () => `$${(n += 1)}`);
      rows = (await client.query(text, [...params])).rows as T[];
    }
    if (!single) await client.query('COMMIT');
    return rows;
  } finally {
    await client.end();
  }
}

/**
 * SQLite's busy wait is synchronous: waiting in this thread for a lock that a runner of this
 * same process holds across an await would block the thread that must release it. So a busy
 * database is retried here after yielding to the event loop instead.
 */
async function sqliteTransaction<T>(
  path: string,
  statements: readonly RawStatement[],
): Promise<T[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const file = new Database(path, { timeout: 0 });
    const run = (): T[] => {
      let rows: T[] = [];
      for (const { sql, params = [] } of statements) {
        const statement = file.prepare(sql);
        if (statement.reader) rows = statement.all(...params) as T[];
        else {
          statement.run(...params);
          rows = [];
        }
      }
      return rows;
    };
    try {
      // One statement is atomic by itself (and a read then takes no write lock).
      return statements.length === 1 ? run() : file.transaction(run).immediate();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code !== 'SQLITE_BUSY' || Date.now() > deadline) throw error;
    } finally {
      file.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
