/**
 * graphile-worker measured with the shapes of Cloacina's W1, W2 and W4 (see `harness.ts`), on the
 * same machine and PostgreSQL server at the same moment:
 *
 *     npm run bench:peers            (every peer)
 *     npx tsx bench/peers/graphile-worker.ts W1,W4
 *
 * A completion is the `job:complete` event, emitted after the job's row is deleted. Each
 * workload runs in its own schema, dropped afterwards.
 */
import { Logger, makeWorkerUtils, run } from 'graphile-worker';
import {
  dropSchema,
  IN_FLIGHT,
  measurePeer,
  nextStep,
  PG_URL,
  Timeline,
  type Payload,
  type Peer,
} from './harness.js';

/** Errors only, to stderr. */
const quiet = new Logger(() => (level, message) => {
  if (level === 'error') process.stderr.write(`${message}\n`);
});
// graphile-worker formats a line per completed job unless told not to; it costs it CPU.
process.env.NO_LOG_SUCCESS = '1';

async function open(workload: string): Promise<Peer> {
  const schema = `gw_bench_${workload.toLowerCase()}_${process.pid}`;
  const timeline = new Timeline();
  const runner = await run({
    connectionString: PG_URL,
    schema,
    concurrency: IN_FLIGHT,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: quiet,
    taskList: {
      noop: async (payload, helpers) => {
        timeline.started(payload as Payload);
        const next = nextStep(payload as Payload);
        if (next !== undefined) await helpers.addJob('noop', next);
      },
    },
  });
  runner.events.on('job:complete', ({ job, error }) => {
    if (error !== undefined && error !== null)
      process.stderr.write(`job failed: ${String(error)}\n`);
    timeline.completed(job.payload as Payload);
  });
  const utils = await makeWorkerUtils({ connectionString: PG_URL, schema, logger: quiet });
  return {
    timeline,
    submit: async (payload) => {
      await utils.addJob('noop', payload);
    },
    stop: async () => {
      await runner.stop();
      await utils.release();
      await dropSchema(schema);
    },
  };
}

await measurePeer('graphile-worker', open);
