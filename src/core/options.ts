/**
 * Runner configuration: the user-facing {@link RunnerConfig}, all optional, resolved
 * once into {@link ResolvedRunnerConfig} with units in the names. Validation collects every
 * problem and throws one `ConfigError` listing them all.
 */
import { ConfigError } from '../errors.js';
import { durationProblem, parseDuration, type Duration } from './duration.js';
import { runnerNameProblem } from './ids.js';
import { resolveRetention, type ResolvedRetention, type RetentionOptions } from './retention.js';
import { TASK_ISOLATIONS, type TaskIsolation } from './task-module.js';

/** A pino-compatible logger (the subset the engine uses). */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/**
 * The source of "now" for everything the engine records; tests inject a manual clock. A clock
 * that also has {@link Clock.setTimer} owns the passing of time: every timer of the engine then
 * goes through it (the virtual clock of `cloacina/testing`).
 */
export interface Clock {
  /** Epoch milliseconds. The engine rounds a fraction to the nearest whole millisecond. */
  now(): number;
  /**
   * Calls `fn` once `delayMs` of this clock's time have passed; returns a function that cancels
   * it. Absent on the system clock and on `ManualClock`: their timers run in real time.
   */
  setTimer?(delayMs: number, fn: () => void, options?: TimerOptions): () => void;
  /**
   * A number in [0, 1) for the jitter of retry backoffs. A virtual clock draws it from a fixed
   * seed, so a test's history repeats; absent, `Math.random` is used.
   */
  random?: () => number;
}

/** How a timer set through {@link Clock.setTimer} behaves. */
export interface TimerOptions {
  /**
   * The timer only gathers writes into a batch (log lines, poll records); its delay is not part
   * of any behaviour. A virtual clock fires it as soon as the work in flight settles, so a test
   * sees the writes without moving time.
   */
  writeBehind?: boolean;
}

/** What a runner's Prometheus metrics carry (`RunnerConfig.metrics`). Every field is optional. */
export interface MetricsOptions {
  /**
   * Label every `cloacina_*` series with `runner_id`. Off by default: the id is a new random
   * UUID at every start unless `runnerId` is set, so the label makes new series at every
   * restart. Prometheus's own `instance` label already tells the scraped processes apart; turn
   * this on when several runners of one process are scraped together, ideally with a stable
   * `runnerId`. @default false
   */
  runnerIdLabel?: boolean;
  /**
   * Append the Node.js process metrics (`process_cpu_user_seconds_total`,
   * `nodejs_heap_size_total_bytes`, `nodejs_eventloop_lag_seconds`…) to `runner.metrics()`.
   * Turn off when the application exposes them itself (prom-client's `collectDefaultMetrics`),
   * so a scrape that joins both does not carry them twice. @default true
   */
  processMetrics?: boolean;
}

/** {@link MetricsOptions} with defaults applied. */
export interface ResolvedMetricsOptions {
  readonly runnerIdLabel: boolean;
  readonly processMetrics: boolean;
}

/** The fields of {@link MetricsOptions} with their defaults. */
export const METRICS_OPTION_DEFAULTS: ResolvedMetricsOptions = {
  runnerIdLabel: false,
  processMetrics: true,
};

