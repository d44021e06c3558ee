/**
 * The composition root: the one place that picks a storage adapter from a database URL and wires
 * it to the engine.
 */
import { randomUUID } from 'node:crypto';
import { resolveRunnerConfig, type RunnerConfig } from './core/options.js';
import { ConfigError } from './errors.js';
import { FAULTS, type FaultsOption } from './faults.js';
import { Engine } from './engine/engine.js';
import { systemClock } from './engine/clock.js';
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
import type { Workflow } from './core/workflow.js';
import { createCron } from './engine/cron/api.js';
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
import type { Store } from './store/store.js';
import { openStore } from './store/open.js';
import { describeDatabase, requireCurrentSchema } from './store/schema-check.js';
import { clientOverStore, type Client } from './client.js';

/** The embedded workflow engine host: persists, schedules and executes workflows. */
export class DefaultRunner extends Engine {
  /** Event triggers: polling loop and management API. */
  private readonly triggerService = this.addService(new TriggerService(this.serviceContext));
  /** Cron schedules: management API, and the firing loop as a service when enabled. */
  private readonly cron = createCron(this.serviceContext, (service) => this.addService(service));

  /**
   * Opens the database at `url` (`sqlite://path`, a bare path, `sqlite::memory:` or
   * `postgres://…`), runs migrations (or, with `migrate: false`, checks that they were run) and
   * starts the background services. Invalid config or URL → `ConfigError` listing every problem.
   */
  static async create(
    url: string,
    config: RunnerConfig & FaultsOption = {},
  ): Promise<DefaultRunner> {
    const resolved = resolveRunnerConfig(config);
    const runnerId = resolved.runnerId ?? randomUUID();
    const logger = resolved.logger ?? createDefaultLogger();
    const store: Store = await openStore(url, {
      schema: resolved.schema,
      poolSize: resolved.dbPoolSize,
      logger: logger.child({ runnerId }),
      faults: config[FAULTS],
      create: resolved.migrate,
    });
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
      ...resolved.metrics,
    });
    const runner = new DefaultRunner(
      store,
      { ...resolved, runnerId },
      logger,
      resolved.clock ?? systemClock,
      metrics,
    );
    await runner.start();
    return runner;
  }

  /**
   * A {@link Client} over this runner's database connection (no second pool), for code that
   * reads and steers executions, triggers and cron schedules the way a separate process would
   * (the HTTP server uses it). Closing the client leaves the runner's connection open.
   */
  client(): Promise<Client> {
    return clientOverStore(this.store);
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
    return this.triggerService.register(trigger, workflowName);
  }

  /** Trigger schedules ordered by name (`limit` 100 and `offset` 0 by default). */
  listTriggerSchedules(options?: ListTriggerSchedulesOptions): Promise<TriggerSchedule[]> {
    return this.triggerService.list(options);
  }

  /**
   * One page of trigger schedules, by name; pass `nextCursor` back for the next page.
   * @throws {InvalidCursorError} for a cursor of another list or filter.
   */
  listTriggerSchedulesPage(
    options?: ListTriggerSchedulesPageOptions,
  ): Promise<Page<TriggerSchedule>> {
    return this.triggerService.listPage(options);
  }

  /** The schedule of trigger `name`, or null. */
  getTriggerSchedule(name: string): Promise<TriggerSchedule | null> {
    return this.triggerService.get(name);
  }

  /**
   * Enables or disables polling of trigger `name` (takes effect at once, survives restarts).
   * @throws {NotFoundError} when no schedule has that name.
   */
  setTriggerEnabled(name: string, enabled: boolean): Promise<TriggerSchedule> {
    return this.triggerService.setEnabled(name, enabled);
  }

  /** Fires, suppressed fires and poll errors of trigger `name`, newest first ([] if unknown). */
  getTriggerExecutionHistory(
    name: string,
    options?: TriggerHistoryOptions,
  ): Promise<TriggerExecution[]> {
    return this.triggerService.history(name, options);
  }

  /**
   * One page of the history of trigger `name`, newest first (an unknown name has none).
   * @throws {InvalidCursorError} for a cursor of another list or trigger.
   */
  getTriggerExecutionHistoryPage(
    name: string,
    options?: PageOptions,
  ): Promise<Page<TriggerExecution>> {
    return this.triggerService.historyPage(name, options);
  }

  /**
   * Fires trigger `name` now with `context`, under the same de-duplication as a poll.
   * @throws {NotFoundError} when no schedule has that name.
   */
  fireTrigger(name: string, context?: Context | Record<string, Json>): Promise<FireTriggerResult> {
    return this.triggerService.fire(name, context);
  }

  /** Deletes the schedule of trigger `name` (history is kept); returns whether it existed. */
  deleteTrigger(name: string): Promise<boolean> {
    return this.triggerService.delete(name);
  }

  /** Lower-level data access (the seed's `runner.dal().trigger_schedule().upsert(...)`). */
  dal(): TriggerDal {
    return this.triggerService.dal();
  }

  // ---- Cron schedules ----

  /** Registers a workflow (see {@link Engine.register}); its cron schedules may now fire here. */
  override register(workflow: Workflow): this {
    super.register(workflow);
    this.cron.workflowsChanged();
    return this;
  }

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
    return this.cron.register(workflowName, expression, timezone, options);
  }

  /** Cron schedules, oldest first (`limit` 100 and `offset` 0 by default). */
  listCronSchedules(options?: ListCronSchedulesOptions): Promise<CronSchedule[]> {
    return this.cron.list(options);
  }

  /**
   * One page of cron schedules, oldest first (by creation, then id).
   * @throws {InvalidCursorError} for a cursor of another list or filter.
   */
  listCronSchedulesPage(options?: ListCronSchedulesPageOptions): Promise<Page<CronSchedule>> {
    return this.cron.listPage(options);
  }

  /** The cron schedule `id`, or null. */
  getCronSchedule(id: string): Promise<CronSchedule | null> {
    return this.cron.get(id);
  }

  /**
   * Changes a schedule's expression and/or zone; the next run is recomputed from now.
   * @throws {NotFoundError} when no schedule has that id.
   * @throws {CronError} for a bad expression or zone.
   */
  updateCronSchedule(id: string, changes: UpdateCronScheduleOptions): Promise<CronSchedule> {
    return this.cron.update(id, changes);
  }

  /**
   * Enables or disables a schedule; re-enabling computes the next run from now (times passed
   * while disabled are not caught up).
   * @throws {NotFoundError} when no schedule has that id.
   */
  setCronScheduleEnabled(id: string, enabled: boolean): Promise<CronSchedule> {
    return this.cron.setEnabled(id, enabled);
  }

  /** Deletes a cron schedule (its history is kept); returns whether it existed. */
  deleteCronSchedule(id: string): Promise<boolean> {
    return this.cron.delete(id);
  }

  /** Runs and skipped times of schedule `id`, newest scheduled time first ([] if unknown). */
  getCronExecutionHistory(id: string, options?: CronHistoryOptions): Promise<CronExecution[]> {
    return this.cron.history(id, options);
  }

  /**
   * One page of the history of schedule `id`, newest scheduled time first (an unknown id has
   * none).
   * @throws {InvalidCursorError} for a cursor of another list or schedule.
   */
  getCronExecutionHistoryPage(id: string, options?: PageOptions): Promise<Page<CronExecution>> {
    return this.cron.historyPage(id, options);
  }

  /** Outcome counts of cron runs of all schedules recorded since `since` (default: all time). */
  getCronExecutionStats(options?: CronStatsOptions): Promise<CronExecutionStats> {
    return this.cron.stats(options);
  }
}

export { ConfigError };
