/**
 * A large execution history, seeded through the public path a producer would use:
 * `runner.executeAsync` from many concurrent callers (the runner writes the calls of one turn in
 * one transaction), and the runner executes them, so every row went through its real status
 * changes. Of every 20 executions, 12 are of workflow `orders`, 6 of `reports` (both complete)
 * and 2 of `audits`, whose task fails: 90 % Completed, 10 % Failed, none Cancelled. For a
 * history of a million rows, or a test, {@link seedFinishedExecutions} writes the same mix of
 * execution rows with one SQL statement.
 */
import { performance } from 'node:perf_hooks';
import {
  DatabaseError,
  DefaultRunner,
  task,
  TaskError,
  workflow,
  type RunnerConfig,
  type RunnerEvent,
} from '../src/index.js';
import { quietLogger } from './quiet.js';

/** The error of every `audits` execution's task. */
export const AUDIT_ERROR = 'audit refused';

/**
 * `executeAsync`, tried again after a transient database error, as a producer would: the
 * PostgreSQL server this runs against may be shared with test suites that restart it.
 */
async function submit(runner: DefaultRunner, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await runner.executeAsync(name);
      return;
    } catch (error) {
      if (!(error instanceof DatabaseError && error.retryable) || attempt === 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/**
 * A runner for seeding through `executeAsync`, as a producer would: quiet, 32 slots, no
 * trigger or cron loops, with the seed workflows registered. The caller shuts it down.
 */
export async function openSeedRunner(url: string, options: RunnerConfig): Promise<DefaultRunner> {
  const runner = await DefaultRunner.create(url, {
    ...options,
    logger: quietLogger,
    maxConcurrentTasks: 32,
    enableTriggerScheduling: false,
    enableCronScheduling: false,
  });
  registerSeedWorkflows(runner);
  return runner;
}

/** Registers `orders`, `reports` and `audits` in `runner` (one task each, `step`). */
function registerSeedWorkflows(runner: DefaultRunner): void {
  const noop = (): void => undefined;
  runner.register(workflow({ name: 'orders', tasks: [task({ id: 'step' }, noop)] }));
  runner.register(workflow({ name: 'reports', tasks: [task({ id: 'step' }, noop)] }));
  runner.register(
    workflow({
      name: 'audits',
      tasks: [
        task({ id: 'step' }, () => {
          throw new TaskError(AUDIT_ERROR, { retryable: false });
        }),
      ],
    }),
  );
}

/**
 * Schedules `count` executions of the workflows of {@link registerSeedWorkflows} (registered
 * first) from concurrent callers, keeping at most 4,000 unfinished, and resolves once all have
 * ended; returns the time it took in ms.
 */
export async function seedExecutions(runner: DefaultRunner, count: number): Promise<number> {
  let finished = 0;
  let wake: (() => void) | undefined;
  const listener = (event: RunnerEvent): void => {
    if (event.type === 'workflow_completed' || event.type === 'workflow_failed') {
      finished += 1;
      wake?.();
    }
  };
  runner.on('event', listener);
  const started = performance.now();
  const batch = 500;
  const window = 4_000;
  for (let scheduled = 0; scheduled < count;) {
    while (scheduled - finished >= window) await new Promise<void>((r) => (wake = r));
    const n = Math.min(batch, count - scheduled);
    await Promise.all(
      Array.from({ length: n }, (_, i) => {
        const k = (scheduled + i) % 20;
        return submit(runner, k < 12 ? 'orders' : k < 18 ? 'reports' : 'audits');
      }),
    );
    scheduled += n;
  }
  while (finished < count) await new Promise<void>((r) => (wake = r));
  runner.off('event', listener);
  return performance.now() - started;
}

/** Where {@link seedFinishedExecutions} writes: the dialect, and a runner of one SQL statement. */
export interface SqlTarget {
  readonly dialect: 'sqlite' | 'postgres';
  readonly run: (sql: string) => Promise<void>;
}

/** Where and how densely {@link seedFinishedExecutions} places the executions it writes. */
export interface SeedSpacing {
  /** Creation time of execution 0. @default 2026-01-01T00:00:00Z */
  readonly fromMs?: number;
  /** Milliseconds between consecutive executions, as `num / den`. @default 1 / 4 */
  readonly num?: number;
  readonly den?: number;
  /** The number of the first execution written (the rest follow), for chunked seeding. */
  readonly first?: number;
}

/** Creation time of execution `i` (an SQL expression of column `i`). */
function createdAt({ fromMs, num = 1, den = 4 }: SeedSpacing & { fromMs: number }): string {
  return `(${fromMs} + (i * ${num}) / ${den})`;
}

const DEFAULT_FROM_MS = Date.parse('2026-01-01T00:00:00Z');

/**
 * Inserts `count` finished executions with one set-based statement (no tasks, no events), in
 * the mix of {@link seedExecutions}: of every 20, 12 `orders` and 6 `reports` Completed, 2
 * `audits` Failed, none Cancelled. They are created 4 to a millisecond from `fromMs` on (ties
 * in a millisecond, as a batch makes), or `num / den` ms apart, with UUIDv7 ids of their
 * creation time, as the engine makes them. For what reads the execution rows only (the lists,
 * their plans): a million rows take seconds, not the minutes of running them, but no task row
 * exists ({@link seedHistory} adds them). Statistics are left to the caller (`ANALYZE`).
 */
export async function seedFinishedExecutions(
  target: SqlTarget,
  count: number,
  fromMs: number = DEFAULT_FROM_MS,
  spacing: SeedSpacing = {},
): Promise<void> {
  const first = spacing.first ?? 0;
  const last = first + count - 1;
  const series =
    target.dialect === 'postgres'
      ? `SELECT i::bigint AS i FROM generate_series(${first}, ${last}) AS g(i)`
      : `WITH RECURSIVE g(i) AS (SELECT ${first} UNION ALL SELECT i + 1 FROM g WHERE i < ${last})
         SELECT i FROM g`;
  const id = target.dialect === 'postgres' ? `md5(i::text)` : `lower(hex(randomblob(16)))`;
  // A UUIDv7 as the engine makes them (`src/core/execution-id.ts`): the creation time in its
  // first 48 bits, so the history's ids sort in creation order as a real history's do (the
  // indexes keyed by execution id then grow, and are pruned, at their edges); the rest is random
  // on SQLite, a hash of `i` on PostgreSQL.
  const v7 = (hex: string, ms: string): string =>
    target.dialect === 'postgres'
      ? `lpad(to_hex(${ms}::bigint), 12, '0') || '7' || substr(${hex}, 1, 3) || '8'
         || substr(${hex}, 4, 15)`
      : `printf('%012x', ${ms}) || '7' || substr(${hex}, 1, 3) || '8' || substr(${hex}, 4, 15)`;
  // The uuid's dashes.
  const uuid = (hex: string): string =>
    target.dialect === 'postgres'
      ? `regexp_replace(${hex}, '^(.{8})(.{4})(.{4})(.{4})(.{12})$', '\\1-\\2-\\3-\\4-\\5')`
      : `substr(${hex}, 1, 8) || '-' || substr(${hex}, 9, 4) || '-' || substr(${hex}, 13, 4)
         || '-' || substr(${hex}, 17, 4) || '-' || substr(${hex}, 21, 12)`;
  const at = createdAt({ ...spacing, fromMs });
  const kind = `(i % 20)`;
  await target.run(
    `INSERT INTO workflow_executions (id, workflow_name, workflow_version, status,
       initial_context, final_context, error_message, open_tasks, failed_tasks,
       created_at_ms, started_at_ms, completed_at_ms, updated_at_ms)
     SELECT ${uuid(v7('h', 'at'))},
       CASE WHEN k < 12 THEN 'orders' WHEN k < 18 THEN 'reports' ELSE 'audits' END,
       'v1',
       CASE WHEN k < 18 THEN 'Completed' ELSE 'Failed' END,
       '{}', '{}',
       CASE WHEN k < 18 THEN NULL ELSE '${AUDIT_ERROR}' END,
       0,
       CASE WHEN k < 18 THEN 0 ELSE 1 END,
       at, at + 1, at + 5, at + 5
     FROM (SELECT i, ${kind} AS k, ${at} AS at, ${id} AS h FROM (${series}) s) r`,
  );
}

/** The runner id the seeded events name. */
const SEED_RUNNER = '00000000-0000-4000-8000-000000000000';

/**
 * The five events a one-task execution writes, as `runner.executeAsync` and the runner write
 * them: kind (0–4), type, task, data, and the offset of their time from the creation time.
 */
const EVENTS = `
  SELECT 0 AS n, 'task_ready' AS ok_type, 'task_ready' AS failed_type, 'step' AS task_id,
    NULL AS ok_data, NULL AS failed_data, 1 AS dt
  UNION ALL SELECT 1, 'workflow_started', 'workflow_started', NULL, NULL, NULL, 1
  UNION ALL SELECT 2, 'task_started', 'task_started', 'step', '{"attempt":1}', '{"attempt":1}', 1
  UNION ALL SELECT 3, 'task_completed', 'task_failed', 'step', '{"attempt":1,"durationMs":4}',
    '{"attempt":1,"error":"${AUDIT_ERROR}","durationMs":4}', 5
  UNION ALL SELECT 4, 'workflow_completed', 'workflow_failed', NULL, '{"durationMs":4}',
    '{"durationMs":4,"errorMessage":"1 task(s) failed: step"}', 5`;

/**
 * Inserts a history of `count` finished one-task executions as {@link seedFinishedExecutions}
 * does, each with its task row and its five events as a runner writes them, in chunks of
 * `chunk` executions (each chunk three set-based statements), spaced `num / den` ms apart from
 * `fromMs`. The tasks and events of a chunk are those of the executions created in its time
 * range, so the database must hold no other executions in the history's time span.
 * Statistics are left to the caller. Returns the time it took in ms.
 */
export async function seedHistory(
  target: SqlTarget,
  count: number,
  spacing: SeedSpacing & { readonly chunk?: number },
): Promise<number> {
  const started = performance.now();
  const fromMs = spacing.fromMs ?? DEFAULT_FROM_MS;
  const chunk = spacing.chunk ?? 100_000;
  const timeOf = (i: number): number =>
    fromMs + Math.floor((i * (spacing.num ?? 1)) / (spacing.den ?? 4));
  for (let first = 0; first < count; first += chunk) {
    const n = Math.min(chunk, count - first);
    await seedFinishedExecutions(target, n, fromMs, { ...spacing, first });
    // Half-open time ranges that tile the history: executions sharing the boundary millisecond
    // of two chunks get their rows with the later chunk, once all of them exist.
    const lower = first === 0 ? Number.MIN_SAFE_INTEGER : timeOf(first);
    const upper = first + n >= count ? Number.MAX_SAFE_INTEGER : timeOf(first + n);
    const range = `e.created_at_ms >= ${lower} AND e.created_at_ms < ${upper}`;
    await target.run(
      `INSERT INTO task_executions (id, execution_id, workflow_name, task_id, position,
         dependencies, dependents, trigger_rule, status, attempt, pending_deps, output_context,
         error_message, ready_at_ms, started_at_ms, attempt_started_at_ms, completed_at_ms)
       SELECT e.id || ':step', e.id, e.workflow_name, 'step', 0, '[]', '[]',
         '{"type":"always"}', e.status, 1, 0,
         CASE WHEN e.status = 'Completed' THEN '{}' END,
         CASE WHEN e.status = 'Completed' THEN NULL ELSE '${AUDIT_ERROR}' END,
         e.started_at_ms, e.started_at_ms, e.started_at_ms, e.completed_at_ms
       FROM workflow_executions e WHERE ${range}`,
    );
    // The writer by number, as the engine stores it (migration 27).
    await target.run(
      `INSERT INTO event_runners (runner_id) VALUES ('${SEED_RUNNER}') ON CONFLICT DO NOTHING`,
    );
    await target.run(
      `INSERT INTO execution_events (execution_id, task_id, event_type, data, runner_ref,
         created_at_ms)
       SELECT e.id, v.task_id,
         CASE WHEN e.status = 'Completed' THEN v.ok_type ELSE v.failed_type END,
         CASE WHEN e.status = 'Completed' THEN v.ok_data ELSE v.failed_data END,
         (SELECT ref FROM event_runners WHERE runner_id = '${SEED_RUNNER}'),
         e.created_at_ms + v.dt
       FROM workflow_executions e CROSS JOIN (${EVENTS}) v
       WHERE ${range}
       ORDER BY e.created_at_ms, e.id, v.n`,
    );
  }
  return performance.now() - started;
}
