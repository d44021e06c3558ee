/**
 * Plan tests on a seeded history: a SQLite file or a PostgreSQL schema holding finished
 * executions (see `seedFinishedExecutions`), and plans as the engine's connections get them.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { seedFinishedExecutions } from '../../bench/seed.js';
import type { SqlValue } from '../../src/store/db.js';
import { toPgPlaceholders } from '../../src/store/postgres/pg-sql.js';
import { PG_URL } from './pg.js';

/** A node of PostgreSQL's plan (`EXPLAIN (FORMAT JSON)`), with the fields the tests read. */
export interface PgPlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PgPlanNode[];
}

/**
 * A connection to `schema` with the adapter's planner settings (`src/store/postgres/pg-db.ts`):
 * no sequential or bitmap scan unless nothing else can answer, a custom plan for every run.
 */
export async function plannerConnection(schema: string): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: PG_URL,
    options: `-c enable_bitmapscan=off -c enable_seqscan=off -c search_path=${schema} -c plan_cache_mode=force_custom_plan`,
  });
  await client.connect();
  return client;
}

/** The migrated SQLite file `file`, with `count` finished executions seeded. */
export async function seededSqlite(file: string, count: number): Promise<Database.Database> {
  const db = new Database(file);
  await seedFinishedExecutions({ dialect: 'sqlite', run: async (sql) => void db.exec(sql) }, count);
  return db;
}

/** {@link plannerConnection} to the migrated `schema`, with `count` finished executions seeded. */
export async function seededPg(schema: string, count: number): Promise<pg.Client> {
  const client = await plannerConnection(schema);
  await seedFinishedExecutions(
    { dialect: 'postgres', run: async (sql) => void (await client.query(sql)) },
    count,
  );
  return client;
}

/** The root of PostgreSQL's plan of `sql` (with `?` placeholders) for `params`. */
export async function pgPlanOf(
  client: pg.Client,
  sql: string,
  params: readonly SqlValue[],
): Promise<PgPlanNode> {
  const result = await client.query<{ 'QUERY PLAN': [{ Plan: PgPlanNode }] }>(
    `EXPLAIN (FORMAT JSON) ${toPgPlaceholders(sql)}`,
    params as SqlValue[],
  );
  return result.rows[0]!['QUERY PLAN'][0].Plan;
}
