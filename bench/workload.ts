/**
 * One benchmark workload in its own process (spawned by `bench/run.ts`):
 *
 *     node --import tsx bench/workload.ts --workload W1 --url sqlite:///tmp/x.db [--schema s] [--count-sql]
 *
 * Creates the runner (`maxConcurrentTasks: 10`, the workload's `RUNNER_SETTINGS`, a logger that stays quiet except for warnings on
 * stderr), runs the workload and prints exactly one JSON line on stdout: the figures, the peak
 * RSS of this process, and optionally statement counts per workflow.
 */
import { parseArgs } from 'node:util';
import { DefaultRunner, type Logger } from '../src/index.js';
import { installSqlCounters, readCounts, resetCounts } from './sql-count.js';
import { RUNNER_SETTINGS, WORKLOADS, runWorkload, type WorkloadName } from './workloads.js';

/** Warnings and errors go to stderr as JSON; everything below is dropped. */
const quietLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (obj, msg) => process.stderr.write(`${JSON.stringify({ level: 'warn', msg, obj })}\n`),
  error: (obj, msg) => process.stderr.write(`${JSON.stringify({ level: 'error', msg, obj })}\n`),
  child: () => quietLogger,
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      workload: { type: 'string' },
      url: { type: 'string' },
      schema: { type: 'string' },
      'count-sql': { type: 'boolean', default: false },
    },
  });
  const workload = values.workload as WorkloadName | undefined;
  if (workload === undefined || !WORKLOADS.includes(workload) || values.url === undefined) {
    throw new Error(`usage: workload.ts --workload ${WORKLOADS.join('|')} --url URL [--schema S]`);
  }
  const countSql = values['count-sql'] === true;
  if (countSql) installSqlCounters();

  const runner = await DefaultRunner.create(values.url, {
    ...RUNNER_SETTINGS[workload],
    maxConcurrentTasks: 10,
    logger: quietLogger,
    ...(values.schema === undefined ? {} : { schema: values.schema }),
  });
  try {
    if (
      workload === 'T1' &&
      typeof (runner as unknown as { registerTrigger?: unknown }).registerTrigger !== 'function'
    ) {
      process.stdout.write(
        `${JSON.stringify({ skipped: 'runner.registerTrigger is not available yet' })}\n`,
      );
      return;
    }
    const outcome = await runWorkload(workload, runner, {
      afterWarmup: resetCounts,
      url: values.url,
      ...(values.schema === undefined ? {} : { schema: values.schema }),
    });
    const sql = countSql ? readCounts(outcome.units) : undefined;
    const rssMb = Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
    process.stdout.write(
      `${JSON.stringify({ metrics: { ...outcome.metrics, rssMb }, units: outcome.units, sql })}\n`,
    );
  } finally {
    await runner.shutdown({ timeout: '5s' });
  }
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stdout.write(`${JSON.stringify({ error: message })}\n`);
  process.exitCode = 1;
});
