/**
 * What a thread task costs per call: the median time of `execute()` of a one-task workflow
 * whose body does nothing, in the runner's thread and in a worker thread, one execution at a
 * time, on a SQLite file. The difference is the cost of isolation (figures in
 * docs/performance.md). `npx tsx bench/thread-overhead.ts [count]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DefaultRunner, task, workflow, type TaskIsolation } from '../src/index.js';
import { quietLogger } from './quiet.js';
import { warmUp } from './warmup.js';

const count = Number(process.argv[2] ?? 500);
const noop = new URL('./thread-noop.ts', import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'cloacina-thread-overhead-'));

/** Median `execute()` time in ms of `count` sequential executions. */
async function measure(isolate: TaskIsolation): Promise<number> {
  const runner = await DefaultRunner.create(`sqlite://${join(dir, `${isolate}.db`)}`, {
    logger: quietLogger,
  });
  try {
    const body = task({ id: 'noop', isolate, module: noop, export: 'noop' });
    runner.register(workflow({ name: 'noop', tasks: [body] }));
    await warmUp(() => runner.execute('noop'));
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      await runner.execute('noop');
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  } finally {
    await runner.shutdown();
  }
}

try {
  const none = await measure('none');
  const thread = await measure('thread');
  console.log(
    `median execute() of a no-op task over ${count}: in process ${none.toFixed(3)} ms, ` +
      `in a thread ${thread.toFixed(3)} ms, overhead ${(thread - none).toFixed(3)} ms`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
