/**
 * The benchmark suite (`npm run bench`): runs every workload of `bench/workloads.ts` on each
 * backend, each repetition in a fresh child process and a fresh database (a temp SQLite file, or
 * a PostgreSQL schema dropped afterwards), prints a table of medians against the targets of
 * issue 7 and writes everything to `bench/results/latest.json`.
 *
 *     npm run bench -- --only W1,W4 --backend sqlite --reps 3 [--count-sql] [--cpu-prof]
 *
 * Environment: `CLOACINA_BENCH_PG_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`),
 * `BENCH_T1_SECONDS` (length of T1's measuring window, default 30), `CLOACINA_BENCH_HISTORY` (the
 * finished executions S1 seeds, default 1,000,000), `CLOACINA_BENCH_S4_TRIGGERS` and
 * `CLOACINA_BENCH_S4_SECONDS` (S4's trigger count and window, default 10,000 and 20),
 * `CLOACINA_BENCH_S5_TRIGGERS` and `CLOACINA_BENCH_S5_CPU_MS` (S5's skipping triggers, default
 * 1,000, and its CPU task's length, default 5,000).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { median, round } from './stats.js';
import { WORKLOADS, type Metrics, type WorkloadName } from './workloads.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = join(ROOT, 'bench', 'results');
const PG_URL = process.env.CLOACINA_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A backend the suite can run on. */
type Backend = 'sqlite' | 'postgres';

/** A bound on a metric: at least `min` or at most `max`. */
interface Target {
  readonly min?: number;
  readonly max?: number;
}

const RSS_TARGET: Target = { max: 200 };
const T1_TARGETS: Record<string, Target> = {
  cpuPercent: { max: 15 },
  latenessP99Ms: { max: 50 },
  fireToStartP50Ms: { max: 5 },
};

/** HTTP API targets: list pages over 100,000 executions, one event to 100 stream clients. */
const HTTP_TARGETS = {
  H1: { listP50Ms: { max: 20 }, listP99Ms: { max: 50 }, failedP99Ms: { max: 50 } },
  H2: { fanoutP99Ms: { max: 50 } },
} as const;

/**
 * Scale targets: with a history of a million finished executions, throughput and latency within
 * 10 % of the empty database's and every listing in 20 ms; a 2,002-task workflow scheduled in
 * 200 ms; a backlog drained in 250 MB; 10,000 skipping triggers on a 10 s interval polled at
 * 15 % of a core, 100 ms late at most (p99); next to a 5 s CPU task in a worker thread,
 * heartbeats late by at most 1 s, trigger polls by 50 ms (p99), and W4's start p50 within twice
 * its idle figure.
 */
const SCALE_TARGETS = {
  S1: {
    w1Ratio: { min: 0.9 },
    w1CpuRatio: { max: 1.1 },
    burstRatio: { min: 0.9 },
    startP50Ratio: { max: 1.1 },
    startP99Ratio: { max: 1.1 },
    startP99WhilePruningMs: { max: 20 },
    startP99WhileListingMs: { max: 20 },
    startP99WhileStatsMs: { max: 20 },
    ...Object.fromEntries(
      [
        'listAll',
        'listWorkflow',
        'listCompleted',
        'listFailed',
        'listCancelledNone',
        'listWorkflowFailed',
        'listWorkflowFailedNone',
        'listAfterDeep',
        'listFailedAfterDeep',
        'pageAll',
        'pageFailedOrCancelled',
        'pageRange',
        'pageWorkflowRange',
        'pageDeepCursor',
        'statsHour',
        'statsWeek',
        'idPrefix',
        'events',
        'eventsPage',
      ].map((listing) => [`${listing}P99Ms`, { max: 20 }]),
    ),
  },
  S2: { wideScheduleMs: { max: 200 } },
  S3: { firstStartMs: { max: 100 }, drainPeakRssMb: { max: 250 } },
  S4: { cpuPercent: { max: 15 }, latenessP99Ms: { max: 100 } },
  S5: {
    threadHeartbeatLateMaxMs: { max: 1000 },
    threadTriggerP99Ms: { max: 50 },
    threadW4VsIdle: { max: 2 },
  },
} as const;

