/**
 * The composition root: the one place that picks a storage adapter from a database URL and wires
 * it to the engine.
 */
import { randomUUID } from 'node:crypto';
import type { Duration } from './core/duration.js';
import {
  resolveRunnerConfig,
  type Clock,
  type Logger,
  type ResolvedRunnerConfig,
  type RunnerConfig,
} from './core/options.js';
import type { PruneOptions, PruneResult } from './core/retention.js';
import { ConfigError } from './errors.js';
import { FAULTS, type FaultsOption } from './faults.js';
import {
  Engine,
  type ExecuteAsyncOptions,
  type ExecuteOptions,
  type ListExecutionsOptions,
  type RunnerEvent,
  type ShutdownOptions,
} from './engine/engine.js';
import type { ListExecutionsPageOptions } from './engine/execution-pages.js';
import type { ExecutionControl, WorkflowExecutionHandle } from './engine/handle.js';
import { noMetrics, type EngineMetrics } from './engine/metrics.js';
import type { RerunOptions } from './engine/rerun.js';
import type { ExecutionSummary, WorkflowExecutionResult } from './engine/results.js';
import type { TaskLogs, TaskLogsOptions } from './engine/task-logs-read.js';
import { systemClock, toWholeMilliseconds } from './engine/clock.js';
import type { Context } from './core/context.js';
import type { Json } from './core/json.js';
import type { Trigger } from './core/trigger.js';
import { TriggerService } from './engine/triggers/api.js';
import type {
  FireTriggerResult,
  ListTriggerSchedulesOptions,
  ListTriggerSchedulesPageOptions,
  TriggerDal,
  TriggerExecution,
  TriggerHistoryOptions,
  TriggerSchedule,
} from './engine/triggers/types.js';
import { targetName, type ExecuteArgs, type Workflow } from './core/workflow.js';
import { createCron, type CronApi } from './engine/cron/api.js';
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
import type { Page, PageOptions } from './engine/pages.js';
import { createDefaultLogger } from './observability/logger.js';
import { createPrometheusMetrics } from './observability/metrics.js';
import type { ExecutionEvent, Store, WorkflowStatus } from './store/store.js';
import { openStore } from './store/open.js';
import { WRAP_STORE, type WrapStoreOption } from './store-wrapper.js';
import { describeDatabase, requireCurrentSchema } from './store/schema-check.js';
import { clientOverStore, type Client } from './client.js';

/**
 * The embedded workflow engine host: persists, schedules and executes workflows. It composes the
 * engine (execution) with the trigger and cron services and exposes them as one API.
 */
export class DefaultRunner implements ExecutionControl, AsyncDisposable {
  /** This runner's id, shown in claims, events and logs. */
  readonly runnerId: string;
  /** This runner's human name. */
  readonly runnerName: string;
  /** Registration, scheduling, execution, waits and execution controls. */
  readonly #engine: Engine;
  /** Event triggers: polling loop and management API. */
  readonly #triggers: TriggerService;
  /** Cron schedules: management API, and the firing loop as a service when enabled. */
  readonly #cron: CronApi;

  /**
   * A runner over an open, migrated store; its services start with {@link create}, which is
   * how applications get one.
   */
  constructor(
    store: Store,
    config: ResolvedRunnerConfig,
    logger: Logger,
    clock: Clock,
    metricsSink: EngineMetrics = noMetrics,
  ) {
    const engine = new Engine(store, config, logger, clock, metricsSink);
    this.#engine = engine;
    this.runnerId = engine.runnerId;
    this.runnerName = engine.runnerName;
    this.#triggers = engine.addService(new TriggerService(engine.serviceContext));
    this.#cron = createCron(engine.serviceContext, (service) => engine.addService(service));
  }