/** Options of `DefaultRunner.create`. Every field is optional. */
export interface RunnerConfig {
  /**
   * Task bodies executing at once in this runner. A finished task whose result is still being
   * written may hold a claim beyond it: the runner holds at most twice this many. @default 4
   */
  maxConcurrentTasks?: number;
  /** Backstop tick of the scheduler; normal wake-ups are event-driven. @default '100ms' */
  schedulerPollInterval?: Duration;
  /** Default per-attempt task timeout. @default '5m' */
  taskTimeout?: Duration;
  /**
   * Where module tasks (`task({ module, export })`) without an `isolate` of their own run:
   * `'thread'` runs them in this runner's pool of worker threads (at most `maxConcurrentTasks`
   * threads). Tasks given as functions always run in the runner's thread. @default 'none'
   */
  defaultTaskIsolation?: TaskIsolation;
  /** Bound of the blocking `execute()` wait; `null` waits forever. @default '1h' */
  workflowTimeout?: Duration | null;
  /** PostgreSQL pool size. @default 10 */
  dbPoolSize?: number;
  /** Heartbeat held claims (turn off only with a single runner). @default true */
  enableClaiming?: boolean;
  /** Sweep stale claims of dead runners. @default true */
  enableRecovery?: boolean;
  /**
   * Apply missing migrations at `create`. With `false` the database is only checked: it must
   * exist with every migration this version needs (`SchemaError` `NO_DATABASE` /
   * `SCHEMA_BEHIND` otherwise), and nothing is created or changed. @default true
   */
  migrate?: boolean;
  /** @default '10s' */
  heartbeatInterval?: Duration;
  /** Must exceed `heartbeatInterval`. @default '60s' */
  staleClaimThreshold?: Duration;
  /** @default '30s' */
  staleClaimSweepInterval?: Duration;
  /** Stale-claim recoveries of one task before it is abandoned. @default 3 */
  maxRecoveryAttempts?: number;
  /** @default true */
  enableCronScheduling?: boolean;
  /** Upper bound on the cron loop's sleep. @default '30s' */
  cronPollInterval?: Duration;
  /** Catch-up runs per schedule after downtime; at most 1000. @default 100 */
  cronMaxCatchupExecutions?: number;
  /** @default true */
  cronEnableRecovery?: boolean;
  /** @default '5m' */
  cronRecoveryInterval?: Duration;
  /** @default '10m' */
  cronLostThreshold?: Duration;
  /** @default '24h' */
  cronMaxRecoveryAge?: Duration;
  /** @default 3 */
  cronMaxRecoveryAttempts?: number;
  /** @default true */
  enableTriggerScheduling?: boolean;
  /** Tick of the trigger loop. @default '1s' */
  triggerBasePollInterval?: Duration;
  /** Per `poll()` call. @default '30s' */
  triggerPollTimeout?: Duration;
  /** Polls in flight at once. @default 8 */
  maxConcurrentPolls?: number;
  /** Shown in claims, events and logs; at most 255 characters. @default a random UUID */
  runnerId?: string;
  /** At most 255 characters. @default `hostname:pid` */
  runnerName?: string;
  /** Any pino-compatible logger. @default pino at `info` */
  logger?: Logger;
  /** PostgreSQL schema of this tenant (PostgreSQL only). */
  schema?: string;
  /** Source of time; inject a manual clock in tests. @default the system clock */
  clock?: Clock;
  /**
   * How long ended executions and trigger and cron history are kept; one runner at a time
   * deletes what is past its age (see {@link RetentionOptions}). @default everything kept forever
   */
  retention?: RetentionOptions;
  /** What the runner's Prometheus metrics carry (see {@link MetricsOptions}). */
  metrics?: MetricsOptions;
}

/** {@link RunnerConfig} with defaults applied and durations in milliseconds. */
export interface ResolvedRunnerConfig {
  readonly maxConcurrentTasks: number;
  readonly schedulerPollIntervalMs: number;
  readonly taskTimeoutMs: number;
  readonly defaultTaskIsolation: TaskIsolation;
  readonly workflowTimeoutMs: number | null;
  readonly dbPoolSize: number;
  readonly enableClaiming: boolean;
  readonly enableRecovery: boolean;
  readonly migrate: boolean;
  readonly heartbeatIntervalMs: number;
  readonly staleClaimThresholdMs: number;
  readonly staleClaimSweepIntervalMs: number;
  readonly maxRecoveryAttempts: number;
  readonly enableCronScheduling: boolean;
  readonly cronPollIntervalMs: number;
  readonly cronMaxCatchupExecutions: number;
  readonly cronEnableRecovery: boolean;
  readonly cronRecoveryIntervalMs: number;
  readonly cronLostThresholdMs: number;
  readonly cronMaxRecoveryAgeMs: number;
  readonly cronMaxRecoveryAttempts: number;
  readonly enableTriggerScheduling: boolean;
  readonly triggerBasePollIntervalMs: number;
  readonly triggerPollTimeoutMs: number;
  readonly maxConcurrentPolls: number;
  readonly runnerId: string | undefined;
  readonly runnerName: string | undefined;
  readonly logger: Logger | undefined;
  readonly schema: string | undefined;
  readonly clock: Clock | undefined;
  /** Null when nothing is to be pruned. */
  readonly retention: ResolvedRetention | null;
  readonly metrics: ResolvedMetricsOptions;
}

const DURATIONS = {
  schedulerPollInterval: '100ms',
  taskTimeout: '5m',
  heartbeatInterval: '10s',
  staleClaimThreshold: '60s',
  staleClaimSweepInterval: '30s',
  cronPollInterval: '30s',
  cronRecoveryInterval: '5m',
  cronLostThreshold: '10m',
  cronMaxRecoveryAge: '24h',
  triggerBasePollInterval: '1s',
  triggerPollTimeout: '30s',
} as const;

const POSITIVE_INTEGERS = {
  maxConcurrentTasks: 4,
  dbPoolSize: 10,
  cronMaxCatchupExecutions: 100,
  maxConcurrentPolls: 8,
} as const;

