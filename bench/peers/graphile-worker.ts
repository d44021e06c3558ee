/**
 * graphile-worker measured with the shapes of Cloacina's W1, W2 and W4 (`bench/workloads.ts`), on
 * the same machine and server at the same moment, so the two can be compared without the
 * machine's day-to-day drift:
 *
 *     npm run bench:peers
 *
 * Same producer as Cloacina's: 10 `addJob` calls in flight, no bulk API; worker concurrency 10;
 * no-op task bodies; a completion is the `job:complete` event, emitted after the job's row is
 * deleted. W2's chain is the usual graphile-worker idiom: each step adds the next job. Each
 * workload runs in its own schema (dropped afterwards), after a warm-up of the same shape.
 * Prints one JSON line per workload.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger, makeWorkerUtils, run, type Runner, type WorkerUtils } from 'graphile-worker';
import pg from 'pg';
import { warmUp } from '../warmup.js';

const URL = process.env.CLOACINA_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const IN_FLIGHT = 10;
/** Errors only, to stderr. */
const quiet = new Logger(() => (level, message) => {
  if (level === 'error') process.stderr.write(`${message}\n`);
});
// graphile-worker formats a line per completed job unless told not to; it costs it CPU.
process.env.NO_LOG_SUCCESS = '1';

interface Harness {
  readonly runner: Runner;
  readonly utils: WorkerUtils;
  readonly schema: string;
  /** Resolves when `n` jobs have completed in total. */
  completed(n: number): Promise<void>;
  readonly completedAt: Map<string, number>;
  readonly startedAt: Map<string, number>;
}

async function start(workload: string): Promise<Harness> {
  const schema = `gw_bench_${workload.toLowerCase()}_${process.pid}`;
  const completedAt = new Map<string, number>();
  const startedAt = new Map<string, number>();
  let target = Number.POSITIVE_INFINITY;
  let onTarget: (() => void) | undefined;
  let completedCount = 0;
  const runner = await run({
    connectionString: URL,
    schema,
    concurrency: IN_FLIGHT,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: quiet,
    taskList: {
      noop: (payload: unknown, helpers) => {
        startedAt.set(String(helpers.job.id), performance.now());
        const step = (payload as { step?: number } | null)?.step;
        if (step !== undefined && step < 2) {
          return helpers
            .addJob('noop', { step: step + 1, chain: (payload as { chain: string }).chain })
            .then(() => undefined);
        }
        return Promise.resolve();
      },
    },
  });
  runner.events.on('job:complete', ({ job, error }) => {
    if (error !== undefined && error !== null)
      process.stderr.write(`job failed: ${String(error)}\n`);
    const payload = job.payload as { step?: number; chain?: string } | null;
    // A chain is done when its last step completes.
    if (payload?.step !== undefined && payload.step < 2) return;
    completedAt.set(payload?.chain ?? String(job.id), performance.now());
    completedCount += 1;
    if (completedCount >= target) onTarget?.();
  });
  const utils = await makeWorkerUtils({ connectionString: URL, schema, logger: quiet });
  return {
    runner,
    utils,
    schema,
    completedAt,
    startedAt,
    completed: (n) =>
      completedCount >= n
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            target = n;
            onTarget = resolve;
          }),
  };
}

async function stop(h: Harness): Promise<void> {
  await h.runner.stop();
  await h.utils.release();
  const client = new pg.Client({ connectionString: URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${h.schema} CASCADE`);
  await client.end();
}

/** Adds `count` jobs (or chains) with IN_FLIGHT adds in flight; ms from first add to last completion. */
async function pushThrough(
  h: Harness,
  count: number,
  chain: boolean,
  done: number,
): Promise<number> {
  const startAt = performance.now();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      const id = `${done + next}`;
      await h.utils.addJob('noop', chain ? { step: 0, chain: id } : {});
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  await h.completed(done + count);
  return Math.max(...h.completedAt.values()) - startAt;
}

async function throughput(workload: 'W1' | 'W2', count: number, warmup: number): Promise<object> {
  const h = await start(workload);
  try {
    const chain = workload === 'W2';
    // The same warm-up as bench/workloads.ts.
    let done = 0;
    await warmUp(async () => {
      await pushThrough(h, warmup, chain, done);
      done += warmup;
    });
    const cpuBefore = process.cpuUsage();
    const elapsedMs = await pushThrough(h, count, chain, done);
    const cpu = process.cpuUsage(cpuBefore);
    return {
      workload,
      workflowsPerSec: Math.round((count / elapsedMs) * 1000 * 10) / 10,
      cpuUsPerWorkflow: Math.round((cpu.user + cpu.system) / count),
    };
  } finally {
    await stop(h);
  }
}

async function latency(count: number, warmup: number): Promise<object> {
  const h = await start('W4');
  const toStart: number[] = [];
  const toEnd: number[] = [];
  let done = 0;
  const one = async (record: boolean): Promise<void> => {
    const submitAt = performance.now();
    const job = await h.utils.addJob('noop', {});
    done += 1;
    await h.completed(done);
    if (record) {
      toStart.push(h.startedAt.get(String(job.id))! - submitAt);
      toEnd.push(h.completedAt.get(String(job.id))! - submitAt);
    }
    await sleep(10 + Math.random() * 10);
  };
  try {
    await warmUp(async () => {
      for (let i = 0; i < warmup; i += 1) await one(false);
    });
    for (let i = 0; i < count; i += 1) await one(true);
  } finally {
    await stop(h);
  }
  const p = (values: number[], q: number): number => {
    const sorted = [...values].sort((a, b) => a - b);
    return (
      Math.round(
        sorted[Math.min(sorted.length - 1, Math.floor((q / 100) * sorted.length))]! * 1000,
      ) / 1000
    );
  };
  return {
    workload: 'W4',
    startP50Ms: p(toStart, 50),
    startP95Ms: p(toStart, 95),
    endP50Ms: p(toEnd, 50),
  };
}

const only = (process.argv[2] ?? 'W1,W2,W4').split(',');
if (only.includes('W1')) console.log(JSON.stringify(await throughput('W1', 2000, 200)));
if (only.includes('W2')) console.log(JSON.stringify(await throughput('W2', 300, 50)));
if (only.includes('W4')) console.log(JSON.stringify(await latency(200, 20)));
