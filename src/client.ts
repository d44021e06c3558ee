/**
 * A client of a Cloacina database that needs no task code (issue 8): it lists the workflow
 * definitions runners stored, schedules executions by name, and reads and controls executions,
 * triggers and cron schedules. It starts no background service and executes nothing; a runner
 * that has the code executes what it schedules. Like `DefaultRunner.create`, this is a
 * composition root: the one other place that opens a store from a URL.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from './core/context.js';
import { newExecutionId } from './core/execution-id.js';
import { parseDuration, type Duration } from './core/duration.js';
import type { Json } from './core/json.js';
import { resolveRunnerConfig } from './core/options.js';
import { TriggerResult } from './core/trigger.js';
import { systemClock } from './engine/clock.js';
import { CronApi } from './engine/cron-api.js';
import type {
  CronExecution,
  CronExecutionStats,
  CronHistoryOptions,
  CronSchedule,
  CronScheduleOptions,
  CronStatsOptions,
  ListCronSchedulesOptions,
  UpdateCronScheduleOptions,
} from './engine/cron-types.js';
import type { ListExecutionsOptions } from './engine/engine.js';
import { executionFilter } from './engine/execution-filter.js';
import { WorkflowExecutionHandle, type ExecutionControl } from './engine/handle.js';
import { noMetrics } from './engine/metrics.js';
import { toExecutionResult, type WorkflowExecutionResult } from './engine/results.js';
import type { ServiceContext } from './engine/service.js';
import { fireTarget } from './engine/trigger-fire.js';
import { TriggerService } from './engine/trigger-service.js';
import { after } from './engine/timers.js';
import type {
  FireTriggerResult,
  ListTriggerSchedulesOptions,
  TriggerExecution,
  TriggerHistoryOptions,
  TriggerSchedule,
} from './engine/trigger-types.js';
import {
  CloacinaError,
  ErrorCode,
  NotFoundError,
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
import { openStore } from './store/open.js';
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
}

export type { StoredWorkflow };

/** The service context of a client: its registry is the stored-definition catalog. */
type ClientContext = ServiceContext & { readonly registry: StoredCatalog };

/** Schedules and manages workflows in a database, without task code. */
export class Client implements ExecutionControl, AsyncDisposable {
  readonly #store: Store;
  readonly #ctx: ClientContext;
  readonly #triggers: TriggerService;
  readonly #cron: CronApi;
  readonly #timeoutMs: number | null;
  readonly #pollMs: number;
  readonly #closing = new AbortController();
  #closed: Promise<void> | undefined;

  private constructor(
    store: Store,
    triggers: TriggerService,
    ctx: ClientContext,
    timeoutMs: number | null,
    pollMs: number,
  ) {
    this.#store = store;
    this.#ctx = ctx;
    this.#triggers = triggers;
    this.#cron = new CronApi(ctx, undefined);
    this.#timeoutMs = timeoutMs;
    this.#pollMs = pollMs;
  }

  /**
   * Opens the database at `url` (the URL forms of `DefaultRunner.create`) and applies
   * migrations, so a client may also be the first to touch a new database.
   *
   * @throws {ConfigError} for a bad URL, schema or option.
   * @throws {DatabaseError} when the database cannot be reached.
   */
  static async connect(url: string, options: ClientOptions = {}): Promise<Client> {
    const timeoutMs =
      options.workflowTimeout === null
        ? null
        : parseDuration(options.workflowTimeout ?? '1h', 'workflowTimeout');
    const pollMs = parseDuration(options.waitPollInterval ?? '200ms', 'waitPollInterval');
    const store = await openStore(url, { schema: options.schema, poolSize: options.poolSize ?? 2 });
    try {
      await store.migrate();
    } catch (error) {
      await store.close();
      throw error;
    }
    const ctx = {
      store,
      registry: new StoredCatalog(),
      // Loops off: this process only manages; runners poll and fire.
      config: resolveRunnerConfig({ enableTriggerScheduling: false, enableCronScheduling: false }),
      clock: systemClock,
      logger: silentLogger,
      runnerId: `client:${randomUUID()}`,
      metrics: noMetrics,
    };
    const triggers = new TriggerService(ctx);
    // Never started; stopping it makes its wake-ups (after enable/disable) no-ops, so a client
    // never polls triggers that happen to sit in this process's default registry.
    await triggers.stop();
    return new Client(store, triggers, ctx, timeoutMs, pollMs);
  }

