/**
 * What the workloads share: their result and hook shapes, the no-op task body, the producer that
 * pushes executions through a runner, the W4 latency stream and the time source. Kept apart from
 * the workload registry (`workloads.ts`), which imports every workload, so that a workload
 * module can use these without an import cycle.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { task, workflow, type DefaultRunner, type RunnerEvent } from '../src/index.js';
import { IN_FLIGHT } from './shapes.js';

/** Figures of one measured run; every value is a number (ms, per second, %, MB). */
export type Metrics = Record<string, number>;

/** What a workload reports: its figures and the units of work it measured. */
export interface WorkloadOutcome {
  readonly metrics: Metrics;
  /** Workflows (or polls) measured; statement counts are divided by it. */
  readonly units: number;
}

/** Hooks the child process gives a workload. */
export interface WorkloadHooks {
  /** Called between the warm-up and the measured part (resets statement counters). */
  readonly afterWarmup: () => void;
  /** The database the runner is on, for workloads that start runners of their own (S3). */
  readonly url: string;
  /** Its PostgreSQL schema, when it has one. */
  readonly schema?: string;
}

const TERMINAL = new Set(['workflow_completed', 'workflow_failed', 'workflow_cancelled']);

/** Time of the last task body; the bodies record only this. */
let lastStepAt = 0;
/** When the last {@link noop} body ran (`performance.now()`), 0 before any. */
export const lastStepTime = (): number => lastStepAt;
/** A task body that records only its time. */
export const noop = (): void => {
  lastStepAt = performance.now();
};

/** Tracks terminal events of executions, so producers can wait without polling. */
class Completions {
  readonly at = new Map<string, number>();
  failed = 0;
  private readonly waiting = new Map<string, () => void>();
  private countTarget = Number.POSITIVE_INFINITY;
  private onCount: (() => void) | undefined;

  readonly listener = (event: RunnerEvent): void => {
    if (!TERMINAL.has(event.type)) return;
    this.at.set(event.executionId, performance.now());
    if (event.type !== 'workflow_completed') this.failed += 1;
    this.waiting.get(event.executionId)?.();
    if (this.at.size >= this.countTarget) this.onCount?.();
  };

  /** Resolves when `id` has ended. */
  one(id: string): Promise<void> {
    if (this.at.has(id)) return Promise.resolve();
    return new Promise((resolve) => this.waiting.set(id, resolve));
  }

  /** Resolves when `n` executions have ended in total. */
  count(n: number): Promise<void> {
    if (this.at.size >= n) return Promise.resolve();
    this.countTarget = n;
    return new Promise((resolve) => {
      this.onCount = resolve;
    });
  }
}

/** Rejects after `ms` with a message saying what was still missing. */
export async function within<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  const guard = new AbortController();
  const timeout = sleep(ms, undefined, { signal: guard.signal }).then(() => {
    throw new Error(`timed out after ${ms} ms: ${what()}`);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    guard.abort();
    timeout.catch(() => undefined);
  }
}

/** How a producer learns that its executions ended. */
export type Via = 'wait' | 'events';

/**
 * Submits `count` executions of `name` with {@link IN_FLIGHT} `executeAsync` calls in flight and
 * waits for all to end; returns the time from the first submit to the last completion. With
 * `via: 'wait'`, every handle is awaited with `handle.wait()` (started as soon as its
 * `executeAsync` resolves, so the submits in flight stay {@link IN_FLIGHT} whatever the waits);
 * with `via: 'events'`, completions come from the runner's event stream.
 */
