/**
 * Keyset pages of executions at depth: seeds a fresh database with `count` executions (default
 * 100,000) and walks `Client.listExecutionsPage({ limit: 50 })` page by page, unfiltered and
 * with workflow and status filters, timing every page; prints p50, p99 and max per variant, and
 * with `--explain` the plan of each variant's deepest page (SQLite `EXPLAIN QUERY PLAN`,
 * PostgreSQL `EXPLAIN (ANALYZE, BUFFERS)` with the settings the adapter's connections use).
 * Not part of `npm run bench`.
 *
 *     npx tsx bench/list-pages.ts sqlite|postgres [--count 100000] [--max-pages 2000] [--explain]
 *
 * Seeding is `bench/seed.ts`: through `runner.executeAsync`, 90 % Completed (`orders`,
 * `reports`), 10 % Failed (`audits`), none Cancelled (the "no match" status).
 *
 * Environment: `CLOACINA_BENCH_PG_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Client, DefaultRunner, type ListExecutionsPageOptions } from '../src/index.js';
import { windowStatement } from '../src/store/ops/execution-pages.js';
import { percentile, round } from './stats.js';
import { quietLogger } from './quiet.js';
import { registerSeedWorkflows, seedExecutions } from './seed.js';

const PG_URL = process.env.CLOACINA_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    count: { type: 'string', default: '100000' },
    'max-pages': { type: 'string', default: '2000' },
    explain: { type: 'boolean', default: false },
  },
});
const backend = positionals[0] === 'postgres' ? 'postgres' : 'sqlite';
const count = Number(values.count);
const maxPages = Number(values['max-pages']);
const LIMIT = 50;

const dir = mkdtempSync(join(tmpdir(), 'cloacina-list-pages-'));
const file = join(dir, 'list-pages.db');
const schema = `list_pages_${randomBytes(4).toString('hex')}`;
const url = backend === 'sqlite' ? `sqlite://${file}` : PG_URL;
const options = backend === 'postgres' ? { schema } : {};

const VARIANTS: Record<string, Omit<ListExecutionsPageOptions, 'limit' | 'cursor'>> = {
  all: {},
  'workflow=orders': { workflow: 'orders' },
  'status=Completed': { status: 'Completed' },
  'status=Failed': { status: 'Failed' },
  'status=Cancelled (none)': { status: 'Cancelled' },
  'status=Failed,Cancelled': { status: ['Failed', 'Cancelled'] },
  'workflow=audits,status=Failed': { workflow: 'audits', status: 'Failed' },
  'workflow=orders,status=Failed (none)': { workflow: 'orders', status: 'Failed' },
};

interface Walk {
  readonly pages: number;
  readonly rows: number;
  readonly times: number[];
  /** The cursor of the deepest page read (null for the first page). */
  readonly deepest: string | null;
}

async function walk(client: Client, filter: (typeof VARIANTS)[string]): Promise<Walk> {
  const times: number[] = [];
  let cursor: string | null = null;
  let deepest: string | null = null;
  let rows = 0;
  do {
    deepest = cursor;
    const t0 = performance.now();
    const page = await client.listExecutionsPage({ ...filter, limit: LIMIT, cursor });
    times.push(performance.now() - t0);
    rows += page.items.length;
    cursor = page.nextCursor;
  } while (cursor !== null && times.length < maxPages);
  return { pages: times.length, rows, times, deepest };
}

/** The plan of the page after `cursor` of `filter`, as the backend would run it. */
async function explain(filter: (typeof VARIANTS)[string], cursor: string | null): Promise<string> {
  // The key of a cursor is its first part, base64url JSON (see core/cursor.ts).
  const key =
    cursor === null
      ? null
      : (JSON.parse(Buffer.from(cursor.split('.')[0]!, 'base64url').toString('utf8')) as [
          number,
          string,
        ]);
  const status = filter.status;
  const { sql, params } = windowStatement({
    workflowName: filter.workflow,
    statuses: status === undefined ? undefined : typeof status === 'string' ? [status] : status,
    after: key === null ? null : { createdAtMs: key[0], id: key[1] },
    limit: LIMIT + 1,
    offset: 0,
  });
  if (backend === 'sqlite') {
    const db = new Database(file, { readonly: true });
    try {
      const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[];
      return rows.map((row) => `  ${row.detail}`).join('\n');
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(
      `SET search_path = "${schema}"; SET enable_seqscan = off; SET enable_bitmapscan = off`,
    );
    let n = 0;
    const numbered = sql.replace(/\?/g, () => `$${++n}`);
    const result = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${numbered}`,
      params,
    );
    return result.rows.map((row) => `  ${row['QUERY PLAN']}`).join('\n');
  } finally {
    await client.end();
  }
}

const runner = await DefaultRunner.create(url, {
  ...options,
  logger: quietLogger,
  maxConcurrentTasks: 32,
  enableTriggerScheduling: false,
  enableCronScheduling: false,
});
try {
  registerSeedWorkflows(runner);
  const seedMs = await seedExecutions(runner, count);
  console.log(
    `${backend}: seeded ${count} executions through executeAsync in ${round(seedMs / 1000, 1)} s ` +
      `(${round(count / (seedMs / 1000), 0)}/s)`,
  );
} finally {
  await runner.shutdown();
}

const client = await Client.connect(url, options);
try {
  // One unmeasured page per variant: connections, statement parsing and the page cache.
  for (const filter of Object.values(VARIANTS)) await client.listExecutionsPage(filter);
  console.log(`\n| variant | pages | rows | p50 ms | p99 ms | max ms |`);
  console.log(`|---|---|---|---|---|---|`);
  const deepest: Record<string, string | null> = {};
  for (const [name, filter] of Object.entries(VARIANTS)) {
    const result = await walk(client, filter);
    deepest[name] = result.deepest;
    const [p50, p99] = [50, 99].map((p) => round(percentile(result.times, p), 3));
    const max = round(Math.max(...result.times), 3);
    console.log(`| ${name} | ${result.pages} | ${result.rows} | ${p50} | ${p99} | ${max} |`);
  }
  if (values.explain) {
    for (const [name, filter] of Object.entries(VARIANTS)) {
      console.log(`\n${name}, the page after the deepest cursor:`);
      console.log(await explain(filter, deepest[name] ?? null));
    }
  }
} finally {
  await client.close();
  rmSync(dir, { recursive: true, force: true });
  if (backend === 'postgres') {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  }
}
