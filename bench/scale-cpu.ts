/**
 * S5 CPU-bound work: one task that computes without awaiting for {@link CPU_MS} (5 s), next to
 * {@link TRIGGERS} triggers polled every second that Skip and the W4 stream (single-task
 * workflows one at a time). Three phases in one run, on one runner: idle (no CPU task), the CPU
 * task in a worker thread (`isolate: 'thread'`), and in the runner's thread (last, so its
 * aftermath touches no other phase). For each phase, over the CPU body's window:
 *
 * - heartbeat lateness max: the runner's heartbeat (every {@link HEARTBEAT_MS}) as written in
 *   its runners row (`heartbeat_at_ms`), read from a connection of its own every
 *   {@link READ_EVERY_MS}; a heartbeat's lateness is its time − the previous one − the interval.
 * - trigger lateness p99: poll time − previous poll − interval, as T1 measures it.
 * - W4 submit → start p50, and the longest time from when a workflow was due (the end of its
 *   idle gap) to its end: a client blocked with the runner submits late and sees its workflow
 *   end late, which the submit → start p50 hides.
 *
 * A poll or heartbeat counts in a phase when the span from when it was due to when it happened
 * overlaps the window; a W4 workflow, when the span from when it was due to its end does. `CLOACINA_BENCH_S5_TRIGGERS` and `CLOACINA_BENCH_S5_CPU_MS`
 * make a quick try smaller.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { DefaultRunner } from '../src/index.js';
import { TriggerResult, defineTrigger, task, workflow, type TaskIsolation } from '../src/index.js';
import { percentile, round } from './stats.js';
import { warmUp } from './warmup.js';
import {
  LatencyStream,
  wallNow,
  type LatencySample,
  type Metrics,
  type WorkloadHooks,
  type WorkloadOutcome,
} from './workload-kit.js';

/** Skipping triggers polled every {@link TRIGGER_INTERVAL_MS}. */
export const TRIGGERS = positive('CLOACINA_BENCH_S5_TRIGGERS', 1000);
/** How long the CPU task computes. */
export const CPU_MS = positive('CLOACINA_BENCH_S5_CPU_MS', 5000);
/** The runner's heartbeat interval in S5 (the default, 10 s, would see none in the window). */
export const HEARTBEAT_MS = 1000;
const TRIGGER_INTERVAL_MS = 1000;
/** How often the runners row is read: well under the heartbeat, so no heartbeat is missed. */
const READ_EVERY_MS = 50;
/** Waited after each phase, so polls and heartbeats due in it are recorded before the next. */
const TAIL_MS = 2000;
/** The CPU task's module (a worker thread imports it itself). */
const CPU_MODULE = new URL('./cpu-task.ts', import.meta.url);

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${name} must be a positive number, received ${raw}`);
  }
  return value;
}

/** Something that happened at `at` and was due at `dueAt` (wall ms). */
interface Due {
  readonly dueAt: number;
  readonly at: number;
}

/** A phase's window: from its start to its end (wall ms). */
interface Window {
  readonly from: number;
  readonly to: number;
}

const overlaps = (d: Due, w: Window): boolean => d.dueAt <= w.to && d.at >= w.from;
const lateness = (d: Due): number => d.at - d.dueAt;

/** Reads the runner's `heartbeat_at_ms` from a connection of its own. */
interface HeartbeatReader {
  read(): Promise<number | undefined>;
  close(): Promise<void>;
}

async function heartbeatReader(hooks: WorkloadHooks, runnerId: string): Promise<HeartbeatReader> {
  if (hooks.url.startsWith('sqlite://')) {
    const db = new Database(hooks.url.slice('sqlite://'.length), {
      readonly: true,
      fileMustExist: true,
    });
    const select = db.prepare<[string], { at: number }>(
      'SELECT heartbeat_at_ms AS at FROM runners WHERE id = ?',
    );
    return {
      read: () => Promise.resolve(select.get(runnerId)?.at),
      close: () => Promise.resolve(void db.close()),
    };
  }
  const client = new pg.Client({ connectionString: hooks.url });
  await client.connect();
  const table = hooks.schema === undefined ? 'runners' : `"${hooks.schema}".runners`;
  return {
    read: async () => {
      const { rows } = await client.query<{ at: string }>(
        `SELECT heartbeat_at_ms AS at FROM ${table} WHERE id = $1`,
        [runnerId],
      );
      return rows[0] === undefined ? undefined : Number(rows[0].at);
    },
    close: () => client.end(),
  };
}

/** Records every heartbeat the runners row shows, as it changes. */
function watchHeartbeats(reader: HeartbeatReader): { beats: number[]; stop: () => void } {
  const beats: number[] = [];
  let reading = false;
  const timer = setInterval(() => {
    if (reading) return;
    reading = true;
    reader
      .read()
      .then((at) => {
        if (at !== undefined && at !== beats.at(-1)) beats.push(at);
      })
      .catch((error: unknown) => console.warn(`reading the heartbeat failed: ${String(error)}`))
      .finally(() => (reading = false));
  }, READ_EVERY_MS);
  return { beats, stop: () => clearInterval(timer) };
}

/** S5: see the module comment. */
export async function cpuBound(
  runner: DefaultRunner,
  hooks: WorkloadHooks,
): Promise<WorkloadOutcome> {
  const reader = await heartbeatReader(hooks, runner.runnerId);
  const heartbeats = watchHeartbeats(reader);
  const stream = new LatencyStream(runner);
  try {
    const isolations: TaskIsolation[] = ['none', 'thread'];
    for (const isolate of isolations) {
      runner.register(
        workflow({
          name: `cpu-${isolate}`,
          tasks: [task({ id: 'spin', isolate, module: CPU_MODULE, export: 'spin' })],
        }),
      );
    }
    runner.register(workflow({ name: 'triggered', tasks: [task({ id: 'root' }, () => {})] }));
    const polls: Due[] = [];
    const lastPoll = new Float64Array(TRIGGERS);
    for (let i = 0; i < TRIGGERS; i += 1) {
      await runner.registerTrigger(
        defineTrigger(
          { name: `skip-${i}`, workflow: 'triggered', pollInterval: TRIGGER_INTERVAL_MS },
          () => {
            const at = wallNow();
            if (lastPoll[i]! > 0) polls.push({ dueAt: lastPoll[i]! + TRIGGER_INTERVAL_MS, at });
            lastPoll[i] = at;
            return TriggerResult.skip();
          },
        ),
      );
    }
    // Warm up: the thread is started and the module loaded in both places; the W4 path warms.
    for (const isolate of isolations) await runCpu(runner, isolate, 10);
    await warmUp(async () => {
      for (let i = 0; i < 20; i += 1) await stream.one();
    });
    hooks.afterWarmup();

    const metrics: Metrics = {};
    const phases = ['idle', 'thread', 'none'] as const;
    for (const phase of phases) {
      let window: Window;
      let samples: LatencySample[];
      if (phase === 'idle') {
        const from = wallNow();
        samples = await stream.runWhile(() => wallNow() < from + CPU_MS);
        window = { from, to: wallNow() };
      } else {
        let done = false;
        const cpu = runCpu(runner, phase, CPU_MS).finally(() => (done = true));
        samples = await stream.runWhile(() => !done);
        window = await cpu;
      }
      await sleep(TAIL_MS);
      const beats = heartbeats.beats
        .slice(1)
        .map((at, i): Due => ({ dueAt: heartbeats.beats[i]! + HEARTBEAT_MS, at }));
      const inWindow = samples.filter((s) => overlaps({ dueAt: s.dueAt, at: s.endAt }, window));
      const heartbeatLate = beats.filter((b) => overlaps(b, window)).map(lateness);
      metrics[`${phase}HeartbeatLateMaxMs`] = round(Math.max(...heartbeatLate), 1);
      metrics[`${phase}TriggerP99Ms`] = round(
        percentile(polls.filter((p) => overlaps(p, window)).map(lateness), 99),
        1,
      );
      metrics[`${phase}W4StartP50Ms`] = round(
        percentile(
          inWindow.map((s) => s.startAt - s.submitAt),
          50,
        ),
        3,
      );
      metrics[`${phase}W4DueToEndMaxMs`] = round(
        Math.max(...inWindow.map((s) => s.endAt - s.dueAt)),
        1,
      );
      metrics[`${phase}W4Samples`] = inWindow.length;
    }
    for (const phase of ['thread', 'none'] as const) {
      metrics[`${phase}W4VsIdle`] = round(
        metrics[`${phase}W4StartP50Ms`]! / metrics['idleW4StartP50Ms']!,
        2,
      );
    }
    return { units: 1, metrics };
  } finally {
    stream.close();
    heartbeats.stop();
    await reader.close();
  }
}

/** Runs the CPU task for `ms` where `isolate` says; the window its body computed in. */
async function runCpu(runner: DefaultRunner, isolate: TaskIsolation, ms: number): Promise<Window> {
  const handle = await runner.executeAsync(`cpu-${isolate}`, { ms });
  const result = await handle.wait(null);
  if (result.status !== 'Completed') {
    throw new Error(`the CPU task (${isolate}) ended ${result.status}: ${result.errorMessage}`);
  }
  return {
    from: result.finalContext.get('bodyStartAt') as number,
    to: result.finalContext.get('bodyEndAt') as number,
  };
}
