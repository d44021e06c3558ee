/**
 * The benchmark workloads (issue 7). Each runs against a runner created by `bench/workload.ts`
 * in a fresh process and database, warms up (see `warmup.ts`) on batches of the same shape,
 * then measures.
 * Every step body is a no-op that records a timestamp; the producer keeps
 * {@link IN_FLIGHT} `executeAsync` calls in flight. The throughput workloads (W1–W3 and their
 * C/K variants) measure twice: `workflowsPerSec` waits for each execution through the public
 * path, `handle.wait()` on every handle `executeAsync` returned; `workflowsPerSecEvents`
 * (measured first, in the same process) learns of completions from the runner's event stream
 * (`workflow_completed`) instead, which adds no database reads. The statement counts and CPU
 * figures are those of the `wait()` pass.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  TriggerResult,
  defineTrigger,
  task,
  workflow,
  type ConcurrencyOptions,
  type DefaultRunner,
  type RunnerConfig,
  type TaskDefinition,
  type Trigger,
} from '../src/index.js';
import { CHAIN_LENGTH, FAN_OUT, IN_FLIGHT, SIZES, type Size } from './shapes.js';
import { percentile, round } from './stats.js';
import { warmUp } from './warmup.js';
import { listPages, streamFanOut } from './http.js';
import { chain, fanOutIn } from './dags.js';
import { backlog, wideAndDeep } from './scale.js';
import { history } from './scale-history.js';
import { HEARTBEAT_MS, cpuBound } from './scale-cpu.js';
import { manyTriggers } from './scale-triggers.js';
import {
  LatencyStream,
  lastStepTime,
  noop,
  pushThrough,
  type Via,
  type WorkloadHooks,
  type WorkloadOutcome,
} from './workload-kit.js';

export type { Metrics, WorkloadHooks, WorkloadOutcome } from './workload-kit.js';

/** Names of the workloads, in the order `npm run bench` runs them. */
export const WORKLOADS = [
  'W1',
  'W2',
  'W3',
  'W4',
  'T1',
  'H1',
  'H2',
  'W1C',
  'W2C',
  'W3C',
  'W1K',
  'S1',
  'S2',
  'S3',
  'S4',
  'S5',
] as const;
/** One workload name. */
export type WorkloadName = (typeof WORKLOADS)[number];

/** Runner settings a workload needs beyond the defaults (S5 times the heartbeat every second). */
export const RUNNER_SETTINGS: Partial<Record<WorkloadName, RunnerConfig>> = {
  S5: { heartbeatInterval: HEARTBEAT_MS },
};

/** A workflow-wide concurrency limit no workload reaches: its cost without its waits. */
const NEVER_REACHED: Limited = { concurrency: { limit: 1_000_000 } };

/** How a throughput workload's workflow is limited, and the input each execution gets. */
interface Limited {
  readonly concurrency: ConcurrencyOptions;
  readonly contextOf?: (n: number) => Record<string, unknown>;
}

/**
 * Throughput workloads W1–W3: `count` workflows of `tasks` tasks each; with `limited`, under a
 * concurrency limit (W1C–W3C: one never reached; W1K: 1,000 keys of limit 1).
 */
async function throughput(
  runner: DefaultRunner,
  hooks: WorkloadHooks,
  tasks: TaskDefinition[],
  { count, warmup }: Size,
  limited?: Limited,
): Promise<WorkloadOutcome> {
  runner.register(
    workflow({
      name: 'bench',
      tasks,
      ...(limited === undefined ? {} : { concurrency: limited.concurrency }),
    }),
  );
  const contextOf = limited?.contextOf;
  const pass = (n: number, via: Via): Promise<number> =>
    pushThrough(runner, 'bench', n, via, contextOf);
  await warmUp(async () => {
    await pass(warmup, 'events');
    await pass(warmup, 'wait');
  });
  // The event-stream pass first: the statement counts and CPU below are the wait() pass's.
  const eventsMs = await pass(count, 'events');
  hooks.afterWarmup();
  const cpuBefore = process.cpuUsage();
  const elapsedMs = await pass(count, 'wait');
  const cpu = process.cpuUsage(cpuBefore);
  const seconds = elapsedMs / 1000;
  return {
    units: count,
    metrics: {
      workflowsPerSec: round(count / seconds, 1),
      workflowsPerSecEvents: round(count / (eventsMs / 1000), 1),
      tasksPerSec: round((count * tasks.length) / seconds, 1),
      elapsedMs: round(elapsedMs, 1),
      // CPU of the runner process per workflow: less sensitive than rates to a busy machine.
      cpuUsPerWorkflow: round((cpu.user + cpu.system) / count, 0),
      lastStepToEndMs: round(Math.max(0, performance.now() - lastStepTime()), 1),
    },
  };
}

