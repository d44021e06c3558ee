/**
 * Keyset pages of executions at depth: seeds a fresh database with `count` executions (default
 * 100,000) and walks `Client.listExecutionsPage({ limit: 50 })` page by page, unfiltered and
 * with workflow and status filters, timing every page; prints p50, p99 and max per variant, and
 * with `--explain` the plan of each variant's deepest page (SQLite `EXPLAIN QUERY PLAN`,
 * PostgreSQL `EXPLAIN (ANALYZE, BUFFERS)` with the settings the adapter's connections use).
 * Then times `listExecutions({ limit: 50 })` (the array read, with tasks) per filter: its first
 * page, the page at half the history's depth by `offset`, and the same page by `after`.
 * Not part of `npm run bench`.
 *
 *     npx tsx bench/list-pages.ts sqlite|postgres [--count 100000] [--max-pages 2000] [--explain]
 *       [--seed runner|sql]
 *
 * Seeding is `bench/seed.ts`: through `runner.executeAsync` (`--seed runner`, the default), or
 * with one SQL statement and then `ANALYZE` (`--seed sql`: execution rows only, no tasks, a
 * million in seconds); either way 90 % Completed (`orders`, `reports`), 10 % Failed (`audits`),
 * none Cancelled (the "no match" status).
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
import {
  Client,
  type ListExecutionsOptions,
  type ListExecutionsPageOptions,
} from '../src/index.js';
import { windowStatement } from '../src/store/ops/execution-pages.js';
import { percentile, round } from './stats.js';
import { openSeedRunner, seedExecutions, seedFinishedExecutions } from './seed.js';
import { openStore } from '../src/store/open.js';

const PG_URL = process.env.CLOACINA_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    count: { type: 'string', default: '100000' },
    'max-pages': { type: 'string', default: '2000' },
    explain: { type: 'boolean', default: false },
    seed: { type: 'string', default: 'runner' },
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

/** Seeds through the runner, as a producer would. */
async function seedByRunner(): Promise<void> {
  const runner = await openSeedRunner(url, options);
  try {
    const seedMs = await seedExecutions(runner, count);
    console.log(
      `${backend}: seeded ${count} executions through executeAsync in ${round(seedMs / 1000, 1)} s ` +
        `(${round(count / (seedMs / 1000), 0)}/s)`,
    );
  } finally {
    await runner.shutdown();
  }
}

/** Seeds the execution rows with one statement, then gathers statistics. */
async function seedBySql(): Promise<void> {
  const store = await openStore(url, options);
  await store.migrate();
  await store.close();
  const t0 = performance.now();
  if (backend === 'sqlite') {
    const db = new Database(file);
    try {
      await seedFinishedExecutions(
        { dialect: 'sqlite', run: async (sql) => void db.exec(sql) },
        count,
      );
      db.exec('ANALYZE');
    } finally {
      db.close();
    }
  } else {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      await admin.query(`SET search_path = "${schema}"`);
      const run = async (sql: string): Promise<void> => void (await admin.query(sql));
      await seedFinishedExecutions({ dialect: 'postgres', run }, count);
      await admin.query('VACUUM ANALYZE workflow_executions');
    } finally {
      await admin.end();
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  console.log(`${backend}: seeded ${count} execution rows by SQL in ${round(seconds, 1)} s`);
}

if (values.seed === 'sql') await seedBySql();
else await seedByRunner();

/** The median of five timed calls of `read`, after one unmeasured. */
async function median(read: () => Promise<unknown>): Promise<number> {
  await read();
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await read();
    times.push(performance.now() - t0);
  }
  return round(percentile(times, 50), 3);
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
  // `listExecutions`: the filters it offers (one status at most), each with the share of the
  // history it matches, read at half that depth by offset and by key.
  console.log(`\n| listExecutions | first page ms | at half depth, offset ms | after ms |`);
  console.log(`|---|---|---|---|`);
  const arrayVariants: [string, ListExecutionsOptions, number][] = [
    ['all', {}, 1],
    ['workflow=orders', { workflowName: 'orders' }, 0.6],
    ['status=Failed', { status: 'Failed' }, 0.1],
    ['status=Cancelled (none)', { status: 'Cancelled' }, 0],
    ['workflow=audits,status=Failed', { workflowName: 'audits', status: 'Failed' }, 0.1],
  ];
  for (const [name, filter, share] of arrayVariants) {
    const depth = Math.floor((count * share) / 2);
    const [anchor] =
      depth === 0 ? [] : await client.listExecutions({ ...filter, limit: 1, offset: depth - 1 });
    const first = await median(() => client.listExecutions({ ...filter, limit: LIMIT }));
    const offset = await median(() =>
      client.listExecutions({ ...filter, limit: LIMIT, offset: depth }),
    );
    const after =
      anchor === undefined
        ? '–'
        : await median(() =>
            client.listExecutions({ ...filter, limit: LIMIT, after: anchor.executionId }),
          );
    console.log(`| ${name} | ${first} | ${offset} | ${after} |`);
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
