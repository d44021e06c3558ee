/**
 * SQLite query plans for plan tests: a freshly migrated file (no statistics, as the engine
 * leaves it) and the plan of a statement as the adapter prepares it.
 */
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/open.js';
import { plannedOnce } from '../../src/store/sqlite/planned-once.js';
import { freshSqliteUrl } from './backend.js';

/** The path of a new SQLite file with the engine's schema. */
export async function migratedSqliteFile(): Promise<string> {
  const url = freshSqliteUrl();
  const store = await openStore(url);
  await store.migrate();
  await store.close();
  return url.slice('sqlite://'.length);
}

/** One step of SQLite's plan (`EXPLAIN QUERY PLAN`). */
export interface SqlitePlanStep {
  readonly id: number;
  readonly parent: number;
  readonly detail: string;
}

/** The steps of SQLite's plan of `sql` with `params` on `db`, as the adapter prepares it. */
export function sqlitePlanSteps(
  db: Database.Database,
  sql: string,
  params: readonly unknown[],
): SqlitePlanStep[] {
  return db.prepare(`EXPLAIN QUERY PLAN ${plannedOnce(sql)}`).all(...params) as SqlitePlanStep[];
}

/** The steps of SQLite's plan of `sql` with `params` on `file`, as the adapter prepares it. */
export function sqlitePlan(file: string, sql: string, params: readonly unknown[]): string[] {
  const db = new Database(file, { readonly: true });
  try {
    return sqlitePlanSteps(db, sql, params).map((step) => step.detail);
  } finally {
    db.close();
  }
}