const NON_NEGATIVE_INTEGERS = { maxRecoveryAttempts: 3, cronMaxRecoveryAttempts: 3 } as const;

const BOOLEANS = {
  enableClaiming: true,
  enableRecovery: true,
  migrate: true,
  enableCronScheduling: true,
  cronEnableRecovery: true,
  enableTriggerScheduling: true,
} as const;

const OTHER_KEYS = [
  'defaultTaskIsolation',
  'workflowTimeout',
  'runnerId',
  'runnerName',
  'logger',
  'schema',
  'clock',
  'retention',
  'metrics',
] as const;

/** Every field of {@link RunnerConfig}, as `resolveRunnerConfig` accepts them. */
export const RUNNER_CONFIG_KEYS: readonly string[] = Object.freeze([
  ...Object.keys(DURATIONS),
  ...Object.keys(POSITIVE_INTEGERS),
  ...Object.keys(NON_NEGATIVE_INTEGERS),
  ...Object.keys(BOOLEANS),
  ...OTHER_KEYS,
]);

const KNOWN_KEYS = new Set<string>(RUNNER_CONFIG_KEYS);

/** Schema names PostgreSQL accepts that are also safe to splice as identifiers. */
export const SCHEMA_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

function isLogger(value: unknown): value is Logger {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return ['debug', 'info', 'warn', 'error', 'child'].every(
    (m) => typeof candidate[m] === 'function',
  );
}

/** Checks `RunnerConfig.metrics` and applies its defaults, pushing every problem to `problems`. */
function resolveMetricsOptions(value: unknown, problems: string[]): ResolvedMetricsOptions {
  if (value === undefined) return METRICS_OPTION_DEFAULTS;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(
      `metrics must be an object like { runnerIdLabel: true }, received ${JSON.stringify(value)}.`,
    );
    return METRICS_OPTION_DEFAULTS;
  }
  const input = value as Record<string, unknown>;
  const fields = Object.keys(METRICS_OPTION_DEFAULTS);
  for (const key of Object.keys(input)) {
    if (!fields.includes(key)) {
      problems.push(`unknown metrics key '${key}'; use ${fields.join(' or ')}.`);
    }
  }
  const resolved = { ...METRICS_OPTION_DEFAULTS };
  for (const key of fields as (keyof ResolvedMetricsOptions)[]) {
    const field = input[key] ?? METRICS_OPTION_DEFAULTS[key];
    if (typeof field === 'boolean') resolved[key] = field;
    else problems.push(`metrics.${key} must be true or false, received ${JSON.stringify(field)}.`);
  }
  return resolved;
}

