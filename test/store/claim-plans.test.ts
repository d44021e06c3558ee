/**
 * The plan of the claim on both backends, on a backlog of Ready tasks at three priorities, half
 * of each dated in the future (delayed starts, retry backoffs): each priority segment must be a
 * walk of its own partial index in claim order, with no sort and no table scan, so a claim reads
 * about the rows it takes and stops. Checked before the tables have statistics and after
 * `ANALYZE`, as a production database has them.
 *
 * PostgreSQL also runs the claim (`EXPLAIN ANALYZE` in a transaction rolled back): a claim that
 * fills its limit from the highest segment never starts the others, and the walk of priority 0
 * reads only its rows whose time has come, however many are dated later.
 *
 * SQLite: `EXPLAIN QUERY PLAN`. PostgreSQL: `EXPLAIN (FORMAT JSON)` on a connection with the
 * adapter's planner settings (no sequential or bitmap scan unless nothing else can answer).
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlValue } from '../../src/store/db.js';
import { claimAndStartStatement, claimParams, claimStatement } from '../../src/store/ops/claims.js';
import { openStore } from '../../src/store/open.js';
import { toPgPlaceholders } from '../../src/store/postgres/pg-sql.js';
import { backend, freshDatabase } from '../helpers/backend.js';
import { PG_URL } from '../helpers/pg.js';

/** Executions seeded, one Ready task each. */
const COUNT = 6_000;
/** Every task of the backlog is ready at `1000 + i` (due) or at `FUTURE + i` (not yet). */
const FUTURE = 1_000_000_000;
/** A time at which every due row is due and no future one. */
const NOW = 1_000 + COUNT;

/** Priority of execution `i`: 0, 5 and -5 in turn. Every other one of each is future-dated. */
const PRIORITY = `CASE i % 3 WHEN 0 THEN 0 WHEN 1 THEN 5 ELSE -5 END`;
const READY_AT = `CASE (i / 3) % 2 WHEN 0 THEN 1000 + i ELSE ${FUTURE} + i END`;

/** The seeding statements, the same in both dialects. */
const SEED = [
  `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${COUNT - 1})
   INSERT INTO workflow_executions (id, workflow_name, workflow_version, status, initial_context,
     open_tasks, failed_tasks, created_at_ms, updated_at_ms, priority)
   SELECT 'e' || i, 'jobs', 'v1', 'Running', '{}', 1, 0, i, i, ${PRIORITY} FROM n`,
  `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${COUNT - 1})
   INSERT INTO task_executions (id, execution_id, workflow_name, task_id, position, dependencies,
     dependents, trigger_rule, status, pending_deps, ready_at_ms, priority)
   SELECT 'e' || i || ':work', 'e' || i, 'jobs', 'work', 0, '[]', '[]', '{"type":"all"}',
     'Ready', 0, ${READY_AT}, ${PRIORITY} FROM n`,
];

/** The indexes of the three segments, in claim order. */
const SEGMENT_INDEXES = [
  'task_executions_ready_above',
  'task_executions_ready',
  'task_executions_ready_below',
];

function params(limit: number, nowMs = NOW): SqlValue[] {
  return claimParams({ runnerId: 'r', claimId: 'c', nowMs, workflowNames: ['jobs'], limit });
}

interface PgNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PgNode[];
}

/** Every node of a PostgreSQL plan. */
function nodes(root: PgNode): PgNode[] {
  return [root, ...(root.Plans ?? []).flatMap(nodes)];
}

/** A backend's view of the claim's plan. */
interface Planner {
  /** Problems of the claim's plan: segments not walking their index, sorts, table scans. */
  problems(limit: number): Promise<string[]>;
  analyze(): Promise<void>;
  close(): Promise<void>;
}

async function sqlitePlanner(file: string): Promise<Planner> {
  const db = new Database(file);
  for (const sql of SEED) db.exec(sql);
  return {
    analyze: async () => void db.exec('ANALYZE'),
    problems: async (limit) => {
      const rows = db
        .prepare(`EXPLAIN QUERY PLAN ${claimStatement(1, false)}`)
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
        if (/^SCAN (t|w|task_executions|workflow_executions)\b/.test(detail)) problems.push(detail);
      }
      return problems;
    },
    close: async () => void db.close(),
  };
}

async function pgPlanner(schema: string): Promise<Planner & { client: pg.Client }> {
  // The adapter's planner settings (src/store/postgres/pg-db.ts).
  const client = new pg.Client({
    connectionString: PG_URL,
    options: `-c enable_bitmapscan=off -c enable_seqscan=off -c search_path=${schema} -c plan_cache_mode=force_custom_plan`,
  });
  await client.connect();
  for (const sql of SEED) await client.query(sql);
  return {
    client,
    analyze: async () => void (await client.query('ANALYZE workflow_executions, task_executions')),
    problems: async (limit) => {
      const result = await client.query<{ 'QUERY PLAN': [{ Plan: PgNode }] }>(
        `EXPLAIN (FORMAT JSON) ${toPgPlaceholders(claimAndStartStatement(1, true))}`,
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

  it.runIf(backend === 'postgres')(
    'stops at the limit: a full first segment leaves the others unread, and priority 0 reads only due rows',
    async () => {
      const client = pgClient!;
      /** The claim's executed plan, its writes rolled back. */
      const run = async (limit: number, nowMs: number): Promise<PgNode[]> => {
        await client.query('BEGIN');
        try {
          const result = await client.query<{ 'QUERY PLAN': [{ Plan: PgNode }] }>(
            `EXPLAIN (ANALYZE, FORMAT JSON) ${toPgPlaceholders(claimAndStartStatement(1, true))}`,
            [...params(limit, nowMs), nowMs, nowMs],
          );
          return nodes(result.rows[0]!['QUERY PLAN'][0].Plan);
        } finally {
          await client.query('ROLLBACK');
        }
      };
      const walk = (plan: PgNode[], index: string): PgNode =>
        plan.find((n) => n['Index Name'] === index)!;

      // 1,000 due rows of priority 5: a claim of 10 reads 10 of them and nothing else.
      const full = await run(10, NOW);
      const above = walk(full, 'task_executions_ready_above');
      expect(above['Actual Rows']).toBe(10);
      expect(walk(full, 'task_executions_ready')['Actual Loops']).toBe(0);
      expect(walk(full, 'task_executions_ready_below')['Actual Loops']).toBe(0);

      // Early on, 5 rows of priority 0 are due and 1,000 are dated later: the walk of
      // priority 0 ends at now, after reading the 5.
      const early = await run(100, 1_000 + 29);
      const zero = walk(early, 'task_executions_ready');
      expect(zero['Actual Loops']).toBe(1);
      expect((zero['Actual Rows'] ?? 0) + (zero['Rows Removed by Filter'] ?? 0)).toBe(5);
    },
  );

  it('flags a claim order no index serves (the check can fail)', async () => {
    const sql = claimStatement(1, false);
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
      const rows = db.prepare(`EXPLAIN QUERY PLAN ${unserved}`).all(...params(10)) as {
        detail: string;
      }[];
      expect(rows.some((row) => /TEMP B-TREE/.test(row.detail))).toBe(true);
    } finally {
      db.close();
    }
  });
});