  /**
   * Opens the database at `url` (`sqlite://path`, a bare path, `sqlite::memory:` or
   * `postgres://…`), runs migrations (or, with `migrate: false`, checks that they were run) and
   * starts the background services. Invalid config or URL → `ConfigError` listing every problem.
   */
  static async create(
    url: string,
    config: RunnerConfig & FaultsOption & WrapStoreOption = {},
  ): Promise<DefaultRunner> {
    const resolved = resolveRunnerConfig(config);
    const runnerId = resolved.runnerId ?? randomUUID();
    const logger = resolved.logger ?? createDefaultLogger();
    const opened: Store = await openStore(url, {
      schema: resolved.schema,
      poolSize: resolved.dbPoolSize,
      logger: logger.child({ runnerId }),
      faults: config[FAULTS],
      create: resolved.migrate,
    });
    const store = config[WRAP_STORE]?.(opened) ?? opened;
    try {
      if (resolved.migrate) await store.migrate();
      else await requireCurrentSchema(store, describeDatabase(url, resolved.schema));
    } catch (error) {
      await store.close();
      throw error;
    }
    const metrics = createPrometheusMetrics({
      runnerId,
      activeWorkflows: () => store.countActiveExecutions(),
      queuedExecutions: () => store.countQueuedExecutions(),
      ...resolved.metrics,
    });
    const runner = new DefaultRunner(
      store,
      { ...resolved, runnerId },
      logger,
      toWholeMilliseconds(resolved.clock ?? systemClock),
      metrics,
    );
    await runner.#engine.start();
    return runner;
  }

