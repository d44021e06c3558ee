/**
 * Retention: how long ended executions, and trigger and cron history, are kept before they are
 * deleted, either by the runner's background pruning (`RunnerConfig.retention`) or on demand
 * (`prune({ olderThan })`). This module holds the options and their checks; the deleting is the
 * engine's and the store's.
 *
 * Glossary: an execution is *prunable* when its status is terminal (Completed, Failed,
 * Cancelled) and it ended (`completedAt`) longer ago than the age of its status. Statuses are
 * chosen positively: a status not listed here, whatever is added later, is never pruned.
 */
import { ConfigError } from '../errors.js';
import { describeValue } from './describe.js';
import { durationProblem, parseDuration, type Duration } from './duration.js';

/** The statuses whose executions may be pruned: the terminal ones. */
export const PRUNABLE_STATUSES = ['Completed', 'Failed', 'Cancelled'] as const;

/** A status whose executions may be pruned (see {@link PRUNABLE_STATUSES}). */
export type PrunableStatus = (typeof PRUNABLE_STATUSES)[number];

/** How often a runner holding the retention lease prunes, by default. */
export const DEFAULT_RETENTION_INTERVAL = '1m';

/**
 * `RunnerConfig.retention`: the age, past its end, after which an execution of each terminal
 * status is deleted with its tasks and events, and the age after which trigger and cron
 * history is deleted. Every field is optional; a field left out keeps those rows forever.
 *
 * @example { completed: '7d', failed: '30d', cancelled: '7d', history: '30d' }
 */
export interface RetentionOptions {
  /** Age past their end after which Completed executions are deleted. @default kept forever */
  completed?: Duration;
  /** Age past their end after which Failed executions are deleted. @default kept forever */
  failed?: Duration;
  /** Age past their end after which Cancelled executions are deleted. @default kept forever */
  cancelled?: Duration;
  /**
   * Age after which trigger and cron history (fires, suppressed duplicates, poll errors, missed
   * and lost cron times, and the trigger and cron events that name no execution) is deleted.
   * Runs still open are kept. @default kept forever
   */
  history?: Duration;
  /**
   * How often the runner holding the retention lease prunes (it also prunes once shortly after
   * it starts). @default '1m'
   */
  interval?: Duration;
}

/** One status and the age past which its executions are prunable. */
export interface StatusAge {
  readonly status: PrunableStatus;
  readonly ageMs: number;
}

/** What one prune deletes: ages of executions by status, and of history (null: none). */
export interface PrunePlan {
  readonly executions: readonly StatusAge[];
  readonly historyMs: number | null;
}

/** {@link RetentionOptions} resolved: the plan of each pass and the interval between passes. */
export interface ResolvedRetention extends PrunePlan {
  readonly intervalMs: number;
}

/** Rows deleted (or, in a dry run, that would be), by kind. */
export interface PruneCounts {
  /** Ended executions. */
  readonly executions: number;
  /** Task rows of those executions. */
  readonly tasks: number;
  /**
   * Events of those executions (task log lines included), and trigger and cron events that
   * name no execution.
   */
  readonly events: number;
  /** Trigger history rows (fires, suppressed duplicates, poll errors). */
  readonly triggerRuns: number;
  /** Cron history rows (runs, missed and lost times). */
  readonly cronRuns: number;
}

/** The kinds of {@link PruneCounts}, in the order they are reported. */
export const PRUNE_KINDS = ['executions', 'tasks', 'events', 'triggerRuns', 'cronRuns'] as const;

/** Counts of nothing. */
export const NO_PRUNE_COUNTS: PruneCounts = {
  executions: 0,
  tasks: 0,
  events: 0,
  triggerRuns: 0,
  cronRuns: 0,
};

/** The sum of two counts, kind by kind. */
export function addPruneCounts(a: PruneCounts, b: PruneCounts): PruneCounts {
  return {
    executions: a.executions + b.executions,
    tasks: a.tasks + b.tasks,
    events: a.events + b.events,
    triggerRuns: a.triggerRuns + b.triggerRuns,
    cronRuns: a.cronRuns + b.cronRuns,
  };
}

/** The number of rows of every kind together. */
export function totalPruned(counts: PruneCounts): number {
  return PRUNE_KINDS.reduce((sum, kind) => sum + counts[kind], 0);
}

