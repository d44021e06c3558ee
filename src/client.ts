/**
 * A client of a Cloacina database that needs no task code (issue 8): it lists the workflow
 * definitions runners stored, schedules executions by name, and reads and controls executions,
 * triggers and cron schedules. It starts no background service and executes nothing; a runner
 * that has the code executes what it schedules. Like `DefaultRunner.create`, this is a
 * composition root: the one other place that opens a store from a URL.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { ApiKeyInfo } from './core/api-keys.js';
import { storedConcurrencySlot } from './core/concurrency.js';
import { storedRateLimitSlot } from './core/rate-limit.js';
import type { Context } from './core/context.js';
import { newExecutionId } from './core/execution-id.js';
import { checkIdempotencyKey } from './core/idempotency.js';
import { runnerNameProblem } from './core/ids.js';
import { startTimeOf } from './core/start-time.js';
import { priorityOf, storedPriority } from './core/priority.js';
import { checkInput } from './core/input.js';
import { targetName, type ExecuteArgs, type Workflow } from './core/workflow.js';
import type { ReadEventsOptions } from './core/feed-options.js';
import { parseDuration, type Duration } from './core/duration.js';
import type { Json } from './core/json.js';
import { checkPageOptions } from './core/list-options.js';
import { resolveRunnerConfig, type Clock } from './core/options.js';
import type { PruneOptions, PruneResult } from './core/retention.js';
import {
  ApiKeys,
  type CreateApiKeyOptions,
  type CreatedApiKey,
  type ListApiKeysOptions,
} from './engine/api-keys.js';
import { systemClock, toWholeMilliseconds } from './engine/clock.js';
import { CronApi } from './engine/cron/api.js';
import type {
  CronExecution,
  CronExecutionStats,
  CronHistoryOptions,
  CronSchedule,
  CronScheduleOptions,
  CronStatsOptions,
  ListCronSchedulesOptions,
  ListCronSchedulesPageOptions,
  UpdateCronScheduleOptions,
} from './engine/cron/types.js';
import type {
  ExecuteAsyncOptions,
  ExecuteOptions,
  ListExecutionsOptions,
} from './engine/engine.js';
import { ExecutionsApi } from './engine/executions-api.js';
import type { ListExecutionsPageOptions } from './engine/execution-pages.js';
import type { ExecutionStats, ExecutionStatsOptions } from './engine/execution-stats.js';
import type { ExecutionTask, ExecutionTaskDetail } from './engine/execution-tasks.js';
import { WorkflowExecutionHandle, type ExecutionControl } from './engine/handle.js';
import { noMetrics } from './engine/metrics.js';
import { readPage, type Page, type PageOptions } from './engine/pages.js';
import { planRerun, type RerunOptions } from './engine/rerun.js';
import {
  toExecutionResult,
  type ExecutionSummary,
  type WorkflowExecutionResult,
} from './engine/results.js';
import { listRunners, type ListRunnersOptions, type RunnerInfo } from './engine/runners-api.js';
import { noRootClaims, type ServiceContext } from './engine/service.js';
import type { TaskLogs, TaskLogsOptions } from './engine/task-logs-read.js';
import { TriggerService } from './engine/triggers/api.js';
import { after } from './engine/timers.js';
import type {
  FireTriggerResult,
  ListTriggerSchedulesOptions,
  ListTriggerSchedulesPageOptions,
  TriggerExecution,
  TriggerHistoryOptions,
  TriggerSchedule,
} from './engine/triggers/types.js';
import {
  CloacinaError,
  ConfigError,
  ErrorCode,
  TimeoutError,
  WorkflowNotFoundError,
} from './errors.js';
import {
  initialContext,
  silentLogger,
  StoredCatalog,
  toStoredWorkflow,
  type StoredWorkflow,
} from './client-catalog.js';
import type { EventPage } from './store/feed.js';
import { MIGRATIONS } from './store/migrations.js';
import { openStore } from './store/open.js';
import { describeDatabase, requireCurrentSchema } from './store/schema-check.js';
import type { ExecutionEvent, ExecutionRecord, WorkflowStatus } from './store/rows.js';
import type { Store } from './store/store.js';

/** Options of {@link Client.connect}. */
export interface ClientOptions {
  /** PostgreSQL schema of the tenant (a `ConfigError` with SQLite). @default none */
  schema?: string;
  /** PostgreSQL pool size. @default 2 */
  poolSize?: number;
  /** Default bound of {@link Client.execute} and handle waits; `null` waits forever. @default '1h' */
  workflowTimeout?: Duration | null;
  /** How often a wait looks at the execution's status. @default '200ms' */
  waitPollInterval?: Duration;
  /**
   * Apply missing migrations when connecting. With `false` the database is only checked: it
   * must exist with every migration this version needs (`SchemaError` otherwise), and nothing
   * is created or changed, not even a SQLite file. @default true
   */
  migrate?: boolean;
  /**
   * The source of "now" for what the client records and computes (scheduling and control
   * times, the cut of `cleanupEvents` and `prune`, statistics windows, wait deadlines); tests
   * inject a `ManualClock`. A wait's timeout is measured on it too; its polls run in real time.
   * @default the system clock
   */
  clock?: Clock;
  /**
   * Names the client as the writer of the events it records (`client:<clientId>` in their
   * `runnerId`); at most 255 characters. Every writer takes one row of `event_runners`, kept
   * for good, so a process that connects again and again (a script, a scheduled command) keeps
   * to one row by passing the same id each time. @default a random UUID per client
   */
  clientId?: string;
}

