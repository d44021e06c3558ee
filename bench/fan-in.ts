/**
 * How one wide DAG scales: a single execution of root → N branches → join, each branch setting
 * a key of its own, on a fresh database. Prints the time from `execute` to its result, and checks
 * that the join and the final context saw every key. Not part of `npm run bench` (one execution,
 * no warm-up): it shows whether the cost per branch stays flat as N grows.
 *
 *     npx tsx bench/fan-in.ts [N=2000] [sqlite|postgres] [maxConcurrentTasks=8]
 *
 * Environment: `CLOACINA_BENCH_PG_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { DefaultRunner, task, workflow } from '../src/index.js';
import { quietLogger } from './quiet.js';

const PG_URL = process.env.CLOACINA_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const n = Number(process.argv[2] ?? 2000);
const backend = process.argv[3] === 'postgres' ? 'postgres' : 'sqlite';
const slots = Number(process.argv[4] ?? 8);

const dir = mkdtempSync(join(tmpdir(), 'cloacina-fan-in-'));
const schema = `fan_in_${randomBytes(4).toString('hex')}`;
const runner = await DefaultRunner.create(
  backend === 'sqlite' ? `sqlite://${join(dir, 'fan-in.db')}` : PG_URL,
  { maxConcurrentTasks: slots, logger: quietLogger, ...(backend === 'postgres' ? { schema } : {}) },
);
try {
  const root = task({ id: 'root' }, (ctx) => {
    ctx.set('seed', 1);
  });
  const branches = Array.from({ length: n }, (_, i) =>
    task({ id: `b${i}`, dependencies: ['root'] }, (ctx) => {
      ctx.set(`k${i}`, i);
    }),
  );
  let joined = 0;
  const fanIn = task({ id: 'join', dependencies: branches.map((b) => b.id) }, (ctx) => {
    joined = ctx.keys().filter((key) => key.startsWith('k')).length;
  });
  const built = performance.now();
  runner.register(workflow({ name: 'fan_in', tasks: [root, ...branches, fanIn] }));
  const started = performance.now();
  const result = await runner.execute('fan_in', {}, { timeout: null });
  const ms = performance.now() - started;
  const final = result.finalContext.keys().filter((key) => key.startsWith('k')).length;
  console.log(
    JSON.stringify({
      backend,
      n,
      status: result.status,
      joinSawKeys: joined,
      finalKeys: final,
      buildMs: Math.round(started - built),
      executeMs: Math.round(ms),
      msPerBranch: Math.round((ms / n) * 1000) / 1000,
    }),
  );
} finally {
  await runner.shutdown();
  rmSync(dir, { recursive: true, force: true });
  if (backend === 'postgres') {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  }
}
