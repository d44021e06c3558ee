/**
 * What the test kit costs in real time: a virtual day of a once-a-minute cron (1,440
 * executions of a one-task workflow) through `createTestRunner` and `advance('1d')`, repeated
 * `reps` times on in-memory SQLite; prints each run's seconds and the median.
 * `npx tsx bench/test-kit.ts [reps]`.
 */
import { performance } from 'node:perf_hooks';
import { task, workflow } from '../src/index.js';
import { createTestRunner } from '../src/testing/index.js';

const reps = Number(process.argv[2] ?? 5);
const minutely = workflow({ name: 'minutely', tasks: [task({ id: 'tick' }, () => {})] });
const seconds: number[] = [];
for (let rep = 0; rep < reps; rep += 1) {
  const kit = await createTestRunner({ workflows: [minutely] });
  await kit.runner.registerCronWorkflow('minutely', '* * * * *');
  const started = performance.now();
  await kit.advance('1d');
  const elapsed = (performance.now() - started) / 1000;
  const executions = (await kit.executions('minutely')).length;
  await kit.close();
  if (executions !== 1440) throw new Error(`expected 1,440 executions, got ${executions}`);
  seconds.push(elapsed);
  console.log(`run ${rep + 1}: ${elapsed.toFixed(2)} s for 1,440 executions`);
}
const sorted = [...seconds].sort((a, b) => a - b);
console.log(
  `median: ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)} s of real time per virtual day`,
);