export type { StoredWorkflow };

/** What {@link Client.migrate} did. */
export interface MigrationReport {
  /** True when the database had no Cloacina schema before. */
  readonly created: boolean;
  /** The migrations it applied now, in order (none when it was up to date). */
  readonly applied: readonly { readonly id: number; readonly name: string }[];
  /** The id of the newest migration this version has. */
  readonly latest: number;
}

/** Set by the class's static block: builds a client over a store it does not own. */
let overStore: (store: Store) => Promise<Client>;

/** The service context of a client: its registry is the stored-definition catalog. */
type ClientContext = ServiceContext & { readonly registry: StoredCatalog };

/** Schedules and manages workflows in a database, without task code. */
export class Client implements ExecutionControl, AsyncDisposable {
  readonly #store: Store;
  readonly #ctx: ClientContext;
  readonly #triggers: TriggerService;
  readonly #cron: CronApi;
  readonly #keys: ApiKeys;
  readonly #executions: ExecutionsApi;
  readonly #timeoutMs: number | null;
  readonly #pollMs: number;
  readonly #closing = new AbortController();
  /** False for a client sharing a runner's store: closing the client leaves the store open. */
  readonly #ownsStore: boolean;
  #closed: Promise<void> | undefined;

  private constructor(
    store: Store,
    triggers: TriggerService,
    ctx: ClientContext,
    timeoutMs: number | null,
    pollMs: number,
    ownsStore: boolean,
  ) {
    this.#store = store;
    this.#ownsStore = ownsStore;
    this.#ctx = ctx;
    this.#triggers = triggers;
    this.#cron = new CronApi(ctx, undefined);
    this.#keys = new ApiKeys(store, ctx.clock);
    this.#executions = new ExecutionsApi(ctx);
    this.#timeoutMs = timeoutMs;
    this.#pollMs = pollMs;
    // Every wait in progress listens for the close and stops listening when it ends: as many
    // listeners as concurrent waits, which is no leak, so Node's warning past ten is off.
    setMaxListeners(0, this.#closing.signal);
  }

  /**
   * Opens the database at `url` (the URL forms of `DefaultRunner.create`) and applies
   * migrations, so a client may also be the first to touch a new database; with
   * `migrate: false` it only checks them and creates nothing.
   *
   * @throws {ConfigError} for a bad URL, schema or option.
   * @throws {DatabaseError} when the database cannot be reached.
   * @throws {SchemaError} with `migrate: false`, for a database that does not exist or lacks
   *   migrations.
   */
  static async connect(url: string, options: ClientOptions = {}): Promise<Client> {
    const timeoutMs =
      options.workflowTimeout === null
        ? null
        : parseDuration(options.workflowTimeout ?? '1h', 'workflowTimeout');
    const pollMs = parseDuration(options.waitPollInterval ?? '200ms', 'waitPollInterval');
    const migrate = options.migrate ?? true;
    const clock = options.clock ?? systemClock;
    if (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function') {
      throw new ConfigError(
        'clock must be an object with a now() method returning epoch milliseconds (e.g. a ManualClock); omit it for the system clock.',
      );
    }
    const idProblem =
      options.clientId === undefined ? null : runnerNameProblem('clientId', options.clientId);
    if (idProblem !== null) throw new ConfigError(idProblem);
    const clientId = options.clientId ?? randomUUID();
    const store = await openStore(url, {
      schema: options.schema,
      poolSize: options.poolSize ?? 2,
      create: migrate,
    });
    try {
      if (migrate) await store.migrate();
      else await requireCurrentSchema(store, describeDatabase(url, options.schema));
    } catch (error) {
      await store.close();
      throw error;
    }
    return Client.#over(store, true, timeoutMs, pollMs, toWholeMilliseconds(clock), clientId);
  }

  /**
   * Creates the database at `url` (a SQLite file, a PostgreSQL schema) or applies the
   * migrations it lacks, and says what it did; safe to run again and from several processes at
   * once. What `cloacinactl migrate` runs.
   *
   * @throws {ConfigError} for a bad URL or schema.
   * @throws {DatabaseError} when the database cannot be reached.
   */
  static async migrate(
    url: string,
    options: Pick<ClientOptions, 'schema'> = {},
  ): Promise<MigrationReport> {
    const store = await openStore(url, { schema: options.schema, poolSize: 1 });
    try {
      const before = await store.appliedMigrations();
      await store.migrate();
      const had = new Set(before ?? []);
      return {
        created: before === null,
        applied: MIGRATIONS.filter((m) => !had.has(m.id)).map(({ id, name }) => ({ id, name })),
        latest: Math.max(...MIGRATIONS.map((m) => m.id)),
      };
    } finally {
      await store.close();
    }
  }

  static {
    // Default wait options of `connect`: an hour's bound, a look every 200 ms.
    overStore = (store) => Client.#over(store, false, 3_600_000, 200, systemClock, randomUUID());
  }

  /** Builds a client on an open, migrated store; `ownsStore` says whether `close()` closes it. */
  static async #over(
    store: Store,
    ownsStore: boolean,
    timeoutMs: number | null,
    pollMs: number,
    clock: Clock,
    clientId: string,
  ): Promise<Client> {
    const ctx = {
      store,
      registry: new StoredCatalog(),
      // Loops off: this process only manages; runners poll and fire.
      config: resolveRunnerConfig({ enableTriggerScheduling: false, enableCronScheduling: false }),
      clock,
      logger: silentLogger,
      runnerId: `client:${clientId}`,
      metrics: noMetrics,
      // A client runs no task: a fire it makes starts its roots on whichever runner claims them.
      rootClaims: noRootClaims,
    };
    const triggers = new TriggerService(ctx);
    // Never started; stopping it makes its wake-ups (after enable/disable) no-ops, so a client
    // never polls triggers that happen to sit in this process's default registry.
    await triggers.stop();
    return new Client(store, triggers, ctx, timeoutMs, pollMs, ownsStore);
  }

