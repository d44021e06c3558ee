/**
 * Scale workloads: how cost grows with the size of the work.
 *
 * - **S2 wide and deep:** one workflow of 1 → 2,000 → 1 tasks and one chain of 500 tasks, each
 *   through `executeAsync` and `handle.wait()`: the time to schedule the wide one, the cost per
 *   task of each, and the process's memory after the first and the last wide run (it should not
 *   grow with the tasks already finished): RSS, and the JavaScript heap after a full collection.
 * - **S3 backlog:** 100,000 executions scheduled while no runner runs (through a `Client`),
 *   then a new runner starts and drains them: the time from its
 *   `create()` to the first task body, the drain rate, and the peak RSS while draining.
 */
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  Client,
  DefaultRunner,
  task,
  workflow,
  type Logger,
  type RunnerEvent,
} from '../src/index.js';
import { chain, fanOutIn } from './dags.js';
import { round } from './stats.js';
import type { WorkloadHooks, WorkloadOutcome } from './workloads.js';

/** Tasks between the wide workflow's root and join. */
export const WIDE = 2000;
/** Tasks in the deep chain. */
export const DEEP = 500;
/** Wide runs measured (after one warm-up run); memory is compared between the first and last. */
const WIDE_RUNS = 5;
/** Executions in the backlog (`CLOACINA_BENCH_BACKLOG` sets fewer, for a quick try). */
export const BACKLOG = Number(process.env.CLOACINA_BENCH_BACKLOG ?? 100_000);
/** Submits kept in flight while the backlog is written. */
const SUBMITTERS = 20;

const quiet: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => quiet,
};

const noop = (): void => undefined;

const mb = (bytes: number): number => round(bytes / 2 ** 20, 1);

/**
 * The JavaScript heap in use after a full garbage collection: what the process keeps, where RSS
 * also counts what the allocator has not returned to the system yet.
 */
function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  return process.memoryUsage().heapUsed;
}

/** One execution through the public path; returns the schedule time and the total, in ms. */
async function runOnce(runner: DefaultRunner, name: string): Promise<[number, number]> {
  const started = performance.now();
  const handle = await runner.executeAsync(name);
  const scheduled = performance.now();
  const result = await handle.wait(null);
  if (result.status !== 'Completed') throw new Error(`${name} ended ${result.status}`);
  return [scheduled - started, performance.now() - started];
}

/** S2: a 2,002-task workflow and a 500-task chain. */
export async function wideAndDeep(
  runner: DefaultRunner,
  hooks: WorkloadHooks,
): Promise<WorkloadOutcome> {
  runner.register(workflow({ name: 'wide', tasks: fanOutIn(WIDE, noop) }));
  runner.register(workflow({ name: 'deep', tasks: chain(DEEP, noop) }));
  await runOnce(runner, 'wide');
  await runOnce(runner, 'deep');
  hooks.afterWarmup();
  const schedules: number[] = [];
  const totals: number[] = [];
  const rss: number[] = [];
  const heap: number[] = [];
  for (let run = 0; run < WIDE_RUNS; run += 1) {
    const [scheduleMs, totalMs] = await runOnce(runner, 'wide');
    schedules.push(scheduleMs);
    totals.push(totalMs);
    rss.push(process.memoryUsage().rss);
    heap.push(heapAfterGc());
  }
  const [, deepMs] = await runOnce(runner, 'deep');
  const best = (values: number[]): number => Math.min(...values);
  return {
    units: WIDE_RUNS + 1,
    metrics: {
      wideScheduleMs: round(best(schedules), 1),
      wideTaskUs: round((best(totals) * 1000) / (WIDE + 2), 1),
      deepTaskUs: round((deepMs * 1000) / DEEP, 1),
      rssFirstWideMb: mb(rss[0]!),
      rssLastWideMb: mb(rss.at(-1)!),
      heapFirstWideMb: mb(heap[0]!),
      heapLastWideMb: mb(heap.at(-1)!),
    },
  };
}

/** S3: a backlog written while no runner runs, then drained by a runner started after it. */
export async function backlog(
  _runner: DefaultRunner,
  hooks: WorkloadHooks,
): Promise<WorkloadOutcome> {
  const shape = workflow({ name: 'backlog', tasks: [task({ id: 'only' }, noop)] });
  const base = { logger: quiet, ...(hooks.schema === undefined ? {} : { schema: hooks.schema }) };
  // A runner stores the definition; a client (which runs nothing) then writes the backlog.
  const definer = await DefaultRunner.create(hooks.url, base);
  definer.register(shape);
  await definer.definitionsStored();
  await definer.shutdown();
  const client = await Client.connect(hooks.url, base);
  let next = 0;
  const submit = async (): Promise<void> => {
    while (next < BACKLOG) {
      next += 1;
      await client.executeAsync('backlog');
    }
  };
  const writeStarted = performance.now();
  await Promise.all(Array.from({ length: SUBMITTERS }, submit));
  const writeMs = performance.now() - writeStarted;
  await client.close();
  hooks.afterWarmup();

  let firstBodyAt = 0;
  let finished = 0;
  let lastAt = 0;
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);
  let drained = (): void => undefined;
  const done = new Promise<void>((resolve) => (drained = resolve));
  const onEvent = (event: RunnerEvent): void => {
    if (event.type !== 'workflow_completed') return;
    finished += 1;
    if (finished === BACKLOG) {
      lastAt = performance.now();
      drained();
    }
  };
  const startedAt = performance.now();
  const drainer = await DefaultRunner.create(hooks.url, { ...base, maxConcurrentTasks: 10 });
  try {
    drainer.on('event', onEvent);
    drainer.register(
      workflow({
        name: 'backlog',
        tasks: [
          task({ id: 'only' }, () => {
            if (firstBodyAt === 0) firstBodyAt = performance.now();
          }),
        ],
      }),
    );
    await done;
  } finally {
    clearInterval(sampler);
    await drainer.shutdown();
  }
  return {
    units: BACKLOG,
    metrics: {
      writePerSec: round(BACKLOG / (writeMs / 1000), 1),
      firstStartMs: round(firstBodyAt - startedAt, 1),
      drainPerSec: round(BACKLOG / ((lastAt - firstBodyAt) / 1000), 1),
      drainPeakRssMb: mb(peakRss),
    },
  };
}
