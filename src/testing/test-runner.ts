/**
 * `createTestRunner`: a real {@link DefaultRunner} on in-memory SQLite (or a given database)
 * driven by a {@link VirtualClock}, so a test moves time by hours in milliseconds and gets the
 * same history every run.
 */
import { parseDuration, type Duration } from '../core/duration.js';
import type { Logger, RunnerConfig } from '../core/options.js';
import type { Workflow } from '../core/workflow.js';
import { ConfigError } from '../errors.js';
import { DefaultRunner } from '../runner.js';
import { WRAP_STORE } from '../store-wrapper.js';
import { StoreActivity } from './activity.js';
import { TestQueries } from './queries.js';
import { DEFAULT_START, VirtualClock } from './virtual-clock.js';

/** Options of {@link createTestRunner}: every runner option except `clock`, and the kit's own. */
export interface TestRunnerOptions extends Omit<RunnerConfig, 'clock'> {
  /**
   * The database. A fresh in-memory SQLite database by default; a PostgreSQL URL (with a
   * `schema` of its own per test) runs the same test on PostgreSQL.
   * @default 'sqlite::memory:'
   */
  url?: string;
  /** Where virtual time starts. @default 2026-01-01T00:00:00Z */
  start?: Date | number | string;
  /** Workflows to register before the test begins. */
  workflows?: readonly Workflow[];
}

/** What {@link createTestRunner} returns. */
export interface TestRunner extends TestQueries {
  /** The runner under test: register, execute, trigger and cron APIs as in production. */
  readonly runner: DefaultRunner;
  /** The virtual clock; `clock.now()` is the test's "now". */
  readonly clock: VirtualClock;
  /**
   * Moves virtual time forward by `duration` (`'1h'`, `'10m'` or ms), firing in time order
   * everything that falls due on the way (cron times, trigger polls, retry backoffs, delayed
   * starts, timeouts, heartbeats, sweeps) and letting the work each one starts settle before
   * the next. Resolves with time at the end of the step and that work settled.
   */
  advance(duration: Duration): Promise<void>;
  /** Moves virtual time forward to `instant`, as {@link TestRunner.advance} does. */
  advanceTo(instant: Date | number | string): Promise<void>;
  /** Resolves once nothing is runnable at the current virtual time; time does not move. */
  runUntilIdle(): Promise<void>;
  /** Shuts the runner down (running tasks may finish; time moves if they need it) and closes it. */
  close(): Promise<void>;
}

/** Turns of the event loop without a store operation after which work counts as settled. */
const QUIET_TURNS = 4;
/** Turns one settle may take before the kit reports work that never settles. */
const MAX_SETTLE_TURNS = 1_000_000;

const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

/**
 * Intervals of the engine's background checks in virtual time. They back up wake-ups that
 * reach a runner by event in one process, so a test needs them seldom; at their production
 * rates (every 100 ms) a virtual day would run a million checks.
 */
const TEST_DEFAULTS: RunnerConfig = {
  schedulerPollInterval: '30s',
  triggerBasePollInterval: '30s',
};

/**
 * Creates a runner for tests: a real `DefaultRunner` whose every timer runs on a virtual clock.
 * Time moves only through `advance`, `advanceTo` (and `close`); see docs/testing.md.
 *
 * @throws {ConfigError} for a bad start time or duration, or any runner option `create` refuses.
 */
export async function createTestRunner(options: TestRunnerOptions = {}): Promise<TestRunner> {
  const { url = 'sqlite::memory:', start, workflows = [], ...config } = options;
  const clock = new VirtualClock(startInstant(start));
  const activity = new StoreActivity();
  const runner = await DefaultRunner.create(url, {
    logger: silentLogger,
    ...TEST_DEFAULTS,
    ...config,
    clock,
    [WRAP_STORE]: (store) => activity.wrap(store),
  });
  for (const workflow of workflows) runner.register(workflow);

  const settle = async (): Promise<void> => {
    let quiet = 0;
    let seen = activity.changes;
    for (let turn = 0; quiet < QUIET_TURNS; turn += 1) {
      if (turn === MAX_SETTLE_TURNS) {
        throw new Error(
          `The runner did not settle at ${new Date(clock.now()).toISOString()}: work kept ` +
            'starting without time moving (a task or trigger that never waits?).',
        );
      }
      await new Promise((resolve) => setImmediate(resolve));
      if (clock.fireNextDue() || activity.inFlight > 0 || activity.changes !== seen) {
        seen = activity.changes;
        quiet = 0;
      } else {
        quiet += 1;
      }
    }
  };

  const advanceTo = async (target: number): Promise<void> => {
    await settle();
    for (;;) {
      const next = clock.nextDueAt();
      if (next === undefined || next > target) break;
      clock.moveTo(Math.max(next, clock.now()));
      // Timers due at one instant fire together, in the order they were set, then settle.
      while (clock.fireNextDue());
      await settle();
    }
    clock.moveTo(Math.max(target, clock.now()));
    await settle();
  };

  const close = async (): Promise<void> => {
    let done = false;
    const shutdown = runner.shutdown().finally(() => (done = true));
    // Shutting down waits for running tasks (and, at most, its grace period): in virtual time.
    while (!done) {
      await settle();
      const next = clock.nextDueAt();
      if (done || next === undefined) break;
      clock.moveTo(Math.max(next, clock.now()));
      clock.fireNextDue();
    }
    await shutdown;
  };

  return Object.assign(new TestQueries(runner), {
    runner,
    clock,
    advance: (duration: Duration) =>
      advanceTo(clock.now() + parseDuration(duration, 'advance(duration)')),
    advanceTo: (instant: Date | number | string) => advanceTo(startInstant(instant)),
    runUntilIdle: settle,
    close,
  });
}

/** An instant given as a Date, epoch ms or ISO string, checked. */
function startInstant(value: Date | number | string | undefined): number {
  if (value === undefined) return DEFAULT_START;
  const ms =
    value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new ConfigError([
      `A test runner's time must be a Date, epoch milliseconds or an ISO 8601 string; received ${JSON.stringify(value)}.`,
    ]);
  }
  return ms;
}