/** Validates `config` and applies defaults; throws one `ConfigError` listing every problem. */
export function resolveRunnerConfig(config: unknown = {}): ResolvedRunnerConfig {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new ConfigError(`runner config must be an object, received ${JSON.stringify(config)}.`);
  }
  const input = config as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(input)) {
    if (!KNOWN_KEYS.has(key))
      problems.push(
        `unknown config key '${key}'; check its spelling (RunnerConfig lists the fields).`,
      );
  }
  const durations: Record<string, number> = {};
  for (const [key, fallback] of Object.entries(DURATIONS)) {
    const value = input[key] ?? fallback;
    const problem = durationProblem(value, key);
    if (problem !== null) problems.push(problem);
    else durations[key] = parseDuration(value, key);
    if (problem === null && durations[key] === 0 && key !== 'taskTimeout') {
      problems.push(`${key} must be greater than 0, received ${JSON.stringify(value)}.`);
    }
  }
  if (durations.taskTimeout === 0) problems.push('taskTimeout must be greater than 0.');
  const integers: Record<string, number> = {};
  const checkInteger = (key: string, fallback: number, min: number): void => {
    const value = input[key] ?? fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
      problems.push(`${key} must be an integer ≥ ${min}, received ${JSON.stringify(value)}.`);
    } else {
      integers[key] = value;
    }
  };
  for (const [key, fallback] of Object.entries(POSITIVE_INTEGERS)) checkInteger(key, fallback, 1);
  for (const [key, fallback] of Object.entries(NON_NEGATIVE_INTEGERS))
    checkInteger(key, fallback, 0);
  if ((integers.cronMaxCatchupExecutions ?? 0) > 1000) {
    problems.push(
      `cronMaxCatchupExecutions must be at most 1000, received ${integers.cronMaxCatchupExecutions}.`,
    );
  }
  const booleans: Record<string, boolean> = {};
  for (const [key, fallback] of Object.entries(BOOLEANS)) {
    const value = input[key] ?? fallback;
    if (typeof value !== 'boolean')
      problems.push(`${key} must be true or false, received ${JSON.stringify(value)}.`);
    else booleans[key] = value;
  }
  let workflowTimeoutMs: number | null = 3_600_000;
  if (input.workflowTimeout === null) {
    workflowTimeoutMs = null;
  } else if (input.workflowTimeout !== undefined) {
    const problem = durationProblem(input.workflowTimeout, 'workflowTimeout');
    if (problem !== null) problems.push(problem);
    else workflowTimeoutMs = parseDuration(input.workflowTimeout, 'workflowTimeout');
  }
  if (
    durations.heartbeatInterval !== undefined &&
    durations.staleClaimThreshold !== undefined &&
    durations.staleClaimThreshold <= durations.heartbeatInterval
  ) {
    problems.push(
      `staleClaimThreshold (${durations.staleClaimThreshold} ms) must exceed heartbeatInterval ` +
        `(${durations.heartbeatInterval} ms), or live tasks would be swept as stale.`,
    );
  }
  for (const key of ['runnerId', 'runnerName'] as const) {
    const problem = input[key] === undefined ? null : runnerNameProblem(key, input[key]);
    if (problem !== null) problems.push(problem);
  }
  if (input.schema !== undefined) {
    const schema = input.schema;
    if (typeof schema !== 'string' || !SCHEMA_NAME_PATTERN.test(schema)) {
      problems.push(
        `schema must match ${String(SCHEMA_NAME_PATTERN)}, received ${JSON.stringify(schema)}.`,
      );
    } else if (
      schema === 'public' ||
      schema === 'information_schema' ||
      schema.toLowerCase().startsWith('pg_')
    ) {
      problems.push(`schema '${schema}' is reserved; choose a name of your own for the tenant.`);
    }
  }
  if (input.logger !== undefined && !isLogger(input.logger)) {
    problems.push('logger must be pino-compatible (debug, info, warn, error and child methods).');
  }
  const clock = input.clock;
  if (
    clock !== undefined &&
    (typeof clock !== 'object' || clock === null || typeof (clock as Clock).now !== 'function')
  ) {
    problems.push('clock must be an object with a now() method returning epoch milliseconds.');
  }
  const isolation = input.defaultTaskIsolation ?? 'none';
  if (!TASK_ISOLATIONS.includes(isolation as TaskIsolation)) {
    problems.push(
      `defaultTaskIsolation must be 'none' or 'thread', received ${JSON.stringify(isolation)}.`,
    );
  }
  const retention = resolveRetention(input.retention, problems);
  const metrics = resolveMetricsOptions(input.metrics, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    maxConcurrentTasks: integers.maxConcurrentTasks!,
    schedulerPollIntervalMs: durations.schedulerPollInterval!,
    taskTimeoutMs: durations.taskTimeout!,
    defaultTaskIsolation: isolation as TaskIsolation,
    workflowTimeoutMs,
    dbPoolSize: integers.dbPoolSize!,
    enableClaiming: booleans.enableClaiming!,
    enableRecovery: booleans.enableRecovery!,
    migrate: booleans.migrate!,
    heartbeatIntervalMs: durations.heartbeatInterval!,
    staleClaimThresholdMs: durations.staleClaimThreshold!,
    staleClaimSweepIntervalMs: durations.staleClaimSweepInterval!,
    maxRecoveryAttempts: integers.maxRecoveryAttempts!,
    enableCronScheduling: booleans.enableCronScheduling!,
    cronPollIntervalMs: durations.cronPollInterval!,
    cronMaxCatchupExecutions: integers.cronMaxCatchupExecutions!,
    cronEnableRecovery: booleans.cronEnableRecovery!,
    cronRecoveryIntervalMs: durations.cronRecoveryInterval!,
    cronLostThresholdMs: durations.cronLostThreshold!,
    cronMaxRecoveryAgeMs: durations.cronMaxRecoveryAge!,
    cronMaxRecoveryAttempts: integers.cronMaxRecoveryAttempts!,
    enableTriggerScheduling: booleans.enableTriggerScheduling!,
    triggerBasePollIntervalMs: durations.triggerBasePollInterval!,
    triggerPollTimeoutMs: durations.triggerPollTimeout!,
    maxConcurrentPolls: integers.maxConcurrentPolls!,
    runnerId: input.runnerId as string | undefined,
    runnerName: input.runnerName as string | undefined,
    logger: input.logger as Logger | undefined,
    schema: input.schema as string | undefined,
    clock: clock as Clock | undefined,
    retention,
    metrics,
  };
}
