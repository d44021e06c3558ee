/**
 * The plan of the claim on both backends, on a backlog of Ready tasks at three priorities, half
 * of each dated in the future (delayed starts, retry backoffs): each priority segment must be a
 * walk of its own partial index in claim order, with no sort and no table scan, so a claim reads
 * about the rows it takes and stops. Checked before the tables have statistics and after
 * `ANALYZE`, as a production database has them.
 * `claim-limit.pg.test.ts` runs the claim itself on PostgreSQL.
 *
 * SQLite: `EXPLAIN QUERY PLAN`. PostgreSQL: `EXPLAIN (FORMAT JSON)` on a connection with the
 * adapter's planner settings (no sequential or bitmap scan unless nothing else can answer).
 */
import Database from 'better-sqlite3';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimAndStartStatement, claimStatement } from '../../src/store/ops/claims.js';
import { openStore } from '../../src/store/open.js';
import { PG_SYNTAX } from '../../src/store/postgres/pg-syntax.js';
import { toPgPlaceholders } from '../../src/store/postgres/pg-sql.js';
import { SQLITE_SYNTAX } from '../../src/store/sqlite/sqlite-syntax.js';
import { backend, freshDatabase } from '../helpers/backend.js';
import {
  HISTORY,
  NOW,
  SEED,
  nodes,
  params,
  seededPgClient,
  type PgNode,
} from './fixtures/claim-backlog.js';
import { plannedOnce } from '../../src/store/sqlite/planned-once.js';

/** The indexes of the three segments, in claim order. */
const SEGMENT_INDEXES = [
  'task_executions_ready_above',
  'task_executions_ready',
  'task_executions_ready_below',
];

/** A backend's view of the claim's plan. */
interface Planner {
  /** Problems of the claim's plan: segments not walking their index, sorts, table scans. */
  problems(limit: number): Promise<string[]>;
  analyze(): Promise<void>;
  close(): Promise<void>;
}

async function sqlitePlanner(file: string, before: readonly string[] = []): Promise<Planner> {
  const db = new Database(file);
  for (const sql of [...before, ...SEED]) db.exec(sql);
  return {
    analyze: async () => void db.exec('ANALYZE'),
    problems: async (limit) => {
      const rows = db
        .prepare(`EXPLAIN QUERY PLAN ${plannedOnce(claimStatement(SQLITE_SYNTAX, 1))}`)
        .all(...params(limit)) as { detail: string }[];
      const details = rows.map((row) => row.detail);
      const problems: string[] = [];
      const walks = details.filter((d) => /^(SEARCH|SCAN) t\b/.test(d));
      // With statistics, SQLite may skip-scan a non-zero segment (each priority in turn, a
      // range of `ready_at_ms` in each): still in claim order, and future rows are not read.
      const expected = [
        /^SEARCH t USING INDEX task_executions_ready_above \((priority>\?|ANY\(priority\) AND ready_at_ms<\?)\)$/,
        /^SEARCH t USING INDEX task_executions_ready \(ready_at_ms<\?\)$/,
        /^SEARCH t USING INDEX task_executions_ready_below \((priority<\?|ANY\(priority\) AND ready_at_ms<\?)\)$/,
      ];
      if (walks.length !== 3 || !walks.every((walk, i) => expected[i]!.test(walk))) {
        problems.push(`segment walks: ${walks.join('; ')}`);
      }
      for (const detail of details) {
        if (/TEMP B-TREE/.test(detail)) problems.push(detail);
        if (/workflow_executions_by_status/.test(detail)) problems.push(detail);
        if (/^SCAN (t|w|task_executions|workflow_executions)\b/.test(detail)) problems.push(detail);
      }
      return problems;
    },
    close: async () => void db.close(),
  };
}

