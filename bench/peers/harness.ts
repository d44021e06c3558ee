/**
 * What the peer harnesses share: Cloacina's workload shapes (`bench/workloads.ts`) told in jobs,
 * the producer, the latency loop and the output, so every peer is measured the same way.
 *
 * Same producer as Cloacina's: `IN_FLIGHT` submits in flight, no bulk API; worker concurrency
 * `IN_FLIGHT`; no-op job bodies that record when they start. W1 is one job per
 * workflow; W2 a chain of `CHAIN_LENGTH` jobs, each step submitting the next from its body
 * (the usual idiom of a job queue); W3 (for engines with workflows of their own) one root, 20
 * steps in parallel, one join; W4 single jobs one at a time with a 10–20 ms gap. Every workload
 * warms up first (`bench/warmup.ts`). Shapes and sizes come from `bench/shapes.ts`. Each prints
 * one JSON line.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { CHAIN_LENGTH, IN_FLIGHT, SIZES, type Size } from '../shapes.js';
import { percentile, round } from '../stats.js';
import { warmUp } from '../warmup.js';

/** The PostgreSQL server the peers that need one use (Cloacina's benchmark server). */
export const PG_URL =
  process.env.CLOACINA_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Drops a schema a peer made for one workload. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

export { CHAIN_LENGTH, FAN_OUT, IN_FLIGHT } from '../shapes.js';

/** A job's payload in every peer: the workflow it belongs to and, in a chain, its step. */
export interface Payload {
  readonly key: string;
  readonly step?: number;
}

/** The payload of the step after `payload` in its chain, or undefined at the end of one. */
export function nextStep(payload: Payload): Payload | undefined {
  if (payload.step === undefined || payload.step >= CHAIN_LENGTH - 1) return undefined;
  return { key: payload.key, step: payload.step + 1 };
}

/** When each workflow's first job started and its last one completed; waits for a count. */
export class Timeline {
  readonly startedAt = new Map<string, number>();
  readonly completedAt = new Map<string, number>();
  #target = Number.POSITIVE_INFINITY;
  #onTarget: (() => void) | undefined;

  /** Records a job body's start (the workflow's first). */
  started(payload: Payload): void {
    if (!this.startedAt.has(payload.key)) this.startedAt.set(payload.key, performance.now());
  }

  /** Records a job's completion as the engine reports it; a chain ends with its last step. */
  completed(payload: Payload): void {
    if (nextStep(payload) !== undefined) return;
    this.completedAt.set(payload.key, performance.now());
    if (this.completedAt.size >= this.#target) this.#onTarget?.();
  }

  /** Resolves when `n` workflows have completed in total. */
  until(n: number): Promise<void> {
    if (this.completedAt.size >= n) return Promise.resolve();
    this.#target = n;
    return new Promise((resolve) => {
      this.#onTarget = resolve;
    });
  }
}

/** One peer engine set up for one workload. */
export interface Peer {
  readonly timeline: Timeline;
  /** Submits one job; resolves once the engine has accepted it. */
  submit(payload: Payload): Promise<void>;
  /** Stops the workers and removes what the workload left behind. */
  stop(): Promise<void>;
}

/** Sets a peer up for a workload (`W1`, `W2`, `W3`, `W4`). */
export type OpenPeer = (workload: string) => Promise<Peer>;

/** Submits `count` workflows with IN_FLIGHT submits in flight; ms from first submit to last completion. */
async function pushThrough(peer: Peer, count: number, chain: boolean): Promise<number> {
  const offset = peer.timeline.completedAt.size;
  const startAt = performance.now();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      const key = `${offset + next}`;
      await peer.submit(chain ? { key, step: 0 } : { key });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  await peer.timeline.until(offset + count);
  return Math.max(...peer.timeline.completedAt.values()) - startAt;
}

async function throughput(
  open: OpenPeer,
  workload: 'W1' | 'W2' | 'W3',
  { count, warmup }: Size,
): Promise<object> {
  const peer = await open(workload);
  try {
    const chain = workload === 'W2';
    await warmUp(() => pushThrough(peer, warmup, chain));
    const cpuBefore = process.cpuUsage();
    const elapsedMs = await pushThrough(peer, count, chain);
    const cpu = process.cpuUsage(cpuBefore);
    return {
      workload,
      workflowsPerSec: round((count / elapsedMs) * 1000, 1),
      cpuUsPerWorkflow: Math.round((cpu.user + cpu.system) / count),
    };
  } finally {
    await peer.stop();
  }
}

async function latency(open: OpenPeer, { count, warmup }: Size): Promise<object> {
  const peer = await open('W4');
  const { timeline } = peer;
  const toStart: number[] = [];
  const toEnd: number[] = [];
  let submitted = 0;
  const one = async (record: boolean): Promise<void> => {
    submitted += 1;
    const key = `${submitted}`;
    const submitAt = performance.now();
    await peer.submit({ key });
    await timeline.until(submitted);
    if (record) {
      toStart.push(timeline.startedAt.get(key)! - submitAt);
      toEnd.push(timeline.completedAt.get(key)! - submitAt);
    }
    await sleep(10 + Math.random() * 10);
  };
  try {
    await warmUp(async () => {
      for (let i = 0; i < warmup; i += 1) await one(false);
    });
    for (let i = 0; i < count; i += 1) await one(true);
  } finally {
    await peer.stop();
  }
  return {
    workload: 'W4',
    startP50Ms: round(percentile(toStart, 50), 3),
    startP95Ms: round(percentile(toStart, 95), 3),
    endP50Ms: round(percentile(toEnd, 50), 3),
  };
}

/**
 * Runs the workloads named in `process.argv[2]` (default: `workloads`) on one peer, with the
 * sizes of Cloacina's, and prints a JSON line for each.
 */
export async function measurePeer(
  peer: string,
  open: OpenPeer,
  workloads = 'W1,W2,W4',
): Promise<void> {
  const only = (process.argv[2] ?? workloads).split(',');
  const print = (result: object): void => console.log(JSON.stringify({ peer, ...result }));
  if (only.includes('W1')) print(await throughput(open, 'W1', SIZES.W1));
  if (only.includes('W2')) print(await throughput(open, 'W2', SIZES.W2));
  if (only.includes('W3')) print(await throughput(open, 'W3', SIZES.W3));
  if (only.includes('W4')) print(await latency(open, SIZES.W4));
}