  // ---- Workflows ----

  /** The latest stored definition of every workflow, by name. */
  async listWorkflows(): Promise<StoredWorkflow[]> {
    this.#assertOpen();
    return (await this.#store.listLatestDefinitions()).map(toStoredWorkflow);
  }

  /** The latest stored definition of `name` (or exactly `version`), or null. */
  async getWorkflow(name: string, version?: string): Promise<StoredWorkflow | null> {
    this.#assertOpen();
    const record = await this.#store.getDefinition(name, version);
    return record === null ? null : toStoredWorkflow(record);
  }

  // ---- Executions ----

  /**
   * Schedules `workflowName` (its latest stored version) and returns the handle at once. The
   * workflow's `input` schema, being code, is not checked here.
   *
   * @throws {WorkflowNotFoundError} when no runner ever stored that workflow.
   * @throws {ContextError} when `context` is not a Context or a plain JSON object.
   */
  async executeAsync(
    workflowName: string,
    context?: Context | Record<string, unknown>,
  ): Promise<WorkflowExecutionHandle> {
    this.#assertOpen();
    const definition = await this.#store.getDefinition(workflowName);
    if (definition === null) {
      const known = (await this.#store.listLatestDefinitions()).map((d) => d.name);
      throw new WorkflowNotFoundError(workflowName, known);
    }
    const { record } = await this.#store.scheduleExecution({
      id: newExecutionId(),
      workflowName,
      workflowVersion: definition.version,
      initialContext: initialContext(workflowName, context),
      tasks: definition.plan,
      nowMs: systemClock.now(),
      runnerId: this.#ctx.runnerId,
    });
    return new WorkflowExecutionHandle(this, record.id, workflowName);
  }

