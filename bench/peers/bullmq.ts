/**
 * BullMQ on Redis measured with the shapes of Cloacina's W1–W4 (see `harness.ts`), on the same
 * machine at the same moment:
 *
 *     npm run bench:peers            (every peer)
 *     npx tsx bench/peers/bullmq.ts W1,W4
 *
 * Redis at `CLOACINA_BENCH_REDIS_URL` (default `redis://127.0.0.1:6379`); skipped with a message
 * when it is unreachable. Redis as this machine runs it keeps nothing on disk: BullMQ's figures
 * are those of a queue that loses its jobs with the server, not of a durable one. A completion
 * is the worker's `completed` event, emitted once the job has moved to the completed set. W3
 * uses BullMQ's own fan-in, a flow: the root job's body adds a `join` job whose 20 children
 * run first; the workflow ends when `join` completes. Each workload has its own queue, removed
 * afterwards.
 */
import { connect } from 'node:net';
import { FlowProducer, Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import {
  FAN_OUT,
  IN_FLIGHT,
  measurePeer,
  nextStep,
  Timeline,
  type Payload,
  type Peer,
} from './harness.js';

const REDIS = new URL(process.env.CLOACINA_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379');
const host = REDIS.hostname;
const port = Number(REDIS.port || 6379);
const connection: ConnectionOptions = {
  host,
  port,
  // Workers block on Redis; BullMQ requires retrying their commands without a limit.
  maxRetriesPerRequest: null,
};

/** Whether something answers on Redis's port within a second. */
function reachable(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1000 });
    const settle = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => settle(true));
    socket.once('timeout', () => settle(false));
    socket.once('error', () => settle(false));
  });
}

async function open(workload: string): Promise<Peer> {
  const name = `bench_${workload.toLowerCase()}_${process.pid}`;
  const timeline = new Timeline();
  const queue = new Queue<Payload>(name, { connection });
  const flows = new FlowProducer({ connection });
  /** W3's root: the join, with the 20 parallel steps as its children. */
  const fanOut = (data: Payload): Promise<unknown> =>
    flows.add({
      name: 'join',
      queueName: name,
      data,
      children: Array.from({ length: FAN_OUT }, () => ({ name: 'step', queueName: name, data })),
    });
  const worker = new Worker<Payload>(
    name,
    async (job: Job<Payload>) => {
      timeline.started(job.data);
      if (job.name === 'root') return fanOut(job.data);
      const next = nextStep(job.data);
      if (next !== undefined) await queue.add('noop', next);
    },
    { connection, concurrency: IN_FLIGHT },
  );
  worker.on('completed', (job) => {
    if (workload === 'W3' && job.name !== 'join') return;
    timeline.completed(job.data);
  });
  worker.on('failed', (_job, error) => process.stderr.write(`job failed: ${error.message}\n`));
  await worker.waitUntilReady();
  return {
    timeline,
    submit: async (payload) => {
      await queue.add(workload === 'W3' ? 'root' : 'noop', payload);
    },
    stop: async () => {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
      await flows.close();
    },
  };
}

if (await reachable()) {
  await measurePeer('bullmq', open, 'W1,W2,W3,W4');
} else {
  console.log(JSON.stringify({ peer: 'bullmq', skipped: `no Redis at ${REDIS.href}` }));
}