/** Options of `prune()` on a runner or a client. */
export interface PruneOptions {
  /** Deletes what ended (or, for history, happened) longer ago than this; greater than 0. */
  olderThan: Duration;
  /**
   * Only executions of this terminal status; trigger and cron history is then left alone.
   * @default every terminal status, and trigger and cron history
   */
  status?: PrunableStatus;
  /** Counts what would be deleted and deletes nothing. @default false */
  dryRun?: boolean;
}

/** What `prune()` deleted, or with `dryRun` would delete. */
export interface PruneResult extends PruneCounts {
  readonly dryRun: boolean;
}

const STATUS_KEYS = {
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
} as const satisfies Record<string, PrunableStatus>;

/** Every field of {@link RetentionOptions}. */
export const RETENTION_OPTION_KEYS: readonly string[] = Object.freeze([
  ...Object.keys(STATUS_KEYS),
  'history',
  'interval',
]);

const RETENTION_KEYS = new Set(RETENTION_OPTION_KEYS);

/** A positive duration in ms, or a problem naming `label` and the value. */
function positiveAge(value: unknown, label: string, problems: string[]): number | null {
  const problem = durationProblem(value, label);
  if (problem !== null) {
    problems.push(problem);
    return null;
  }
  const ms = parseDuration(value, label);
  if (ms === 0) {
    problems.push(
      `${label} must be greater than 0, received ${describeValue(value)}; ` +
        'leave the field out to keep those rows forever.',
    );
    return null;
  }
  return ms;
}

/**
 * Checks `RunnerConfig.retention` and applies defaults. Returns the resolved retention, or
 * null when nothing is to be pruned (absent, or no age given), and pushes every problem to
 * `problems` (the runner config throws them together).
 */
export function resolveRetention(value: unknown, problems: string[]): ResolvedRetention | null {
  if (value === undefined) return null;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(
      `retention must be an object like { completed: '7d', failed: '30d', history: '30d' }, ` +
        `received ${describeValue(value)}.`,
    );
    return null;
  }
  const input = value as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!RETENTION_KEYS.has(key)) {
      problems.push(
        `unknown retention key '${key}'; use completed, failed, cancelled, history or interval.`,
      );
    }
  }
  const executions: StatusAge[] = [];
  for (const [key, status] of Object.entries(STATUS_KEYS)) {
    if (input[key] === undefined) continue;
    const ageMs = positiveAge(input[key], `retention.${key}`, problems);
    if (ageMs !== null) executions.push({ status, ageMs });
  }
  const historyMs =
    input.history === undefined ? null : positiveAge(input.history, 'retention.history', problems);
  const intervalMs = positiveAge(
    input.interval ?? DEFAULT_RETENTION_INTERVAL,
    'retention.interval',
    problems,
  );
  if (intervalMs === null || (executions.length === 0 && historyMs === null)) return null;
  return { executions, historyMs, intervalMs };
}

/**
 * Checks the options of `prune()` and turns them into a plan.
 * @throws {ConfigError} listing every problem: a missing or non-positive `olderThan`, a status
 *   that is not terminal, a non-boolean `dryRun`, an unknown option.
 */
export function checkPruneOptions(options: unknown): PrunePlan & { readonly dryRun: boolean } {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigError(
      `prune options must be an object like { olderThan: '30d' }, received ${describeValue(options)}.`,
    );
  }
  const input = options as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(input)) {
    if (!['olderThan', 'status', 'dryRun'].includes(key)) {
      problems.push(`unknown prune option '${key}'; use olderThan, status or dryRun.`);
    }
  }
  let ageMs: number | null = null;
  if (input.olderThan === undefined)
    problems.push("olderThan is required, e.g. { olderThan: '30d' }.");
  else ageMs = positiveAge(input.olderThan, 'olderThan', problems);
  const status = input.status;
  if (status !== undefined && !PRUNABLE_STATUSES.includes(status as PrunableStatus)) {
    problems.push(
      `status must be one of ${PRUNABLE_STATUSES.join(', ')} (executions that have not ended ` +
        `are never pruned), received ${describeValue(status)}.`,
    );
  }
  if (input.dryRun !== undefined && typeof input.dryRun !== 'boolean') {
    problems.push(`dryRun must be true or false, received ${describeValue(input.dryRun)}.`);
  }
  if (problems.length > 0 || ageMs === null) throw new ConfigError(problems);
  const statuses = status === undefined ? PRUNABLE_STATUSES : [status as PrunableStatus];
  return {
    executions: statuses.map((s) => ({ status: s, ageMs })),
    historyMs: status === undefined ? ageMs : null,
    dryRun: input.dryRun === true,
  };
}
