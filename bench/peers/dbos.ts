/**
 * DBOS Transact measured with the shapes of Cloacina's W1–W4 (see `harness.ts`), on the same
 * machine and PostgreSQL server at the same moment:
 *
 *     npm run bench:peers            (every peer)
 *     npx tsx bench/peers/dbos.ts W1,W3
 *
 * DBOS has workflows of its own, so each shape is one durable workflow whose steps are no-op
 * `DBOS.runStep` calls: W1 one step, W2 a chain of them, W3 a root, 20 steps at once
 * (`Promise.all`) and a join. The producer keeps 10 `DBOS.startWorkflow` calls in flight, as
 * Cloacina's keeps 10 `executeAsync` calls; DBOS runs every started workflow at once (no queue,
 * its usual use). A completion is the workflow's result reaching its handle. Each workload has
 * its own system-database schema, dropped afterwards.
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import {
  CHAIN_LENGTH,
  dropSchema,
  FAN_OUT,
  measurePeer,
  PG_URL,
  Timeline,
  type Peer,
} from './harness.js';

const noop = (): Promise<void> => Promise.resolve();

/** Workflows by workload; each records its first step's start in the current timeline. */
let timeline = new Timeline();

const shapes: Record<string, (key: string) => Promise<void>> = {
  W1: DBOS.registerWorkflow(
    async (key: string) => {
      await DBOS.runStep(async () => timeline.started({ key }), { name: 'only' });
    },
    { name: 'w1' },
  ),
  W2: DBOS.registerWorkflow(
    async (key: string) => {
      await DBOS.runStep(async () => timeline.started({ key }), { name: 's0' });
      for (let i = 1; i < CHAIN_LENGTH; i += 1) await DBOS.runStep(noop, { name: `s${i}` });
    },
    { name: 'w2' },
  ),
  W3: DBOS.registerWorkflow(
    async (key: string) => {
      await DBOS.runStep(async () => timeline.started({ key }), { name: 'root' });
      await Promise.all(
        Array.from({ length: FAN_OUT }, (_, i) => DBOS.runStep(noop, { name: `p${i}` })),
      );
      await DBOS.runStep(noop, { name: 'join' });
    },
    { name: 'w3' },
  ),
};
shapes.W4 = shapes.W1!;

async function open(workload: string): Promise<Peer> {
  const schema = `dbos_bench_${workload.toLowerCase()}_${process.pid}`;
  const workflow = shapes[workload]!;
  timeline = new Timeline();
  const current = timeline;
  DBOS.setConfig({
    name: 'cloacina-bench',
    systemDatabaseUrl: PG_URL,
    systemDatabaseSchemaName: schema,
    logLevel: 'error',
  });
  await DBOS.launch();
  return {
    timeline: current,
    submit: async ({ key }) => {
      const handle = await DBOS.startWorkflow(workflow)(key);
      void handle.getResult().then(
        () => current.completed({ key }),
        (error: unknown) => process.stderr.write(`workflow failed: ${String(error)}\n`),
      );
    },
    stop: async () => {
      await DBOS.shutdown();
      await dropSchema(schema);
    },
  };
}

await measurePeer('dbos', open, 'W1,W2,W3,W4');