/** The targets of issue 7 (medians on a 2-core machine). */
const TARGETS: Record<Backend, Partial<Record<WorkloadName, Record<string, Target>>>> = {
  sqlite: {
    W1: { workflowsPerSec: { min: 6000 } },
    W2: { workflowsPerSec: { min: 2000 } },
    W3: { workflowsPerSec: { min: 250 } },
    W4: { startP50Ms: { max: 0.5 } },
    T1: T1_TARGETS,
    H1: HTTP_TARGETS.H1,
    H2: HTTP_TARGETS.H2,
    ...SCALE_TARGETS,
  },
  postgres: {
    W1: { workflowsPerSec: { min: 2500 } },
    W2: { workflowsPerSec: { min: 800 } },
    W3: { workflowsPerSec: { min: 100 } },
    W4: { startP50Ms: { max: 1.5 } },
    T1: T1_TARGETS,
    H1: HTTP_TARGETS.H1,
    H2: HTTP_TARGETS.H2,
    ...SCALE_TARGETS,
  },
};

/** What one child process reported. */
interface ChildReport {
  readonly metrics?: Metrics;
  readonly units?: number;
  readonly sql?: unknown;
  readonly skipped?: string;
  readonly error?: string;
}

/** The result of one workload on one backend. */
interface WorkloadReport {
  readonly backend: Backend;
  readonly workload: WorkloadName;
  readonly skipped?: string;
  readonly medians: Metrics;
  readonly runs: Metrics[];
  readonly sql?: unknown;
}

function runChild(args: string[], nodeFlags: string[]): Promise<ChildReport> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [...nodeFlags, '--import', 'tsx', join(ROOT, 'bench', 'workload.ts'), ...args],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => {
      const line = stdout
        .trim()
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('{'));
      if (stderr.trim() !== '') process.stderr.write(stderr.trim().slice(0, 2000) + '\n');
      if (line === undefined) {
        resolve({ error: `exit ${String(code)} without a result: ${stderr.trim().slice(0, 500)}` });
        return;
      }
      resolve(JSON.parse(line) as ChildReport);
    });
  });
}

async function pgAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Why PostgreSQL cannot be benchmarked, or undefined when it can. */
async function pgUnavailable(): Promise<string | undefined> {
  try {
    await pgAdmin((c) => c.query('SELECT 1'));
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${PG_URL} is unreachable (${(error as Error).message}); set CLOACINA_BENCH_PG_URL`;
  }
}

/** One repetition: a fresh database, a fresh process, cleanup. */
async function repetition(
  backend: Backend,
  workload: WorkloadName,
  rep: number,
  options: { countSql: boolean; cpuProf: boolean },
): Promise<ChildReport> {
  const args = ['--workload', workload];
  if (options.countSql) args.push('--count-sql');
  const flags = options.cpuProf
    ? ['--cpu-prof', '--cpu-prof-dir', join(RESULTS, 'profiles', `${backend}-${workload}`)]
    : [];
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'cloacina-bench-'));
    try {
      return await runChild([...args, '--url', `sqlite://${join(dir, 'bench.db')}`], flags);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const schema = `bench_${workload.toLowerCase()}_${process.pid}_${rep}`;
  try {
    return await runChild([...args, '--url', PG_URL, '--schema', schema], flags);
  } finally {
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)).catch(
      (error: unknown) => console.warn(`could not drop schema ${schema}: ${String(error)}`),
    );
  }
}

/**
 * Commits per second this machine manages right now (the machine is shared, so the figures of a
 * run are read against it): single-row `BEGIN IMMEDIATE … COMMIT` on a fresh SQLite file with
 * `synchronous=FULL`, or single-row autocommit INSERTs on one PostgreSQL connection.
 */
async function commitProbe(backend: Backend): Promise<number> {
  const durationMs = 1000;
  let n = 0;
  const start = performance.now();
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'cloacina-probe-'));
    const db = new Database(join(dir, 'probe.db'));
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
      const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
      while (performance.now() - start < durationMs) {
        db.exec('BEGIN IMMEDIATE');
        insert.run('x');
        db.exec('COMMIT');
        n += 1;
      }
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    await pgAdmin(async (c) => {
      await c.query('CREATE TEMP TABLE bench_probe (id SERIAL PRIMARY KEY, v TEXT)');
      while (performance.now() - start < durationMs) {
        await c.query('INSERT INTO bench_probe (v) VALUES ($1)', ['x']);
        n += 1;
      }
    });
  }
  return Math.round(n / ((performance.now() - start) / 1000));
}

function medians(runs: Metrics[]): Metrics {
  const out: Metrics = {};
  for (const key of Object.keys(runs[0] ?? {})) {
    out[key] = round(median(runs.map((r) => r[key]!)), 3);
  }
  return out;
}

function verdict(value: number, target: Target | undefined): string {
  if (target === undefined) return '';
  const ok =
    (target.min === undefined || value >= target.min) &&
    (target.max === undefined || value <= target.max);
  return ok ? 'met' : 'MISSED';
}