export async function pushThrough(
  runner: DefaultRunner,
  name: string,
  count: number,
  via: Via,
  contextOf: (n: number) => Record<string, unknown> = () => ({}),
): Promise<number> {
  const completions = new Completions();
  if (via === 'events') runner.on('event', completions.listener);
  try {
    const start = performance.now();
    const ends: number[] = [];
    const waits: Promise<void>[] = [];
    let failed = 0;
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < count) {
        next += 1;
        const handle = await runner.executeAsync(name, contextOf(next));
        if (via === 'wait') {
          waits.push(
            handle.wait(null).then((result) => {
              ends.push(performance.now());
              if (result.status !== 'Completed') failed += 1;
            }),
          );
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    if (via === 'wait') {
      await within(Promise.all(waits), 300_000, () => `${ends.length}/${count} ended`);
    } else {
      await within(
        completions.count(count),
        300_000,
        () => `${completions.at.size}/${count} ended`,
      );
      failed = completions.failed;
      ends.push(...completions.at.values());
    }
    if (failed > 0) throw new Error(`${failed} executions did not complete`);
    return Math.max(...ends) - start;
  } finally {
    runner.off('event', completions.listener);
  }
}

/** One W4 workflow: when it was meant to be submitted, submitted, started and ended (ms). */
export interface LatencySample {
  /** When the client meant to submit it: the end of the idle gap before it. */
  readonly dueAt: number;
  readonly submitAt: number;
  readonly startAt: number;
  /** When its terminal event reached the runner's event listeners. */
  readonly endAt: number;
  /** When `handle.wait()` resolved; only from a stream built with `throughWait`. */
  readonly waitedAt?: number;
}

/**
 * The W4 stream: single-task workflows (`latency`) one at a time with a 10–20 ms idle gap.
 * Times are `performance.timeOrigin + performance.now()`, comparable across threads.
 */
export class LatencyStream {
  readonly #runner: DefaultRunner;
  readonly #startedAt = new Map<string, number>();
  readonly #completions = new Completions();
  /** The end of the previous gap, as it was meant to be. */
  #dueAt = 0;
  /** Whether a caller also waits for each workflow with `handle.wait()`. */
  readonly #throughWait: boolean;

  /**
   * Registers the `latency` workflow on `runner` and listens to its events; with `throughWait`,
   * each workflow is also waited for as a caller does, and `waitedAt` says when that resolved.
   */
  constructor(runner: DefaultRunner, { throughWait = false }: { throughWait?: boolean } = {}) {
    this.#runner = runner;
    this.#throughWait = throughWait;
    runner.register(
      workflow({
        name: 'latency',
        tasks: [
          task({ id: 'only' }, (_ctx, handle) => {
            this.#startedAt.set(handle.executionId, wallNow());
          }),
        ],
      }),
    );
    runner.on('event', this.#completions.listener);
  }

  /** One workflow, then the idle gap. */
  async one(): Promise<LatencySample> {
    const submitAt = wallNow();
    const dueAt = this.#dueAt === 0 ? submitAt : this.#dueAt;
    const handle = await this.#runner.executeAsync('latency');
    const id = handle.executionId;
    // The caller's wait first: a continuation of this stream's own waiting for the event would
    // run between the event and the caller's resolution, and count against it.
    const waitedAt = this.#throughWait
      ? await within(
          handle.wait(null).then(() => wallNow()),
          60_000,
          () => `wait() for execution ${id} did not resolve`,
        )
      : undefined;
    await within(this.#completions.one(id), 60_000, () => `execution ${id} did not end`);
    const gap = 10 + Math.random() * 10;
    this.#dueAt = wallNow() + gap;
    await sleep(gap);
    return {
      dueAt,
      submitAt,
      startAt: this.#startedAt.get(id)!,
      endAt: performance.timeOrigin + this.#completions.at.get(id)!,
      ...(waitedAt === undefined ? {} : { waitedAt }),
    };
  }

  /** Runs workflows one after another while `more()` says so; their samples. */
  async runWhile(more: () => boolean): Promise<LatencySample[]> {
    this.#dueAt = 0;
    const samples: LatencySample[] = [];
    while (more()) samples.push(await this.one());
    return samples;
  }

  /** Stops listening to the runner. */
  close(): void {
    this.#runner.off('event', this.#completions.listener);
  }
}

/** The time as `performance.timeOrigin + performance.now()`: wall ms with a fraction. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}