  // ---- Workflows ----

  /** The latest stored definition of every workflow, by name. */
  async listWorkflows(): Promise<StoredWorkflow[]> {
    this.#assertOpen();
    return (await this.#store.listLatestDefinitions()).map(toStoredWorkflow);
  }

  /**
   * One page of the stored workflows (the latest definition of each), by name.
   * @throws {InvalidCursorError} for a cursor of another list.
   */
  async listWorkflowsPage(options?: PageOptions): Promise<Page<StoredWorkflow>> {
    this.#assertOpen();
    const { limit, cursor } = checkPageOptions('listWorkflowsPage', options, {});
    return readPage(
      {
        cursor: { scope: JSON.stringify(['workflows']), what: 'workflow list', parts: ['string'] },
        fetch: (after, take) =>
          this.#store.listLatestDefinitions({
            afterName: after === null ? null : (after[0] as string),
            limit: take,
          }),
        keyOf: (record) => [record.name],
        toItem: toStoredWorkflow,
      },
      cursor,
      limit,
    );
  }

  /** The latest stored definition of `name` (or exactly `version`), or null. */
  async getWorkflow(name: string, version?: string): Promise<StoredWorkflow | null> {
    this.#assertOpen();
    const record = await this.#store.getDefinition(name, version);
    return record === null ? null : toStoredWorkflow(record);
  }

  /**
   * Every stored version of `name`, most recently registered first (each runner that starts
   * with a changed definition adds one); empty when no runner ever stored the workflow.
   */
  async listWorkflowVersions(name: string): Promise<StoredWorkflow[]> {
    this.#assertOpen();
    return (await this.#store.listDefinitionVersions(name)).map(toStoredWorkflow);
  }

  // ---- Executions ----

  /**
   * Schedules `workflowName` (its latest stored version) and returns the handle at once. When
   * the stored definition has the JSON Schema form of the workflow's `input` schema
   * ({@link StoredWorkflow.inputSchema}), `context` is checked against it first and the defaults
   * it declares are applied; refinements and transforms of the schema are code and run only
   * where the code is (a runner's `execute()`).
   *
   * @throws {WorkflowNotFoundError} when no runner ever stored that workflow.
   * @throws {ContextError} when `context` is not a Context or a plain JSON object.
   * @throws {InputValidationError} when `context` fails the input schema; nothing is written.
   * @throws {ConfigError} for an `idempotencyKey` that is not a string of 1 to 255 characters
   *   without NUL, for a bad `runAt` / `delay` (or both given), or for a `priority` that is not
   *   an integer from -1000 to 1000.
   *
   * With `priority`, it overrides the workflow's stored default priority. With an
   * `idempotencyKey` already used for this workflow, the handle is the existing
   * execution's (`created: false`), whatever its status, and nothing is written. With `runAt`
   * or `delay`, it is written `Scheduled` and a runner starts it at that time.
   *
   * Given a workflow object (imported from the code the runners share) rather than its name, the
   * compiler checks `input` against the workflow's input schema; the object stands for its name,
   * and the latest stored version runs.
   */
  async executeAsync<Target extends string | Workflow>(
    workflow: Target,
    ...[context, options = {}]: ExecuteArgs<Target, ExecuteAsyncOptions>
  ): Promise<WorkflowExecutionHandle> {
    this.#assertOpen();
    const workflowName = targetName(workflow);
    const idempotencyKey = checkIdempotencyKey(options.idempotencyKey);
    const nowMs = this.#ctx.clock.now();
    const runAtMs = startTimeOf(options, nowMs);
    const definition = await this.#store.getDefinition(workflowName);
    if (definition === null) {
      const known = (await this.#store.listLatestDefinitions()).map((d) => d.name);
      throw new WorkflowNotFoundError(workflowName, known);
    }
    const priority = priorityOf(options, storedPriority(definition.definition));
    const initial = checkInput(
      workflowName,
      await this.#ctx.registry.inputOf(definition),
      initialContext(workflowName, context),
    );
    const concurrency = storedConcurrencySlot(workflowName, definition.definition);
    const rateLimit = storedRateLimitSlot(workflowName, definition.definition);
    const { record, created } = await this.#store.scheduleExecution({
      id: newExecutionId(),
      workflowName,
      workflowVersion: definition.version,
      initialContext: initial,
      tasks: definition.plan,
      nowMs,
      runnerId: this.#ctx.runnerId,
      ...(concurrency !== undefined ? { concurrency } : {}),
      ...(rateLimit !== undefined ? { rateLimit } : {}),
      ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      ...(runAtMs !== undefined ? { runAtMs } : {}),
      priority,
    });
    return new WorkflowExecutionHandle(this, record.id, workflowName, created);
  }

  /**
   * Starts a new execution that reruns the ended execution `executionId`, and returns its handle
   * at once; a runner with the workflow's code executes it. From `'failed'` (the default), the
   * tasks that completed in the original are written Completed with their outputs and do not
   * run; the failed, skipped and cancelled tasks and everything downstream of them run. From
   * `'start'`, the latest stored version runs from the original's initial context (checked
   * against its stored input JSON Schema, as by {@link executeAsync}). The new execution's
   * `rerunOf` names the original, whose `rerunBy` becomes the new id.
   *
   * @throws {NotFoundError} for an unknown id.
   * @throws {InvalidStateError} when the original has not ended; from `'failed'`, also when it
   *   Completed (nothing would run) or when the latest stored version is not the one it ran
   *   (the message names both; rerun from `'start'` instead).
   * @throws {WorkflowNotFoundError} when no runner ever stored the workflow.
   * @throws {ConfigError} for options other than `{ from?: 'failed' | 'start' }`.
   */
  async rerunExecution(
    executionId: string,
    options: RerunOptions = { from: 'failed' },
  ): Promise<WorkflowExecutionHandle> {
    this.#assertOpen();
    const planned = await planRerun(this.#store, executionId, options, async (name) => {
      const definition = await this.#store.getDefinition(name);
      if (definition === null) {
        const known = (await this.#store.listLatestDefinitions()).map((d) => d.name);
        throw new WorkflowNotFoundError(name, known);
      }
      return {
        version: definition.version,
        tasks: definition.plan,
        checkInput: async (context) =>
          checkInput(name, await this.#ctx.registry.inputOf(definition), context),
      };
    });
    const definition = await this.#store.getDefinition(planned.workflowName);
    const concurrency =
      definition === null
        ? undefined
        : storedConcurrencySlot(planned.workflowName, definition.definition);
    const rateLimit =
      definition === null
        ? undefined
        : storedRateLimitSlot(planned.workflowName, definition.definition);
    const { record } = await this.#store.scheduleExecution({
      id: newExecutionId(),
      ...planned,
      nowMs: this.#ctx.clock.now(),
      runnerId: this.#ctx.runnerId,
      ...(concurrency !== undefined ? { concurrency } : {}),
      ...(rateLimit !== undefined ? { rateLimit } : {}),
    });
    return new WorkflowExecutionHandle(this, record.id, planned.workflowName);
  }

  /**
   * Schedules a workflow (by object, its input type-checked, or by name) and waits for a
   * terminal status (see {@link waitForExecution}); the context and the `idempotencyKey` are
   * checked as by {@link executeAsync}.
   */
  async execute<Target extends string | Workflow>(
    workflow: Target,
    ...[context, options = {}]: ExecuteArgs<Target, ExecuteOptions>
  ): Promise<WorkflowExecutionResult> {
    const { timeout, ...start } = options;
    const handle = await this.executeAsync(targetName(workflow), context, start);
    return this.waitForExecution(handle.executionId, timeout);
  }

  /**
   * Waits for a terminal status. A client has no in-process notifications, so it reads the
   * status every `waitPollInterval`, and at once on a remote commit notice where the backend
   * sends them (PostgreSQL `NOTIFY`).
   *
   * @throws {TimeoutError} past `timeout` (the execution keeps running).
   * @throws {NotFoundError} for an unknown id.
   */
  async waitForExecution(
    executionId: string,
    timeout?: Duration | null,
  ): Promise<WorkflowExecutionResult> {
    const timeoutMs =
      timeout === undefined
        ? this.#timeoutMs
        : timeout === null
          ? null
          : parseDuration(timeout, 'timeout');
    await this.#requireExecution(executionId);
    const deadline =
      timeoutMs === null ? Number.POSITIVE_INFINITY : this.#ctx.clock.now() + timeoutMs;
    let wake: (() => void) | undefined;
    const unsubscribe = this.#store.onCommit((notice) => {
      if (notice.channels.has('executions')) wake?.();
    });
    const onClose = (): void => wake?.();
    this.#closing.signal.addEventListener('abort', onClose);
    try {
      for (;;) {
        const [ended] = await this.#store.getEndedExecutions([executionId]);
        if (ended !== undefined) return toExecutionResult(ended.record, ended.tasks);
        const left = deadline - this.#ctx.clock.now();
        if (left <= 0) {
          throw new TimeoutError(
            `Execution ${executionId} did not finish within ${timeoutMs ?? 0} ms; it keeps running. ` +
              'Check it later with getExecutionStatus() or wait again with a longer timeout.',
            timeoutMs ?? 0,
          );
        }
        await new Promise<void>((resolve) => {
          const cancel = after(this.#ctx.clock, Math.min(this.#pollMs, left), resolve, {
            keepAlive: true,
          });
          wake = () => {
            cancel();
            resolve();
          };
        });
        this.#assertOpen();
      }
    } finally {
      unsubscribe();
      this.#closing.signal.removeEventListener('abort', onClose);
    }
  }

  async #requireExecution(executionId: string): Promise<ExecutionRecord> {
    this.#assertOpen();
    return this.#executions.requireExecution(executionId);
  }

  /**
   * An execution without its tasks (what a list page holds): status, times, error, pause reason
   * and task counts. Unknown id → `NotFoundError`.
   */
  async getExecutionSummary(executionId: string): Promise<ExecutionSummary> {
    this.#assertOpen();
    return this.#executions.getExecutionSummary(executionId);
  }

  /** The status of an execution; unknown id → `NotFoundError`. */
  async getExecutionStatus(executionId: string): Promise<WorkflowStatus> {
    this.#assertOpen();
    return this.#executions.getExecutionStatus(executionId);
  }

  /** The result of an execution as it stands; unknown id → `NotFoundError`. */
  async getExecutionResult(executionId: string): Promise<WorkflowExecutionResult> {
    this.#assertOpen();
    return this.#executions.getExecutionResult(executionId);
  }

  /**
   * The tasks of an execution for drawing its DAG, in topological order (ties in declared
   * order): each with its dependencies (in declared order), status, attempt, error, skip
   * reason, times and the runner holding it. Contexts are read one task at a time, with
   * {@link getExecutionTask}.
   * @throws {NotFoundError} for an unknown execution.
   */
  async getExecutionTasks(executionId: string): Promise<ExecutionTask[]> {
    this.#assertOpen();
    return this.#executions.getExecutionTasks(executionId);
  }

  /**
   * One task of an execution as {@link getExecutionTasks} has it, with `inputContext` (what it
   * started from: the smart merge of its Completed dependencies' outputs in declared order, or
   * the execution's initial context when none completed; null while it has never started) and
   * `outputContext` (what it completed with; null unless Completed).
   * @throws {NotFoundError} for an unknown execution or task.
   */
  async getExecutionTask(executionId: string, taskId: string): Promise<ExecutionTaskDetail> {
    this.#assertOpen();
    return this.#executions.getExecutionTask(executionId, taskId);
  }

  /**
   * Counts for an overview of executions: `active`, the executions not yet ended in each such
   * status (Scheduled, Pending, Running, Paused; 0 for none); `window`, those that ended in the last
   * `window` (default `'1h'`, at most `'7d'`) by outcome (completed, failed, cancelled); and
   * `throughput`, the same per interval of `bucket` (default `'1m'`, at least `'10s'`, at most
   * 1,440 intervals in the window), every interval oldest first, empty ones included.
   *
   * Executions are counted by the time they ended (`completedAt`). Intervals are aligned on
   * multiples of `bucket` since the epoch (a `'1m'` interval starts on the minute), so an
   * execution stays in its interval from one read to the next: the newest interval is the one
   * now is in, counted so far, and `window.from` is the start of the oldest of the
   * `ceil(window / bucket)`. The database counts exactly, summing per-minute counts for the
   * minutes that ended five minutes before now (rolled up by the reads themselves, migration
   * 23) and reading the index on the end time for the rest: the cost grows with the minutes of
   * the window and the executions of its last minutes, not with the table (`docs/http-api.md`,
   * "How `/v1/stats` counts").
   *
   * @throws {ConfigError} for a bad `window` or `bucket`, a bucket longer than the window, or
   *   more than 1,440 intervals.
   */
  async getExecutionStats(options?: ExecutionStatsOptions): Promise<ExecutionStats> {
    this.#assertOpen();
    return this.#executions.getExecutionStats(options);
  }

  /** Executions, newest first (`limit` 100, `offset` 0 by default). */
  async listExecutions(options: ListExecutionsOptions = {}): Promise<WorkflowExecutionResult[]> {
    this.#assertOpen();
    return this.#executions.listExecutions(options);
  }

  /**
   * One page of executions, newest first (`createdAt`, then `executionId`, descending), with
   * an optional workflow and status filter and creation-time range (`createdAfter` inclusive,
   * `createdBefore` exclusive); pass `nextCursor` back for the next page, with the same
   * filters. Rows scheduled meanwhile never shift a later page: no row is repeated or skipped.
   * @throws {ConfigError} for a bad limit or filter (a `createdAfter` or `createdBefore` that
   *   is not a valid `Date`).
   * @throws {InvalidCursorError} for a cursor of another list or other filters.
   */
  async listExecutionsPage(options?: ListExecutionsPageOptions): Promise<Page<ExecutionSummary>> {
    this.#assertOpen();
    return this.#executions.listExecutionsPage(options);
  }

  /**
   * Up to `limit` (default 10, at most 100) executions whose id starts with `prefix`, by id:
   * what resolves a shortened id such as `01a24673-912b`. Case does not matter. Execution ids
   * are UUIDv7, whose first 12 hex digits are the creation time in milliseconds: a prefix that
   * short is shared by every execution made in that millisecond, so ask for two and treat more
   * than one as ambiguous. The database reads one range of the primary key.
   * @throws {ConfigError} for an empty prefix or a bad limit.
   */
  async findExecutionsByIdPrefix(prefix: string, limit = 10): Promise<ExecutionSummary[]> {
    this.#assertOpen();
    return this.#executions.findExecutionsByIdPrefix(prefix, limit);
  }

  /**
   * Every execution and task event of an execution, oldest first; unknown id → `NotFoundError`.
   * Task log lines are read with {@link getTaskLogs}; the trigger and cron events naming the
   * execution are in the feed ({@link readEvents}).
   */
  async getExecutionEvents(executionId: string): Promise<ExecutionEvent[]> {
    this.#assertOpen();
    return this.#executions.getExecutionEvents(executionId);
  }

  /**
   * What task `taskId` of an execution wrote with `handle.log` in one attempt (default: the
   * latest), oldest line first. Each attempt keeps its newest `TASK_LOG_MAX_LINES` lines and
   * `TASK_LOG_MAX_BYTES` of text (`truncated` says older ones were dropped); lines of an
   * attempt still running are there within about 100 ms of being logged.
   *
   * @throws {NotFoundError} for an unknown execution or task, or an attempt past `attempts`.
   * @throws {ConfigError} when `attempt` is not an integer ≥ 1, or an option is unknown.
   */
  getTaskLogs(executionId: string, taskId: string, options?: TaskLogsOptions): Promise<TaskLogs> {
    this.#assertOpen();
    return this.#executions.getTaskLogs(executionId, taskId, options);
  }

  /**
   * One page of an execution's events, oldest first (by id), without task log lines.
   * @throws {NotFoundError} for an unknown execution.
   * @throws {InvalidCursorError} for a cursor of another list or execution.
   */
  async getExecutionEventsPage(
    executionId: string,
    options?: PageOptions,
  ): Promise<Page<ExecutionEvent>> {
    this.#assertOpen();
    return this.#executions.getExecutionEventsPage(executionId, options);
  }

  /** Hard cancel: the runner executing it aborts its running tasks. */
  async cancelExecution(executionId: string): Promise<void> {
    this.#assertOpen();
    await this.#executions.cancelExecution(executionId);
  }

  /** Pauses a Pending or Running execution; otherwise `InvalidStateError`. */
  async pauseExecution(executionId: string, reason?: string): Promise<void> {
    this.#assertOpen();
    await this.#executions.pauseExecution(executionId, reason);
  }

  /** Resumes a Paused execution; otherwise `InvalidStateError`. */
  async resumeExecution(executionId: string): Promise<void> {
    this.#assertOpen();
    await this.#executions.resumeExecution(executionId);
  }

  /** Deletes events older than `olderThan` (back from now); returns how many (would be) deleted. */
  async cleanupEvents(options: { olderThan: Duration; dryRun?: boolean }): Promise<number> {
    this.#assertOpen();
    return this.#executions.cleanupEvents(options);
  }

  /**
   * Deletes, now, ended executions older than `olderThan` with their tasks and events, and
   * trigger and cron history as old (see `DefaultRunner.prune`); with `dryRun`, only counts.
   * @throws {ConfigError} for invalid options.
   */
  async prune(options: PruneOptions): Promise<PruneResult> {
    this.#assertOpen();
    return this.#executions.prune(options);
  }

  // ---- The event feed: every event of every process, in one order ----

  /**
   * One page of the event feed: execution, task, trigger and cron events appended by every
   * runner and client on this database, oldest first, after `after` (omitted or null: from the
   * oldest stored event). Read on from the page's `cursor`: pages follow each other with no
   * gap and no duplicate, across restarts and whatever process wrote the events, so a
   * subscriber that keeps its last cursor resumes exactly where it stopped.
   *
   * On PostgreSQL an event shows only once every transaction that began writing before the one
   * that wrote it has ended, so a writing transaction left open anywhere on the server holds the
   * feed back until it ends; concurrent transactions' events come in the order the transactions
   * began writing, not always the order they committed. Events written before the feed existed
   * (migration 8) are not in it. Events removed by `cleanupEvents` are gone from the feed too.
   *
   * @throws {InvalidCursorError} when `after` is not a cursor this backend handed out.
   * @throws {ConfigError} for a `limit` outside 1..`MAX_PAGE_SIZE` or an unknown option.
   */
  async readEvents(options?: ReadEventsOptions): Promise<EventPage> {
    this.#assertOpen();
    return this.#executions.readEvents(options);
  }

  /**
   * The feed position of now: `readEvents({ after: head })` returns the events committed after
   * this call, so a subscriber that wants only new events starts here. On PostgreSQL it may
   * also return events committed just before, by transactions that began before the oldest one
   * still running; it never misses one.
   */
  async eventsHead(): Promise<string> {
    this.#assertOpen();
    return this.#executions.eventsHead();
  }

  /**
   * Calls `listener` after a transaction of this process appended events, or, on PostgreSQL,
   * after one of another process did (a `NOTIFY`; after a lost LISTEN connection comes back it
   * is called once, since notifications sent meanwhile are lost). Best effort: a reader still
   * reads the feed now and then as a backstop. Listener errors are ignored. Returns the
   * function that unsubscribes.
   */
  onEventsAppended(listener: () => void): () => void {
    this.#assertOpen();
    return this.#executions.onEventsAppended(listener);
  }

  // ---- Event triggers: the runner's own management functions ----

  /** Trigger schedules ordered by name. */
  listTriggerSchedules(options?: ListTriggerSchedulesOptions): Promise<TriggerSchedule[]> {
    this.#assertOpen();
    return this.#triggers.list(options);
  }

  /** One page of trigger schedules, by name (see `DefaultRunner.listTriggerSchedulesPage`). */
  async listTriggerSchedulesPage(
    options?: ListTriggerSchedulesPageOptions,
  ): Promise<Page<TriggerSchedule>> {
    this.#assertOpen();
    return this.#triggers.listPage(options);
  }

  /** The schedule of trigger `name`, or null. */
  getTriggerSchedule(name: string): Promise<TriggerSchedule | null> {
    this.#assertOpen();
    return this.#triggers.get(name);
  }

  /** Enables or disables polling of `name` in every runner; unknown → `NotFoundError`. */
  setTriggerEnabled(name: string, enabled: boolean): Promise<TriggerSchedule> {
    this.#assertOpen();
    return this.#triggers.setEnabled(name, enabled);
  }

  /** Fires, suppressed fires and poll errors of `name`, newest first ([] if unknown). */
  getTriggerExecutionHistory(
    name: string,
    options?: TriggerHistoryOptions,
  ): Promise<TriggerExecution[]> {
    this.#assertOpen();
    return this.#triggers.history(name, options);
  }

  /** One page of the history of trigger `name`, newest first (none if unknown). */
  async getTriggerExecutionHistoryPage(
    name: string,
    options?: PageOptions,
  ): Promise<Page<TriggerExecution>> {
    this.#assertOpen();
    return this.#triggers.historyPage(name, options);
  }

  /**
   * Fires trigger `name` now with `context`, under the same de-duplication as a poll, starting
   * the stored definition of its workflow (and of fan-out workflows). The fired context is
   * checked against each workflow's stored input JSON Schema, as a runner checks it against the
   * schema object (without applying defaults, as there).
   * @throws {NotFoundError} when no schedule has that name.
   * @throws {InputValidationError} when the context fails the primary workflow's input schema.
   */
  async fireTrigger(
    name: string,
    context?: Context | Record<string, Json>,
  ): Promise<FireTriggerResult> {
    this.#assertOpen();
    // The catalog first: the service fires from this client's registry, the stored definitions.
    await this.#ctx.registry.refresh(this.#store);
    return this.#triggers.fire(name, context);
  }

  /** Deletes the schedule of `name` (history is kept); returns whether it existed. */
  deleteTrigger(name: string): Promise<boolean> {
    this.#assertOpen();
    return this.#triggers.delete(name);
  }

  // ---- Cron schedules: the runner's own management functions ----

  /**
   * Schedules the stored workflow `workflowName` on `expression` in `timezone`; returns the id.
   * As in a runner, a sample run context (`options.context` and the cron keys) is checked against
   * the workflow's input schema, here its stored JSON Schema form.
   * @throws {WorkflowNotFoundError} when no runner stored that workflow.
   * @throws {CronError} for a bad expression, zone or option.
   * @throws {InputValidationError} when the run context fails the input schema.
   */
  async registerCronWorkflow(
    workflowName: string,
    expression: string,
    timezone = 'UTC',
    options: CronScheduleOptions = {},
  ): Promise<string> {
    this.#assertOpen();
    await this.#ctx.registry.refresh(this.#store);
    return this.#cron.register(workflowName, expression, timezone, options);
  }

  /** Cron schedules, oldest first. */
  listCronSchedules(options?: ListCronSchedulesOptions): Promise<CronSchedule[]> {
    this.#assertOpen();
    return this.#cron.list(options);
  }

  /** One page of cron schedules, by creation then id. */
  async listCronSchedulesPage(options?: ListCronSchedulesPageOptions): Promise<Page<CronSchedule>> {
    this.#assertOpen();
    return this.#cron.listPage(options);
  }

  /** The cron schedule `id`, or null. */
  getCronSchedule(id: string): Promise<CronSchedule | null> {
    this.#assertOpen();
    return this.#cron.get(id);
  }

  /** Changes expression and/or zone; `NotFoundError` / `CronError` as the runner's. */
  updateCronSchedule(id: string, changes: UpdateCronScheduleOptions): Promise<CronSchedule> {
    this.#assertOpen();
    return this.#cron.update(id, changes);
  }

  /** Enables or disables a schedule (re-enabling starts from now). */
  setCronScheduleEnabled(id: string, enabled: boolean): Promise<CronSchedule> {
    this.#assertOpen();
    return this.#cron.setEnabled(id, enabled);
  }

  /** Deletes a schedule (history is kept); returns whether it existed. */
  deleteCronSchedule(id: string): Promise<boolean> {
    this.#assertOpen();
    return this.#cron.delete(id);
  }

  /** Runs and skipped times of schedule `id`, newest first ([] if unknown). */
  getCronExecutionHistory(id: string, options?: CronHistoryOptions): Promise<CronExecution[]> {
    this.#assertOpen();
    return this.#cron.history(id, options);
  }

  /** One page of the history of schedule `id`, newest scheduled time first (none if unknown). */
  async getCronExecutionHistoryPage(
    id: string,
    options?: PageOptions,
  ): Promise<Page<CronExecution>> {
    this.#assertOpen();
    return this.#cron.historyPage(id, options);
  }

  /** Outcome counts of cron runs since `since` (default: all time). */
  getCronExecutionStats(options?: CronStatsOptions): Promise<CronExecutionStats> {
    this.#assertOpen();
    return this.#cron.stats(options);
  }

  // ---- API keys of this tenant (its database, or its schema on PostgreSQL) ----

  /**
   * Creates an API key with `scope` (`read` < `operate` < `admin`). The returned `key` is the
   * only copy: the database keeps a hash of its secret.
   * @throws {ConfigError} for a bad scope or name, naming the value received.
   */
  createApiKey(options: CreateApiKeyOptions): Promise<CreatedApiKey> {
    this.#assertOpen();
    return this.#keys.create(options);
  }

  /** API keys, oldest first; revoked ones too with `includeRevoked`. Never a key or its hash. */
  listApiKeys(options?: ListApiKeysOptions): Promise<ApiKeyInfo[]> {
    this.#assertOpen();
    return this.#keys.list(options);
  }

  /**
   * Revokes API key `id` at once for every server of this tenant; revoking again keeps the
   * first `revokedAt`.
   * @throws {NotFoundError} when no key has that id.
   */
  revokeApiKey(id: string): Promise<ApiKeyInfo> {
    this.#assertOpen();
    return this.#keys.revoke(id);
  }

  /**
   * The key's info when `key` is a live API key of this tenant; null when it is malformed,
   * unknown, has a wrong secret or is revoked (never throws for bad input). Its `lastUsedAt`
   * is recorded at most once a minute, so verifying is a read, not a write per request.
   * @throws {DatabaseError} only when the database fails.
   */
  verifyApiKey(key: string): Promise<ApiKeyInfo | null> {
    this.#assertOpen();
    return this.#keys.verify(key);
  }

  // ---- Runners and health ----

  /**
   * Runners of this database, newest heartbeat first: the live ones (heartbeat within their
   * `staleClaimThreshold`, not stopped), or also those stopped or silent within the last day
   * with `includeStopped`; each with its workflows and the tasks it holds Running.
   */
  listRunners(options?: ListRunnersOptions): Promise<RunnerInfo[]> {
    this.#assertOpen();
    return listRunners(this.#store, this.#ctx.clock.now(), options);
  }

  /**
   * Runs one trivial query, for health checks.
   * @throws {DatabaseError} when the database does not answer.
   */
  async ping(): Promise<void> {
    this.#assertOpen();
    await this.#store.ping();
  }

  // ---- Lifecycle ----

  #assertOpen(): void {
    if (this.#closed !== undefined) {
      throw new CloacinaError(ErrorCode.SHUTDOWN, 'This client is closed; connect a new one.');
    }
  }

  /**
   * Closes the database connection (a client of {@link DefaultRunner.client} leaves the runner's
   * connection open); waits in progress reject. Idempotent.
   */
  close(): Promise<void> {
    if (this.#closed === undefined) {
      this.#closing.abort();
      this.#closed = this.#ownsStore ? this.#store.close() : Promise.resolve();
    }
    return this.#closed;
  }

  /** `await using client = await Client.connect(...)` closes it at scope exit. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * A client over an open store that it does not own (the runner's), with the default wait
 * options. Used by {@link DefaultRunner.client}; not part of the public surface.
 */
export function clientOverStore(store: Store): Promise<Client> {
  return overStore(store);
}