function describeTarget(target: Target | undefined): string {
  if (target === undefined) return '';
  return target.min !== undefined ? `>= ${target.min}` : `<= ${String(target.max)}`;
}

function printTable(reports: WorkloadReport[]): string {
  const rows: string[][] = [['backend', 'workload', 'metric', 'median', 'runs', 'target', '']];
  for (const r of reports) {
    if (r.skipped !== undefined) {
      rows.push([r.backend, r.workload, 'skipped', r.skipped, '', '', '']);
      continue;
    }
    for (const [metric, value] of Object.entries(r.medians)) {
      const target = metric === 'rssMb' ? RSS_TARGET : TARGETS[r.backend][r.workload]?.[metric];
      rows.push([
        r.backend,
        r.workload,
        metric,
        String(value),
        r.runs.map((run) => String(run[metric])).join(' / '),
        describeTarget(target),
        verdict(value, target),
      ]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map(
    (row) => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`,
  );
  lines.splice(1, 0, `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  return lines.join('\n');
}

async function machine(): Promise<Record<string, unknown>> {
  const cpuInfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /model name\s*:\s*(.+)/.exec(cpuInfo)?.[1] ?? cpus()[0]?.model ?? 'unknown';
  const probe = new Database(':memory:');
  const sqlite = (probe.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  probe.close();
  const postgres = await pgAdmin(
    async (c) =>
      (await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v,
  ).catch(() => 'unreachable');
  return {
    cpus: cpus().length,
    cpuModel: model,
    memoryGb: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    sqlite,
    postgres,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      backend: { type: 'string', default: 'all' },
      reps: { type: 'string', default: '3' },
      'count-sql': { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
    },
  });
  const only = values.only?.split(',').map((s) => s.trim().toUpperCase());
  const unknown = only?.filter((w) => !(WORKLOADS as readonly string[]).includes(w)) ?? [];
  if (unknown.length > 0)
    throw new Error(`unknown workloads ${unknown.join(', ')}; use ${WORKLOADS.join(',')}`);
  const workloads = WORKLOADS.filter((w) => only === undefined || only.includes(w));
  const backends: Backend[] =
    values.backend === 'all' ? ['sqlite', 'postgres'] : [values.backend as Backend];
  if (!backends.every((b) => b === 'sqlite' || b === 'postgres')) {
    throw new Error(`--backend must be sqlite, postgres or all; received ${values.backend}`);
  }
  const reps = Number(values.reps);
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps must be a positive integer`);
  const options = { countSql: values['count-sql'] === true, cpuProf: values['cpu-prof'] === true };

  const loadBefore = loadavg();
  const startedAt = new Date().toISOString();
  const reports: WorkloadReport[] = [];
  const probes: Partial<Record<Backend, number>> = {};
  for (const backend of backends) {
    const unavailable = backend === 'postgres' ? await pgUnavailable() : undefined;
    if (unavailable === undefined) {
      probes[backend] = await commitProbe(backend);
      console.log(`${backend}: baseline ${probes[backend]} single-row commits/s right now`);
    }
    for (const workload of workloads) {
      if (unavailable !== undefined) {
        console.log(`postgres ${workload}: skipped — ${unavailable}`);
        reports.push({ backend, workload, skipped: unavailable, medians: {}, runs: [] });
        continue;
      }
      const runs: Metrics[] = [];
      let skipped: string | undefined;
      let sql: unknown;
      for (let rep = 0; rep < reps; rep += 1) {
        const report = await repetition(backend, workload, rep, options);
        if (report.skipped !== undefined || report.error !== undefined) {
          skipped = report.skipped ?? `failed: ${report.error!.split('\n')[0]!}`;
          if (report.error !== undefined) console.error(report.error);
          break;
        }
        runs.push(report.metrics!);
        sql ??= report.sql;
        console.log(
          `${backend} ${workload} rep ${rep + 1}/${reps}: ${JSON.stringify(report.metrics)}`,
        );
      }
      reports.push({ backend, workload, skipped, medians: medians(runs), runs, sql });
    }
  }

  const table = printTable(reports);
  const loadAfter = loadavg();
  console.log(
    `\nload average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}\n`,
  );
  console.log(table);
  for (const [backend, rate] of Object.entries(probes)) {
    console.log(
      `baseline ${backend}: ${rate} single-row commits/s (durable) measured before its workloads`,
    );
  }
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, 'latest.json');
  writeFileSync(
    file,
    `${JSON.stringify({ startedAt, machine: await machine(), loadBefore, loadAfter, commitProbes: probes, reps, reports }, null, 2)}\n`,
  );
  console.log(`\nwrote ${file}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
