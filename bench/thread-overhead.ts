/**
 * What a thread task costs per call: the median time of `execute()` of a one-task workflow
 * whose body does nothing, in the runner's thread and in a worker thread, one execution at a
 * time, on a SQLite file per placement. The difference is the cost of isolation (figures in
 * docs/performance.md). `npx tsx bench/thread-overhead.ts [count] [--dist]`: `--dist` measures
 * the built package (`npx tsc -p tsconfig.build.json` first) instead of the sources.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type * as ContextModule from '../src/core/context.js';
import type * as Pool from '../src/engine/threads/pool.js';
import type * as Library from '../src/index.js';
import type { TaskIsolation } from '../src/index.js';
import { quietLogger } from './quiet.js';
import { warmUp } from './warmup.js';

const args = process.argv.slice(2);
const count = Number(args.find((arg) => !arg.startsWith('--')) ?? 500);
const dist = args.includes('--dist');
const { DefaultRunner, task, workflow } = (await import(
  dist ? '../dist/index.js' : '../src/index.js'
)) as typeof Library;
const dir = mkdtempSync(join(tmpdir(), 'cloacina-thread-overhead-'));
// The body, in JavaScript: a TypeScript module would add tsx's start to a thread's first call.
const noop = pathToFileURL(join(dir, 'noop.mjs'));
writeFileSync(noop, 'export function noop() {}\n');

/** A runner on its own SQLite file with the no-op workflow, its body placed by `isolate`. */
async function runnerFor(isolate: TaskIsolation): Promise<Library.DefaultRunner> {
  const runner = await DefaultRunner.create(`sqlite://${join(dir, `${isolate}.db`)}`, {
    logger: quietLogger,
  });
  runner.register(
    workflow({
      name: 'noop',
      tasks: [task({ id: 'noop', isolate, module: noop, export: 'noop' })],
    }),
  );
  return runner;
}

/** The median of `times`. */
function median(times: number[]): number {
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/**
 * Median `execute()` times in ms of the two placements. Their calls alternate, so a change of
 * the machine's load while measuring weighs on both alike.
 */
async function measure(): Promise<{ none: number; thread: number; first: number[] }> {
  const none = await runnerFor('none');
  const thread = await runnerFor('thread');
  try {
    // The first call of each: a thread task's starts the runner's first thread.
    const first: number[] = [];
    for (const runner of [none, thread]) {
      const start = performance.now();
      await runner.execute('noop');
      first.push(performance.now() - start);
    }
    await warmUp(() => Promise.all([none.execute('noop'), thread.execute('noop')]));
    const times = { none: [] as number[], thread: [] as number[] };
    for (let i = 0; i < count; i++) {
      for (const [name, runner] of [
        ['none', none],
        ['thread', thread],
      ] as const) {
        const start = performance.now();
        await runner.execute('noop');
        times[name].push(performance.now() - start);
      }
    }
    return { none: median(times.none), thread: median(times.thread), first };
  } finally {
    await Promise.all([none.shutdown(), thread.shutdown()]);
  }
}

/**
 * The hop alone, without the database: the median time of a body called in this thread and of
 * a round trip of the pool with the same body, in µs.
 */
async function measureHop(): Promise<{ call: number; hop: number }> {
  const { TaskThreads } = (await import(
    dist ? '../dist/engine/threads/pool.js' : '../src/engine/threads/pool.js'
  )) as typeof Pool;
  const { Context } = (await import(
    dist ? '../dist/core/context.js' : '../src/core/context.js'
  )) as typeof ContextModule;
  const handle: Library.TaskHandle = {
    signal: new AbortController().signal,
    attempt: 1,
    executionId: 'e',
    taskId: 't',
    log: quietLogger,
    deferUntil: () => Promise.resolve(),
  };
  const threads = new TaskThreads(1, quietLogger);
  const module = { url: noop.href, export: 'noop', sourceHash: '' };
  const fn = ((await import(noop.href)) as { noop: Library.TaskFunction }).noop;
  try {
    const hop = () => threads.run({ module, input: { n: 1 }, handle });
    const call = async () => {
      const ctx = Context.fromJSON({ n: 1 });
      await fn(ctx, handle);
      return ctx.toJSON();
    };
    await warmUp(() => Promise.all([hop(), call()]));
    const times = { call: [] as number[], hop: [] as number[] };
    for (let i = 0; i < count; i++) {
      for (const [name, run] of [
        ['call', call],
        ['hop', hop],
      ] as const) {
        const start = performance.now();
        await run();
        times[name].push((performance.now() - start) * 1000);
      }
    }
    return { call: median(times.call), hop: median(times.hop) };
  } finally {
    await threads.destroy();
  }
}

try {
  const { call, hop } = await measureHop();
  console.log(
    `${dist ? 'dist' : 'sources'}: median no-op body alone: called ${call.toFixed(1)} µs, ` +
      `through the thread pool ${hop.toFixed(1)} µs`,
  );
  const { none, thread, first } = await measure();
  console.log(
    `${dist ? 'dist' : 'sources'}: median execute() of a no-op task over ${count}: in process ${none.toFixed(3)} ms, ` +
      `in a thread ${thread.toFixed(3)} ms, overhead ${(thread - none).toFixed(3)} ms; ` +
      `first call ${first[0]!.toFixed(1)} ms in process, ${first[1]!.toFixed(1)} ms in a thread`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