/**
 * W4: single-task workflows one at a time with a 10–20 ms idle gap; latencies in ms. The end is
 * measured twice for the same workflow: when the caller's `handle.wait()` resolved (`waitP*`,
 * what users see) and when its terminal event reached the runner's listeners (`endP*`, the
 * column the peers' completion events compare with).
 */
async function latency(
  runner: DefaultRunner,
  hooks: WorkloadHooks,
  { count, warmup }: Size,
): Promise<WorkloadOutcome> {
  const stream = new LatencyStream(runner, { throughWait: true });
  const toStart: number[] = [];
  const toEnd: number[] = [];
  const toWaited: number[] = [];
  try {
    await warmUp(async () => {
      for (let i = 0; i < warmup; i += 1) await stream.one();
    });
    hooks.afterWarmup();
    for (let i = 0; i < count; i += 1) {
      const sample = await stream.one();
      toStart.push(sample.startAt - sample.submitAt);
      toEnd.push(sample.endAt - sample.submitAt);
      toWaited.push(sample.waitedAt! - sample.submitAt);
    }
  } finally {
    stream.close();
  }
  return {
    units: count,
    metrics: {
      startP50Ms: round(percentile(toStart, 50), 3),
      startP95Ms: round(percentile(toStart, 95), 3),
      startP99Ms: round(percentile(toStart, 99), 3),
      endP50Ms: round(percentile(toEnd, 50), 3),
      endP95Ms: round(percentile(toEnd, 95), 3),
      endP99Ms: round(percentile(toEnd, 99), 3),
      waitP50Ms: round(percentile(toWaited, 50), 3),
      waitP95Ms: round(percentile(toWaited, 95), 3),
      waitP99Ms: round(percentile(toWaited, 99), 3),
    },
  };
}

/** Number of skipping triggers of T1. */
const T1_TRIGGERS = 1000;
/** Fires measured in T1's second phase (after one warm-up fire). */
const T1_FIRES = 20;

/**
 * T1: {@link T1_TRIGGERS} triggers polled every second that Skip, for `BENCH_T1_SECONDS`
 * (default 30) — CPU % of one core and poll lateness (poll time − previous poll − interval);
 * then, with those still polling, one trigger that fires — fire → root-task start.
 */