async function pgPlanner(
  schema: string,
  before: readonly string[] = [],
): Promise<Planner & { client: pg.Client }> {
  const client = await seededPgClient(schema, before);
  return {
    client,
    analyze: async () => void (await client.query('ANALYZE workflow_executions, task_executions')),
    problems: async (limit) => {
      const result = await client.query<{ 'QUERY PLAN': [{ Plan: PgNode }] }>(
        `EXPLAIN (FORMAT JSON) ${toPgPlaceholders(claimAndStartStatement(PG_SYNTAX, 1))}`,
        [...params(limit), NOW, NOW],
      );
      // The claim itself: the update of task_executions (the start of its executions after it
      // sorts the few executions claimed, in lock order).
      const claim = nodes(result.rows[0]!['QUERY PLAN'][0].Plan).find(
        (n) => n['Node Type'] === 'ModifyTable' && n['Relation Name'] === 'task_executions',
      );
      if (claim === undefined) return ['no update of task_executions'];
      const all = nodes(claim);
      const problems: string[] = [];
      const walks = all
        .filter((n) => n['Relation Name'] === 'task_executions' && n['Index Name'] !== undefined)
        .map((n) => n['Index Name']!)
        .filter((name) => name !== 'task_executions_pkey');
      if (JSON.stringify(walks) !== JSON.stringify(SEGMENT_INDEXES)) {
        problems.push(`segment walks: ${walks.join('; ')}`);
      }
      for (const node of all) {
        if (node['Node Type'] === 'Sort') problems.push('Sort');
        if (node['Index Name'] === 'workflow_executions_by_status')
          problems.push(node['Index Name']);
        if (/Seq Scan|Bitmap/.test(node['Node Type'])) {
          problems.push(`${node['Node Type']} ${node['Relation Name'] ?? ''}`);
        }
      }
      return problems;
    },
    close: () => client.end(),
  };
}

describe('claim plans on a backlog with future-dated rows', () => {
  let planner: Planner;
  let pgClient: pg.Client | undefined;

  beforeAll(async () => {
    const { url, schema } = freshDatabase();
    const store = await openStore(url);
    await store.migrate();
    await store.close();
    if (backend === 'sqlite') {
      planner = await sqlitePlanner(url.slice('sqlite://'.length));
    } else {
      const pgPlan = await pgPlanner(schema!);
      planner = pgPlan;
      pgClient = pgPlan.client;
    }
  });

  afterAll(async () => {
    await planner?.close();
  });

  it('walks each priority segment along its partial index before statistics exist', async () => {
    expect(await planner.problems(10)).toEqual([]);
    expect(await planner.problems(100)).toEqual([]);
  });

  it('walks each priority segment along its partial index once the tables are analyzed', async () => {
    await planner.analyze();
    expect(await planner.problems(10)).toEqual([]);
    expect(await planner.problems(100)).toEqual([]);
  });

  it('flags a claim order no index serves (the check can fail)', async () => {
    const sql = claimStatement(SQLITE_SYNTAX, 1);
    expect(sql).toContain('ORDER BY t.ready_at_ms, t.position, t.id');
    // Priority 0 ordered by a column its index lacks: a sort of every due row.
    const unserved = sql.replace(
      'ORDER BY t.ready_at_ms, t.position, t.id',
      'ORDER BY t.attempt, t.id',
    );
    const { url } = freshDatabase();
    if (backend !== 'sqlite') {
      // The same rewrite checked through the PostgreSQL planner.
      const result = await pgClient!.query<{ 'QUERY PLAN': [{ Plan: PgNode }] }>(
        `EXPLAIN (FORMAT JSON) ${toPgPlaceholders(unserved)}`,
        params(10),
      );
      const types = nodes(result.rows[0]!['QUERY PLAN'][0].Plan).map((n) => n['Node Type']);
      expect(types).toContain('Sort');
      return;
    }
    const store = await openStore(url);
    await store.migrate();
    await store.close();
    const db = new Database(url.slice('sqlite://'.length), { readonly: true });
    try {
      const rows = db.prepare(`EXPLAIN QUERY PLAN ${plannedOnce(unserved)}`).all(...params(10)) as {
        detail: string;
      }[];
      expect(rows.some((row) => /TEMP B-TREE/.test(row.detail))).toBe(true);
    } finally {
      db.close();
    }
  });
});

describe('claim plans on a backlog the statistics of a long history do not know', () => {
  it('still walks each priority segment and looks executions up by key', async () => {
    const { url, schema } = freshDatabase();
    const store = await openStore(url);
    await store.migrate();
    await store.close();
    const planner =
      backend === 'sqlite'
        ? await sqlitePlanner(url.slice('sqlite://'.length), HISTORY)
        : await pgPlanner(schema!, HISTORY);
    try {
      expect(await planner.problems(10)).toEqual([]);
      expect(await planner.problems(100)).toEqual([]);
    } finally {
      await planner.close();
    }
  });
});
