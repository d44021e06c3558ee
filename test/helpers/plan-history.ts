/**
 * Plan tests on a seeded history: a SQLite file or a PostgreSQL schema holding finished
 * executions (see `seedFinishedExecutions`), and plans as the engine's connections get them.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { seedFinishedExecutions } from '../../bench/seed.js';
import type { SqlValue } from '../../src/store/db.js';
import { openStore } from '../../src/store/open.js';
import { toPgPlaceholders } from '../../src/store/postgres/pg-sql.js';
import { backend, freshDatabase } from './backend.js';
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

/** Plans of statements on a seeded history, reduced to their problems. */
export interface Planner {
  /** What is wrong with the plan of `sql` for `params` (nothing: an empty list). */
  problems(sql: string, params: readonly SqlValue[]): Promise<string[]>;
  /** Gathers the statistics, as a production database has them. */
  analyze(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Registers hooks that give the test file one migrated database of the backend under test
 * (see `backend.ts`) and a planner on it, made by `make` for that backend.
 */
export function plannerPerFile(make: {
  readonly sqlite: (file: string) => Promise<Planner>;
  readonly postgres: (schema: string) => Promise<Planner>;
}): { readonly planner: Planner } {
  const current = {} as { planner: Planner };
  beforeAll(async () => {
    const { url, schema } = freshDatabase();
    const store = await openStore(url);
    await store.migrate();
    await store.close();
    current.planner =
      backend === 'sqlite'
        ? await make.sqlite(url.slice('sqlite://'.length))
        : await make.postgres(schema!);
  });
  afterAll(async () => {
    await current.planner?.close();
  });
  return current;
}

/** Each named statement whose plan has a problem, with its problems. */
export async function planFailures(
  planner: Planner,
  statements: Iterable<readonly [name: string, sql: string, params: readonly SqlValue[]]>,
): Promise<string[]> {
  const out: string[] = [];
  for (const [name, sql, params] of statements) {
    const problems = await planner.problems(sql, params);
    if (problems.length > 0) out.push(`${name}: ${problems.join('; ')}`);
  }
  return out;
}