async function triggers(runner: DefaultRunner, hooks: WorkloadHooks): Promise<WorkloadOutcome> {
  const seconds = Number(process.env.BENCH_T1_SECONDS ?? '30');
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new Error(
      `BENCH_T1_SECONDS must be a positive number, received ${process.env.BENCH_T1_SECONDS}`,
    );
  }
  const fireStartedAt: number[] = [];
  runner.register(
    workflow({
      name: 'triggered',
      tasks: [
        task({ id: 'root' }, (ctx) => {
          fireStartedAt[Number(ctx.get('n'))] = performance.now();
        }),
      ],
    }),
  );
  const intervalMs = 1000;
  const lastPoll = new Float64Array(T1_TRIGGERS);
  const lateness: number[] = [];
  let measuring = false;
  let polls = 0;
  const skipping: Trigger[] = Array.from({ length: T1_TRIGGERS }, (_, i) =>
    defineTrigger({ name: `skip-${i}`, workflow: 'triggered', pollInterval: intervalMs }, () => {
      const now = performance.now();
      if (measuring && lastPoll[i]! > 0) {
        lateness.push(now - (lastPoll[i]! + intervalMs));
        polls += 1;
      }
      lastPoll[i] = now;
      return TriggerResult.skip();
    }),
  );
  for (let i = 0; i < skipping.length; i += IN_FLIGHT) {
    await Promise.all(skipping.slice(i, i + IN_FLIGHT).map((t) => runner.registerTrigger(t)));
  }
  // Settle: every trigger has polled at least once before the window opens.
  await sleep(3000);
  hooks.afterWarmup();
  measuring = true;
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  await sleep(seconds * 1000);
  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = performance.now() - wallBefore;
  measuring = false;
  const cpuPercent = ((cpu.user + cpu.system) / 1000 / wallMs) * 100;

  const firedAt: number[] = [];
  await runner.registerTrigger(
    defineTrigger(
      { name: 'fire', workflow: 'triggered', pollInterval: 100, allowConcurrent: true },
      () => {
        const n = firedAt.length;
        if (n > T1_FIRES) return TriggerResult.skip('enough fires');
        firedAt.push(performance.now());
        return TriggerResult.fire({ n });
      },
    ),
  );
  // A saturated trigger loop polls the firing trigger rarely: report what 60 s gave.
  const deadline = performance.now() + 60_000;
  const started = (): number => fireStartedAt.filter((t) => t !== undefined).length;
  while (started() < T1_FIRES + 1 && performance.now() < deadline) await sleep(50);
  // Fire 0 is the warm-up; fires whose task has not started by the deadline are left out.
  const fireToStart = firedAt
    .slice(1)
    .map((at, i) => (fireStartedAt[i + 1] ?? Number.NaN) - at)
    .filter((ms) => !Number.isNaN(ms));
  return {
    units: Math.max(1, polls),
    metrics: {
      cpuPercent: round(cpuPercent, 1),
      // The kernel's share (socket writes, fsync) apart from the process's own code.
      cpuSystemPercent: round((cpu.system / 1000 / wallMs) * 100, 1),
      pollsPerSec: round(polls / (wallMs / 1000), 1),
      latenessP50Ms: round(percentile(lateness, 50), 1),
      latenessP99Ms: round(percentile(lateness, 99), 1),
      fireToStartP50Ms: round(percentile(fireToStart, 50), 2),
      fireToStartP99Ms: round(percentile(fireToStart, 99), 2),
      firesMeasured: fireToStart.length,
    },
  };
}

/** Runs workload `name` on `runner`. */
export function runWorkload(
  name: WorkloadName,
  runner: DefaultRunner,
  hooks: WorkloadHooks,
): Promise<WorkloadOutcome> {
  switch (name) {
    case 'W1':
      return throughput(runner, hooks, [task({ id: 'only' }, noop)], SIZES.W1);
    case 'W2':
      return throughput(runner, hooks, chain(CHAIN_LENGTH, noop), SIZES.W2);
    case 'W3':
      return throughput(runner, hooks, fanOutIn(FAN_OUT, noop), SIZES.W3);
    case 'W4':
      return latency(runner, hooks, SIZES.W4);
    case 'T1':
      return triggers(runner, hooks);
    case 'H1':
      return listPages(runner, hooks);
    case 'H2':
      return streamFanOut(runner, hooks);
    case 'W1C':
      return throughput(runner, hooks, [task({ id: 'only' }, noop)], SIZES.W1, NEVER_REACHED);
    case 'W2C':
      return throughput(runner, hooks, chain(CHAIN_LENGTH, noop), SIZES.W2, NEVER_REACHED);
    case 'W3C':
      return throughput(runner, hooks, fanOutIn(FAN_OUT, noop), SIZES.W3, NEVER_REACHED);
    case 'W1K':
      return throughput(runner, hooks, [task({ id: 'only' }, noop)], SIZES.W1, {
        concurrency: { limit: 1, key: (ctx) => ctx['key'] as string },
        contextOf: (n) => ({ key: `k${n % 1000}` }),
      });
    case 'S1':
      return history(runner, hooks);
    case 'S2':
      return wideAndDeep(runner, hooks);
    case 'S3':
      return backlog(runner, hooks);
    case 'S4':
      return manyTriggers(runner, hooks);
    case 'S5':
      return cpuBound(runner, hooks);
  }
}