  /** Schedules `workflowName` and waits for a terminal status (see {@link waitForExecution}). */
  async execute(
    workflowName: string,
    context?: Context | Record<string, unknown>,
    options: { timeout?: Duration | null } = {},
  ): Promise<WorkflowExecutionResult> {
    const handle = await this.executeAsync(workflowName, context);
    return this.waitForExecution(handle.executionId, options.timeout);
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
    const deadline = timeoutMs === null ? Number.POSITIVE_INFINITY : Date.now() + timeoutMs;
    let wake: (() => void) | undefined;
    const unsubscribe = this.#store.onCommit((notice) => {
      if (notice.channels.has('executions')) wake?.();
    });
    const onClose = (): void => wake?.();
    this.#closing.signal.addEventListener('abort', onClose);
    try {
      for (;;) {
        const [done] = await this.#store.getTerminalExecutions([executionId]);
        if (done !== undefined) return await this.getExecutionResult(executionId);
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new TimeoutError(
            `Execution ${executionId} did not finish within ${timeoutMs ?? 0} ms; it keeps running. ` +
              'Check it later with getExecutionStatus() or wait again with a longer timeout.',
            timeoutMs ?? 0,
          );
        }
        await new Promise<void>((resolve) => {
          const cancel = after(Math.min(this.#pollMs, left), resolve, { keepAlive: true });
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
    const record = await this.#store.getExecution(executionId);
    if (record === null) {
      throw new NotFoundError(
        `No workflow execution with id '${executionId}'. Check the id (listExecutions() shows recent ones).`,
      );
    }
    return record;
  }

  /** The status of an execution; unknown id → `NotFoundError`. */
  async getExecutionStatus(executionId: string): Promise<WorkflowStatus> {
    return (await this.#requireExecution(executionId)).status;
  }

  /** The result of an execution as it stands; unknown id → `NotFoundError`. */
  async getExecutionResult(executionId: string): Promise<WorkflowExecutionResult> {
    const record = await this.#requireExecution(executionId);
    return toExecutionResult(record, await this.#store.getTasks(executionId));
  }

  /** Executions, newest first (`limit` 100, `offset` 0 by default). */
  async listExecutions(options: ListExecutionsOptions = {}): Promise<WorkflowExecutionResult[]> {
    this.#assertOpen();
    const records = await this.#store.listExecutions(executionFilter(options));
    return Promise.all(
      records.map(async (r) => toExecutionResult(r, await this.#store.getTasks(r.id))),
    );
  }

  /** Every event of an execution, oldest first; unknown id → `NotFoundError`. */
  async getExecutionEvents(executionId: string): Promise<ExecutionEvent[]> {
    await this.#requireExecution(executionId);
    return this.#store.getEvents(executionId);
  }

  /** Hard cancel: the runner executing it aborts its running tasks. */
  async cancelExecution(executionId: string): Promise<void> {
    this.#assertOpen();
    await this.#store.cancelExecution({
      executionId,
      nowMs: Date.now(),
      runnerId: this.#ctx.runnerId,
    });
  }

  /** Pauses a Pending or Running execution; otherwise `InvalidStateError`. */
  async pauseExecution(executionId: string, reason?: string): Promise<void> {
    this.#assertOpen();
    await this.#store.pauseExecution({
      executionId,
      reason: reason ?? null,
      nowMs: Date.now(),
      runnerId: this.#ctx.runnerId,
    });
  }

  /** Resumes a Paused execution; otherwise `InvalidStateError`. */
  async resumeExecution(executionId: string): Promise<void> {
    this.#assertOpen();
    await this.#store.resumeExecution({
      executionId,
      nowMs: Date.now(),
      runnerId: this.#ctx.runnerId,
    });
  }

  /** Deletes events older than `olderThan` (back from now); returns how many (would be) deleted. */
  async cleanupEvents(options: { olderThan: Duration; dryRun?: boolean }): Promise<number> {
    this.#assertOpen();
    const ageMs = parseDuration(options.olderThan, 'olderThan');
    return this.#store.cleanupEvents({ olderThanMs: Date.now() - ageMs, dryRun: options.dryRun });
  }

  // ---- Event triggers: the runner's own management functions ----

  /** Trigger schedules ordered by name. */
  listTriggerSchedules(options?: ListTriggerSchedulesOptions): Promise<TriggerSchedule[]> {
    this.#assertOpen();
    return this.#triggers.list(options);
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

  /**
   * Fires trigger `name` now with `context`, under the same de-duplication as a poll, starting
   * the stored definition of its workflow (and of fan-out workflows).
   * @throws {NotFoundError} when no schedule has that name.
   */
  async fireTrigger(
    name: string,
    context?: Context | Record<string, Json>,
  ): Promise<FireTriggerResult> {
    this.#assertOpen();
    const schedule = await this.#store.getTriggerSchedule(name);
    if (schedule === null) return this.#triggers.fire(name, context); // throws its NotFoundError
    await this.#ctx.registry.refresh(this.#store);
    return fireTarget(this.#ctx, schedule, TriggerResult.fire(context));
  }

  /** Deletes the schedule of `name` (history is kept); returns whether it existed. */
  deleteTrigger(name: string): Promise<boolean> {
    this.#assertOpen();
    return this.#triggers.delete(name);
  }

  // ---- Cron schedules: the runner's own management functions ----

  /**
   * Schedules the stored workflow `workflowName` on `expression` in `timezone`; returns the id.
   * @throws {WorkflowNotFoundError} when no runner stored that workflow.
   * @throws {CronError} for a bad expression, zone or option.
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

  /** Outcome counts of cron runs since `since` (default: all time). */
  getCronExecutionStats(options?: CronStatsOptions): Promise<CronExecutionStats> {
    this.#assertOpen();
    return this.#cron.stats(options);
  }

  // ---- Lifecycle ----

  #assertOpen(): void {
    if (this.#closed !== undefined) {
      throw new CloacinaError(ErrorCode.SHUTDOWN, 'This client is closed; connect a new one.');
    }
  }

  /** Closes the database connection; waits in progress reject. Idempotent. */
  close(): Promise<void> {
    if (this.#closed === undefined) {
      this.#closing.abort();
      this.#closed = this.#store.close();
    }
    return this.#closed;
  }

  /** `await using client = await Client.connect(...)` closes it at scope exit. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
