/**
 * S4 many triggers: {@link S4_TRIGGERS} triggers polled every 10 s whose polls Skip. Measures
 * the time to register them, then — once every one has polled — a window of at least two full
 * intervals: runner CPU % of one core and poll lateness (poll time − (previous poll + interval),
 * as T1 measures it). The process's peak RSS is reported by `workload.ts` (`rssMb`).
 *
 * `CLOACINA_BENCH_S4_TRIGGERS` sets fewer triggers and `CLOACINA_BENCH_S4_SECONDS` a shorter
 * window, for a quick try.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  TriggerResult,
  defineTrigger,
  task,
  workflow,
  type DefaultRunner,
  type Trigger,
} from '../src/index.js';
import { IN_FLIGHT } from './shapes.js';
import { percentile, round } from './stats.js';
import type { WorkloadHooks, WorkloadOutcome } from './workloads.js';

/** Triggers registered (`CLOACINA_BENCH_S4_TRIGGERS` sets another number). */
export const S4_TRIGGERS = positive('CLOACINA_BENCH_S4_TRIGGERS', 10_000);
/** Poll interval of every trigger. */
const INTERVAL_MS = 10_000;
/** Length of the measuring window: two full intervals unless `CLOACINA_BENCH_S4_SECONDS` says. */
const WINDOW_SECONDS = positive('CLOACINA_BENCH_S4_SECONDS', (2 * INTERVAL_MS) / 1000);
/** How long the first polls of all triggers may take before the workload gives up. */
const FIRST_POLLS_TIMEOUT_MS = 120_000;

function positive(variable: string, fallback: number): number {
  const raw = process.env[variable];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${variable} must be a positive number, received ${raw}`);
  }
  return value;
}

/**
 * A V8 CPU profile of the measuring window alone (`--cpu-prof` covers the registration too),
 * written to the file `CLOACINA_BENCH_S4_PROFILE` names; read it with `profile-summary.ts`.
 */
class WindowProfiler {
  private constructor(
    private readonly session: Session,
    private readonly file: string,
  ) {}

  static async start(file: string | undefined): Promise<WindowProfiler | undefined> {
    if (file === undefined || file === '') return undefined;
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    return new WindowProfiler(session, file);
  }

  async stop(): Promise<void> {
    const { profile } = await this.session.post('Profiler.stop');
    writeFileSync(this.file, JSON.stringify(profile));
    this.session.disconnect();
  }
}

/** S4: many skipping triggers on a long interval. */
export async function manyTriggers(
  runner: DefaultRunner,
  hooks: WorkloadHooks,
): Promise<WorkloadOutcome> {
  runner.register(workflow({ name: 'triggered', tasks: [task({ id: 'root' }, () => undefined)] }));
  const lastPoll = new Float64Array(S4_TRIGGERS);
  const lateness: number[] = [];
  let measuring = false;
  let polls = 0;
  let polledOnce = 0;
  let allPolled = (): void => undefined;
  const everyonePolled = new Promise<void>((resolve) => (allPolled = resolve));
  const triggers: Trigger[] = Array.from({ length: S4_TRIGGERS }, (_, i) =>
    defineTrigger({ name: `many-${i}`, workflow: 'triggered', pollInterval: INTERVAL_MS }, () => {
      const now = performance.now();
      if (lastPoll[i] === 0) {
        polledOnce += 1;
        if (polledOnce === S4_TRIGGERS) allPolled();
      } else if (measuring) {
        lateness.push(now - (lastPoll[i]! + INTERVAL_MS));
        polls += 1;
      }
      lastPoll[i] = now;
      return TriggerResult.skip();
    }),
  );
  const registerStarted = performance.now();
  for (let i = 0; i < triggers.length; i += IN_FLIGHT) {
    await Promise.all(triggers.slice(i, i + IN_FLIGHT).map((t) => runner.registerTrigger(t)));
  }
  const registerMs = performance.now() - registerStarted;
  const guard = new AbortController();
  await Promise.race([
    everyonePolled,
    sleep(FIRST_POLLS_TIMEOUT_MS, undefined, { signal: guard.signal }).then(() => {
      throw new Error(
        `only ${polledOnce}/${S4_TRIGGERS} triggers polled within ${FIRST_POLLS_TIMEOUT_MS} ms`,
      );
    }),
  ]).finally(() => guard.abort());
  const firstPollsMs = performance.now() - registerStarted;
  hooks.afterWarmup();
  const profiler = await WindowProfiler.start(process.env.CLOACINA_BENCH_S4_PROFILE);
  measuring = true;
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  await sleep(WINDOW_SECONDS * 1000);
  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = performance.now() - wallBefore;
  measuring = false;
  await profiler?.stop();
  return {
    units: Math.max(1, polls),
    metrics: {
      registerMs: round(registerMs, 0),
      firstPollsMs: round(firstPollsMs, 0),
      cpuPercent: round(((cpu.user + cpu.system) / 1000 / wallMs) * 100, 1),
      cpuSystemPercent: round((cpu.system / 1000 / wallMs) * 100, 1),
      pollsPerSec: round(polls / (wallMs / 1000), 1),
      latenessP50Ms: round(percentile(lateness, 50), 1),
      latenessP99Ms: round(percentile(lateness, 99), 1),
      latenessMaxMs: round(percentile(lateness, 100), 1),
    },
  };
}