  /**
   * A {@link Client} over this runner's database connection (no second pool), for code that
   * reads and steers executions, triggers and cron schedules the way a separate process would
   * (the HTTP server uses it). Closing the client leaves the runner's connection open.
   */
  client(): Promise<Client> {
    return clientOverStore(this.#engine.store);
  }

  /** Streams execution events of this process as they commit. An emit never throws into the engine. */
  on(type: 'event', listener: (event: RunnerEvent) => void): this {
    this.#engine.on(type, listener);
    return this;
  }

  /** Removes a listener added with {@link on}. */
  off(type: 'event', listener: (event: RunnerEvent) => void): this {
    this.#engine.off(type, listener);
    return this;
  }

  /**
   * Registers a workflow; this runner then executes its tasks, and its cron schedules may fire
   * here. Re-registering adds a version.
   */
  register(workflow: Workflow): this {
    this.#engine.register(workflow);
    this.#cron.workflowsChanged();
    return this;
  }

  /**
   * Resolves once the definitions of every workflow registered so far are stored, so that
   * clients without the code (the CLI, the HTTP API, other processes) can see and start them.
   * `register()` stores them in the background; a failed write was logged. Never rejects.
   */
  definitionsStored(): Promise<void> {
    return this.#engine.definitionsStored();
  }

  /** Names of the workflows registered in this runner. */
  listWorkflows(): string[] {
    return this.#engine.listWorkflows();
  }

  /**
   * Schedules an execution and returns its handle at once. Everything is validated before the
   * one scheduling transaction, so a bad call never leaves a half-written execution. With an
   * `idempotencyKey` already used for this workflow, the handle is the existing execution's
   * (`created: false`); its context is not checked against this call's.
   *
   * With `runAt` or `delay`, the execution is written now as `Scheduled` and its root tasks
   * start at that time, on any runner with the workflow (within its scheduler poll interval);
   * it survives restarts and can be cancelled or paused meanwhile.
   *
   * Given the workflow object rather than its name, the compiler checks `input` against the
   * workflow's input schema; the object stands for its name, so the latest version registered
   * under that name runs and checks the input.
   *
   * @throws {ConfigError} for an `idempotencyKey` that is not a string of 1 to 255 characters
   *   without NUL, or for a bad `runAt` / `delay` (or both given).
   */
  executeAsync<Target extends string | Workflow>(
    workflow: Target,
    ...[context, options = {}]: ExecuteArgs<Target, ExecuteAsyncOptions>
  ): Promise<WorkflowExecutionHandle> {
    return this.#engine.executeAsync(targetName(workflow), context, options);
  }

  /**
   * Starts a new execution that reruns the ended execution `executionId`, and returns its handle
   * at once. From `'failed'` (the default), the tasks that completed in the original are written
   * Completed with their outputs and do not run; the failed, skipped and cancelled tasks and
   * everything downstream of them run, from the same inputs as in a clean run, so the final
   * context is the one a clean run would have had. From `'start'`, every task of the current
   * version runs again from the original's initial context (checked against the current input
   * schema). The new execution's `rerunOf` names the original, whose `rerunBy` becomes the new
   * id. It is scheduled as `executeAsync` schedules, so any runner with the workflow may run it.
   *
   * @throws {NotFoundError} for an unknown id.
   * @throws {InvalidStateError} when the original has not ended; from `'failed'`, also when it
   *   Completed (nothing would run) or when the registered version is not the one it ran (the
   *   message names both; rerun from `'start'` instead).
   * @throws {WorkflowNotFoundError} when the workflow is not registered in this runner.
   * @throws {ConfigError} for options other than `{ from?: 'failed' | 'start' }`.
   */
  rerunExecution(
    executionId: string,
    options: RerunOptions = { from: 'failed' },
  ): Promise<WorkflowExecutionHandle> {
    return this.#engine.rerunExecution(executionId, options);
  }

  /**
   * Schedules an execution and waits for its end; with an `idempotencyKey` already used, waits
   * for the existing execution instead. Takes a workflow object (its input type-checked) or a
   * name, as {@link executeAsync} does.
   */
  execute<Target extends string | Workflow>(
    workflow: Target,
    ...[context, options = {}]: ExecuteArgs<Target, ExecuteOptions>
  ): Promise<WorkflowExecutionResult> {
    return this.#engine.execute(targetName(workflow), context, options);
  }

  /** Waits for a terminal status; notification-driven, with a slow cross-process backstop. */
  waitForExecution(
    executionId: string,
    timeout?: Duration | null,
  ): Promise<WorkflowExecutionResult> {
    return this.#engine.waitForExecution(executionId, timeout);
  }

  /** The status of an execution; unknown id → `NotFoundError`. */
  getExecutionStatus(executionId: string): Promise<WorkflowStatus> {
    return this.#engine.getExecutionStatus(executionId);
  }

  /** The result of an execution as it stands. */
  getExecutionResult(executionId: string): Promise<WorkflowExecutionResult> {
    return this.#engine.getExecutionResult(executionId);
  }

  /**
   * Executions, newest first.
   * @throws {ConfigError} for paging or a filter out of range (see `checkListOptions`).
   */
  listExecutions(options: ListExecutionsOptions = {}): Promise<WorkflowExecutionResult[]> {
    return this.#engine.listExecutions(options);
  }

  /**
   * One page of executions, newest first (`createdAt`, then `executionId`, descending), with
   * an optional workflow and status filter and creation-time range (`createdAfter` inclusive,
   * `createdBefore` exclusive); pass `nextCursor` back for the next page.
   * @throws {ConfigError} for a bad limit or filter.
   * @throws {InvalidCursorError} for a cursor of another list or other filters.
   */
  listExecutionsPage(options?: ListExecutionsPageOptions): Promise<Page<ExecutionSummary>> {
    return this.#engine.listExecutionsPage(options);
  }

  /**
   * Every execution and task event of an execution, oldest first (task log lines: {@link
   * getTaskLogs}; the trigger and cron events naming it are in the event feed,
   * `Client.readEvents`).
   */
  getExecutionEvents(executionId: string): Promise<ExecutionEvent[]> {
    return this.#engine.getExecutionEvents(executionId);
  }

  /**
   * What task `taskId` of an execution wrote with `handle.log` in one attempt (default: the
   * latest), oldest line first. Each attempt keeps its newest `TASK_LOG_MAX_LINES` lines and
   * `TASK_LOG_MAX_BYTES` of text (`truncated` says older ones were dropped); a running
   * attempt's lines are there within about 100 ms of being logged.
   *
   * @throws {NotFoundError} for an unknown execution or task, or an attempt past `attempts`.
   * @throws {ConfigError} when `attempt` is not an integer ≥ 1, or an option is unknown.
   */
  getTaskLogs(executionId: string, taskId: string, options?: TaskLogsOptions): Promise<TaskLogs> {
    return this.#engine.getTaskLogs(executionId, taskId, options);
  }

  /**
   * One page of an execution's events, oldest first (by id), without task log lines.
   * @throws {NotFoundError} for an unknown execution.
   * @throws {InvalidCursorError} for a cursor of another list or execution.
   */
  getExecutionEventsPage(
    executionId: string,
    options?: PageOptions,
  ): Promise<Page<ExecutionEvent>> {
    return this.#engine.getExecutionEventsPage(executionId, options);
  }

  /** Hard cancel: no new task starts, running tasks' signals abort, status Cancelled for good. */
  cancelExecution(executionId: string): Promise<void> {
    return this.#engine.cancelExecution(executionId);
  }

  /** Pauses a Pending or Running execution. */
  pauseExecution(executionId: string, reason?: string): Promise<void> {
    return this.#engine.pauseExecution(executionId, reason);
  }

  /** Resumes a Paused execution. */
  resumeExecution(executionId: string): Promise<void> {
    return this.#engine.resumeExecution(executionId);
  }

  /** Deletes events older than `olderThan` (a duration back from now); returns how many. */
  cleanupEvents(options: { olderThan: Duration; dryRun?: boolean }): Promise<number> {
    return this.#engine.cleanupEvents(options);
  }

  /**
   * Deletes, now, the executions that ended longer ago than `olderThan` in a terminal status
   * (Completed, Failed, Cancelled; only `status` when given) with their tasks and events, and,
   * without `status`, trigger and cron history as old; with `dryRun`, only counts them. Works
   * in transactions of at most 1,000 rows, so running work is held up by one batch at most.
   * Executions that have not ended are never touched. Takes no lease: it may run while a
   * runner's retention prunes too (each row is deleted once).
   *
   * @throws {ConfigError} for a missing or non-positive `olderThan`, a status that is not
   *   terminal, or an unknown option.
   */
  prune(options: PruneOptions): Promise<PruneResult> {
    return this.#engine.prune(options);
  }

  /** True once {@link shutdown} was called. */
  get isShutdown(): boolean {
    return this.#engine.isShutdown;
  }

  /**
   * Stops claiming, lets running tasks finish within `timeout` (then aborts them), hands the
   * claims of unfinished tasks back so another runner takes them at once, stops the loops and
   * closes the database. Idempotent.
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    return this.#engine.shutdown(options);
  }

  /** This runner's metrics in the Prometheus text format. */
  metrics(): Promise<string> {
    return this.#engine.metrics();
  }

  /** `await using runner = await DefaultRunner.create(...)` shuts the runner down at scope exit. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  // ---- Event triggers ----

  /**
   * Registers an event trigger for `workflowName` (default: the trigger's own `workflow`). The
   * runner keeps this very object (state on `this` survives between polls) and upserts the
   * durable schedule row; re-registration keeps an operator's `enabled = false`.
   *
   * @throws {ConfigError} when the trigger is invalid or names no workflow.
   * @throws {WorkflowNotFoundError} when the workflow is not registered in this runner.
   */
  registerTrigger(trigger: Trigger, workflowName?: string): Promise<TriggerSchedule> {
    return this.#triggers.register(trigger, workflowName);
  }

  /** Trigger schedules ordered by name (`limit` 100 and `offset` 0 by default). */
  listTriggerSchedules(options?: ListTriggerSchedulesOptions): Promise<TriggerSchedule[]> {
    return this.#triggers.list(options);
  }

  /**
   * One page of trigger schedules, by name; pass `nextCursor` back for the next page.
   * @throws {InvalidCursorError} for a cursor of another list or filter.
   */
  listTriggerSchedulesPage(
    options?: ListTriggerSchedulesPageOptions,
  ): Promise<Page<TriggerSchedule>> {
    return this.#triggers.listPage(options);
  }

  /** The schedule of trigger `name`, or null. */
  getTriggerSchedule(name: string): Promise<TriggerSchedule | null> {
    return this.#triggers.get(name);
  }

  /**
   * Enables or disables polling of trigger `name` (takes effect at once, survives restarts).
   * @throws {NotFoundError} when no schedule has that name.
   */
  setTriggerEnabled(name: string, enabled: boolean): Promise<TriggerSchedule> {
    return this.#triggers.setEnabled(name, enabled);
  }

  /** Fires, suppressed fires and poll errors of trigger `name`, newest first ([] if unknown). */
  getTriggerExecutionHistory(
    name: string,
    options?: TriggerHistoryOptions,
  ): Promise<TriggerExecution[]> {
    return this.#triggers.history(name, options);
  }

  /**
   * One page of the history of trigger `name`, newest first (an unknown name has none).
   * @throws {InvalidCursorError} for a cursor of another list or trigger.
   */
  getTriggerExecutionHistoryPage(
    name: string,
    options?: PageOptions,
  ): Promise<Page<TriggerExecution>> {
    return this.#triggers.historyPage(name, options);
  }

  /**
   * Fires trigger `name` now with `context`, under the same de-duplication as a poll.
   * @throws {NotFoundError} when no schedule has that name.
   */
  fireTrigger(name: string, context?: Context | Record<string, Json>): Promise<FireTriggerResult> {
    return this.#triggers.fire(name, context);
  }

  /** Deletes the schedule of trigger `name` (history is kept); returns whether it existed. */
  deleteTrigger(name: string): Promise<boolean> {
    return this.#triggers.delete(name);
  }

  /** Lower-level data access (the seed's `runner.dal().trigger_schedule().upsert(...)`). */
  dal(): TriggerDal {
    return this.#triggers.dal();
  }

  // ---- Cron schedules ----

  /**
   * Schedules `workflowName` on a cron `expression` (5 fields, or 6 with leading seconds) in the
   * IANA `timezone`; returns the schedule id. Each scheduled time fires exactly once across all
   * runners; see docs/cron.md for catch-up and DST.
   *
   * @throws {WorkflowNotFoundError} when the workflow is not registered in this runner.
   * @throws {CronError} for a bad expression, zone, catch-up policy, dates or reserved context key.
   */
  registerCronWorkflow(
    workflowName: string,
    expression: string,
    timezone = 'UTC',
    options: CronScheduleOptions = {},
  ): Promise<string> {
    return this.#cron.register(workflowName, expression, timezone, options);
  }

  /** Cron schedules, oldest first (`limit` 100 and `offset` 0 by default). */
  listCronSchedules(options?: ListCronSchedulesOptions): Promise<CronSchedule[]> {
    return this.#cron.list(options);
  }

  /**
   * One page of cron schedules, oldest first (by creation, then id).
   * @throws {InvalidCursorError} for a cursor of another list or filter.
   */
  listCronSchedulesPage(options?: ListCronSchedulesPageOptions): Promise<Page<CronSchedule>> {
    return this.#cron.listPage(options);
  }

  /** The cron schedule `id`, or null. */
  getCronSchedule(id: string): Promise<CronSchedule | null> {
    return this.#cron.get(id);
  }

  /**
   * Changes a schedule's expression and/or zone; the next run is recomputed from now.
   * @throws {NotFoundError} when no schedule has that id.
   * @throws {CronError} for a bad expression or zone.
   */
  updateCronSchedule(id: string, changes: UpdateCronScheduleOptions): Promise<CronSchedule> {
    return this.#cron.update(id, changes);
  }

  /**
   * Enables or disables a schedule; re-enabling computes the next run from now (times passed
   * while disabled are not caught up).
   * @throws {NotFoundError} when no schedule has that id.
   */
  setCronScheduleEnabled(id: string, enabled: boolean): Promise<CronSchedule> {
    return this.#cron.setEnabled(id, enabled);
  }

  /** Deletes a cron schedule (its history is kept); returns whether it existed. */
  deleteCronSchedule(id: string): Promise<boolean> {
    return this.#cron.delete(id);
  }

  /** Runs and skipped times of schedule `id`, newest scheduled time first ([] if unknown). */
  getCronExecutionHistory(id: string, options?: CronHistoryOptions): Promise<CronExecution[]> {
    return this.#cron.history(id, options);
  }

  /**
   * One page of the history of schedule `id`, newest scheduled time first (an unknown id has
   * none).
   * @throws {InvalidCursorError} for a cursor of another list or schedule.
   */
  getCronExecutionHistoryPage(id: string, options?: PageOptions): Promise<Page<CronExecution>> {
    return this.#cron.historyPage(id, options);
  }

  /** Outcome counts of cron runs of all schedules recorded since `since` (default: all time). */
  getCronExecutionStats(options?: CronStatsOptions): Promise<CronExecutionStats> {
    return this.#cron.stats(options);
  }
}

export { ConfigError };
