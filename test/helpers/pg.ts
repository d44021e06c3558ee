/**
 * PostgreSQL test plumbing: the server under test, per-test schemas, and admin queries the tests
 * use to inspect or disturb the server. Tests may import pg; the product code does so only in
 * src/store/postgres/.
 */
import pg from 'pg';

/** The server the postgres project runs against. */
export const PG_URL =
  process.env.CLOACINA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Runs one admin statement on its own short-lived connection. */
export async function pgAdmin<T extends pg.QueryResultRow = pg.QueryResultRow>(
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Whether the server answers, and why not when it does not. */
export async function probePostgres(): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    await pgAdmin('SELECT 1');
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** Drops test schemas (and everything in them). */
export async function dropSchemas(schemas: Iterable<string>): Promise<void> {
  const names = [...schemas];
  if (names.length === 0) return;
  await pgAdmin(`DROP SCHEMA IF EXISTS ${names.map((name) => `"${name}"`).join(', ')} CASCADE`);
}

/** The SQL of a query as `pg.Client#query` takes it: a string, or a config with its text. */
function queryText(query: unknown): string {
  if (typeof query === 'string') return query;
  const text = (query as { text?: unknown } | null)?.text;
  return typeof text === 'string' ? text : '';
}

/**
 * Calls `seen` for every query any pg client of this process sends (its text, that of a named
 * statement's config object included), with the client and the query's promise, until the
 * returned function restores the driver. Observes what the engine sends; it changes nothing.
 */
export function watchQueries(
  seen: (client: unknown, text: string, result: Promise<unknown>) => void,
): () => void {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]): unknown {
    const result = original.apply(this, args);
    seen(this, queryText(args[0]), result as Promise<unknown>);
    return result;
  };
  return () => {
    proto.query = original;
  };
}

/**
 * Runs `fn` and counts the queries every pg client of this process sent meanwhile: the round
 * trips of what it did, when nothing else runs.
 */
export async function countingQueries<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; queries: number }> {
  let queries = 0;
  const restore = watchQueries(() => {
    queries += 1;
  });
  try {
    return { result: await fn(), queries };
  } finally {
    restore();
  }
}

/**
 * Takes the row lock of one execution from another connection, in a transaction left open: the
 * engine's writes that lock that execution (a completion) wait until the caller ends it with
 * `COMMIT` (and `end()`s the client).
 */
export async function lockExecutionRow(
  schema: string | undefined,
  executionId: string,
): Promise<pg.Client> {
  if (schema === undefined) throw new Error('lockExecutionRow needs a PostgreSQL test schema');
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT id FROM "${schema}".workflow_executions WHERE id = $1 FOR UPDATE`, [
      executionId,
    ]);
    return client;
  } catch (error) {
    await client.end();
    throw error;
  }
}

/**
 * Whether a query the driver sends opens a completion transaction (its claim-guarded update),
 * or is one: the end of a sole task as a statement of its own.
 */
export function opensCompletion(text: string): boolean {
  return (
    (text.startsWith('BEGIN;') || text.startsWith('WITH ended AS')) &&
    text.includes("SET status = 'Completed'")
  );
}
