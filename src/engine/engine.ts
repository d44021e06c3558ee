/**
 * The runtime of a runner: registration, scheduling, the executor, the heartbeat and sweeper
 * loops, waiting callers, and operator controls. It sees only the {@link Store} contract; the
 * composition root (`DefaultRunner.create`) picks the adapter.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { newExecutionId } from '../core/execution-id.js';
import { parseDuration, type Duration } from '../core/duration.js';
import type { Context } from '../core/context.js';
import { checkInput, toContextObject } from '../core/input.js';
import type { JsonObject } from '../core/json.js';
import type { Clock, Logger, ResolvedRunnerConfig } from '../core/options.js';
import { startOf } from '../core/start.js';
import { Workflow } from '../core/workflow.js';
import {
  CloacinaError,
  DatabaseError,
  ErrorCode,
  NotFoundError,
  TimeoutError,
  WorkflowNotFoundError,
  toError,
} from '../errors.js';
import type { CommitNotice } from '../store/db.js';
import type { ExecutionEvent, ExecutionRecord, NewEvent, WorkflowStatus } from '../store/rows.js';
import type { NewExecution, ScheduledExecution, Store } from '../store/store.js';
import { Batcher } from './batcher.js';
import { executionFilter } from './execution-filter.js';
import { Executor } from './executor.js';
import { noMetrics, type EngineMetrics } from './metrics.js';
import type { EngineService, ServiceContext } from './service.js';
import { WorkflowExecutionHandle, type ExecutionControl } from './handle.js';
import { WorkflowRegistry } from './registry.js';
import { toExecutionResult, type WorkflowExecutionResult } from './results.js';
import { Slots } from './slots.js';
import { after, every, sleep } from './timers.js';
import { Waiters } from './waiters.js';
import { Wakeup } from './wakeup.js';

/** An execution event as streamed by `runner.on('event', ...)`. */
export type RunnerEvent = NewEvent;

/** Options of {@link Engine.execute}. */
export interface ExecuteOptions {
  /** Bound of the wait; default the runner's `workflowTimeout`; `null` waits forever. */
  timeout?: Duration | null;
}

/** Options of {@link Engine.shutdown}. */
export interface ShutdownOptions {
  /** Let running tasks finish (within `timeout`) before aborting them. @default true */
  graceful?: boolean;
  /** @default '30s' */
  timeout?: Duration;
}

/** Filter of {@link Engine.listExecutions}. */
export interface ListExecutionsOptions {
  workflowName?: string;
  status?: WorkflowStatus;
  /** Rows per page, 1 to 1000 (`MAX_PAGE_SIZE`). @default 100 */
  limit?: number;
  /** Rows to skip, an integer ≥ 0. @default 0 */
  offset?: number;
}

const TERMINAL_EVENTS = new Set(['workflow_completed', 'workflow_failed', 'workflow_cancelled']);

/** How often waiters look for executions ended by another process. */
const WAITER_BACKSTOP_MS = 500;

/** The engine behind `DefaultRunner`. */
export class Engine implements ExecutionControl, AsyncDisposable {
  /** This runner's id, shown in claims, events and logs. */
  readonly runnerId: string;
  /** This runner's human name. */
  readonly runnerName: string;
  protected readonly logger: Logger;
  protected readonly clock: Clock;
  protected readonly registry = new WorkflowRegistry();
  private readonly slots: Slots;
  private readonly executor: Executor;
  private readonly wakeup: Wakeup;
  private readonly waiters: Waiters;
  /**
   * Executions scheduled in the same turn of the event loop (concurrent callers) share one
   * transaction (see {@link Batcher}).
   */
  private readonly schedules: Batcher<NewExecution, ScheduledExecution>;
  private readonly listeners = new Set<(event: RunnerEvent) => void>();
  private readonly stops: (() => void)[] = [];
  private readonly services: EngineService[] = [];
  private readonly lifetime = new AbortController();
  private shutdownPromise: Promise<void> | undefined;

  constructor(
    protected readonly store: Store,
    protected readonly config: ResolvedRunnerConfig,
    logger: Logger,
    clock: Clock,
    protected readonly metricsSink: EngineMetrics = noMetrics,
  ) {
    // Every waiting caller listens for shutdown; there may be thousands.
    setMaxListeners(0, this.lifetime.signal);
    this.runnerId = config.runnerId ?? randomUUID();
    this.runnerName = config.runnerName ?? `${hostname()}:${process.pid}`;
    this.logger = logger.child({ runnerId: this.runnerId });
    this.clock = clock;
    this.slots = new Slots(config.maxConcurrentTasks);
    this.waiters = new Waiters(store);
    this.schedules = new Batcher((inputs) => this.scheduleBatch(inputs));
    this.wakeup = new Wakeup(() => this.executor.claimPass());
    this.executor = new Executor({
      store,
      registry: this.registry,
      slots: this.slots,
      config,
      clock,
      logger: this.logger,
      runnerId: this.runnerId,
      metrics: metricsSink,
      wake: () => this.wakeup.wake(),
    });
  }

  /** What background services are given to do their work. */
  protected get serviceContext(): ServiceContext {
    return {
      store: this.store,
      registry: this.registry,
      config: this.config,
      clock: this.clock,
      logger: this.logger,
      runnerId: this.runnerId,
      metrics: this.metricsSink,
      rootClaims: {
        reserve: (roots) => this.executor.reserveForSchedule(roots),
        adopt: (claimed, reserved) => this.executor.adopt(claimed, reserved),
      },
    };
  }

  /** Adds a background service, started with the runner and stopped first at shutdown. */
  protected addService<S extends EngineService>(service: S): S {
    this.services.push(service);
    return service;
  }

  /** Starts the background loops. Called once by the composition root. */
  protected start(): void {
    for (const service of this.services) service.start();
    this.stops.push(this.store.onCommit((notice) => this.onCommit(notice)));
    this.stops.push(every(this.config.schedulerPollIntervalMs, () => this.wakeup.wake()));
    this.stops.push(
      every(WAITER_BACKSTOP_MS, () => this.guard(this.waiters.poll(), 'waiter backstop')),
    );
    if (this.config.enableClaiming) {
      this.stops.push(
        every(this.config.heartbeatIntervalMs, () =>
          this.guard(this.executor.heartbeat(), 'heartbeat'),
        ),
      );
    }
    if (this.config.enableClaiming && this.config.enableRecovery) {
      this.stops.push(every(this.config.staleClaimSweepIntervalMs, () => void this.sweep()));
      void this.sweep();
    }
    this.wakeup.wake();
    this.logger.debug({ runnerName: this.runnerName }, 'runner started');
  }

  private guard(work: Promise<unknown>, what: string): void {
    work.catch((error: unknown) =>
      this.logger.warn({ err: toError(error) }, `${what} failed; retrying on the next tick`),
    );
  }

  /**
   * Sweeps stale claims until none is left (each batch is one transaction). This runner's own
   * claims are heartbeated first: after an outage longer than `staleClaimThreshold`, the first
   * tick to reach the database may be a sweep, which would otherwise take back the tasks this
   * runner is still running and run them again.
   */
  private async sweep(): Promise<void> {
    try {
      // A heartbeat shared with one already in flight wrote the time it started: claims are
      // judged against that time, so a slow heartbeat cannot make this runner's own look stale.
      const beatAtMs = await this.executor.heartbeat();
      for (;;) {
        const nowMs = this.clock.now();
        const outcome = await this.store.sweepStaleClaims({
          nowMs,
          staleBeforeMs: Math.min(nowMs, beatAtMs) - this.config.staleClaimThresholdMs,
          maxRecoveryAttempts: this.config.maxRecoveryAttempts,
          runnerId: this.runnerId,
        });
        const total = outcome.recovered + outcome.abandoned;
        this.metricsSink.staleClaimsSwept(outcome.recovered, outcome.abandoned);
        if (total > 0) this.logger.warn(outcome, 'swept stale claims of silent runners');
        if (total === 0 || this.shutdownPromise !== undefined) return;
      }
    } catch (error) {
      this.logger.warn(
        { err: toError(error) },
        'stale-claim sweep failed; retrying on the next tick',
      );
    }
  }

  private onCommit(notice: CommitNotice): void {
    for (const event of notice.events) {
      if (event.type === 'workflow_cancelled') this.executor.abortExecution(event.executionId);
      if (TERMINAL_EVENTS.has(event.type)) {
        this.guard(this.waiters.notify(event.executionId), 'waiter');
        // Count each outcome once: in the runner whose transaction recorded it.
        if (event.runnerId === this.runnerId) {
          const durationMs = event.data?.durationMs;
          this.metricsSink.workflowFinished(
            event.type.slice('workflow_'.length),
            typeof durationMs === 'number' ? durationMs : null,
          );
        }
      }
      for (const listener of this.listeners) {
        try {
          listener(event);
        } catch (error) {
          this.logger.warn(
            { err: toError(error) },
            'an event listener threw; the engine ignores it',
          );
        }
      }
    }
    if (notice.channels.has('tasks')) this.wakeup.wake();
    if (notice.remote && notice.channels.has('executions')) {
      this.guard(this.waiters.poll(), 'waiter');
      // Another process may have cancelled an execution whose task runs here: a heartbeat now
      // finds the lost claim at once instead of at the next interval.
      if (this.config.enableClaiming && this.executor.running.size > 0) {
        this.guard(this.executor.heartbeat(), 'heartbeat');
      }
    }
  }

  /** Streams execution events of this process as they commit. An emit never throws into the engine. */
  on(type: 'event', listener: (event: RunnerEvent) => void): this {
    if (type === 'event') this.listeners.add(listener);
    return this;
  }

  /** Removes a listener added with {@link on}. */
  off(type: 'event', listener: (event: RunnerEvent) => void): this {
    if (type === 'event') this.listeners.delete(listener);
    return this;
  }

  /** Registers a workflow; this runner then executes its tasks. Re-registering adds a version. */
  register(workflow: Workflow): this {
    if (!(workflow instanceof Workflow)) {
      throw new CloacinaError(
        ErrorCode.CONFIG,
        'register() expects a Workflow built with workflow() or WorkflowBuilder.build().',
      );
    }
    this.registry.register(workflow);
    this.recordDefinition(workflow);
    this.wakeup.wake();
    return this;
  }

  /** Definition writes in flight; shutdown waits for them before closing the database. */
  private readonly definitionWrites = new Set<Promise<void>>();

  /**
   * Stores the code-free definition so clients without the task code can list and schedule the
   * workflow. It runs in the background because `register()` is synchronous; nothing in this
   * runner depends on it (it schedules from its own registry), and a failure is only logged.
   */
  private recordDefinition(workflow: Workflow): void {
    const write = this.store
      .saveDefinition({
        name: workflow.name,
        version: workflow.version,
        description: workflow.description,
        definition: workflow.toDefinition(),
        plan: this.registry.plan(workflow),
        runnerId: this.runnerId,
        nowMs: this.clock.now(),
      })
      .then(
        () => undefined,
        (error: unknown) =>
          this.logger.warn(
            { err: toError(error), workflow: workflow.name, version: workflow.version },
            'storing the workflow definition failed; clients cannot schedule this version by name',
          ),
      )
      .finally(() => this.definitionWrites.delete(write));
    this.definitionWrites.add(write);
  }

  /** Names of the workflows registered in this runner. */
  listWorkflows(): string[] {
    return this.registry.names();
  }

  private initialContext(workflow: Workflow, context: unknown): JsonObject {
    const initial = toContextObject(`The initial context of '${workflow.name}'`, context);
    return checkInput(workflow.name, workflow.input, initial);
  }

  /**
   * Schedules an execution and returns its handle at once. Everything is validated before the
   * one scheduling transaction, so a bad call never leaves a half-written execution.
   */
  async executeAsync(
    workflowName: string,
    context?: Context | Record<string, unknown>,
  ): Promise<WorkflowExecutionHandle> {
    this.assertOpen();
    const workflow = this.registry.latest(workflowName);
    if (workflow === undefined)
      throw new WorkflowNotFoundError(workflowName, this.registry.names());
    const initial = this.initialContext(workflow, context);
    const scheduled = await this.schedules.add({
      id: newExecutionId(),
      workflowName,
      workflowVersion: workflow.version,
      initialContext: initial,
      tasks: this.registry.plan(workflow),
      nowMs: this.clock.now(),
      runnerId: this.runnerId,
    });
    return new WorkflowExecutionHandle(this, scheduled.record.id, workflowName);
  }

  /**
   * Writes a batch of `executeAsync` calls in one transaction. With free slots and nothing
   * older waiting, the roots are claimed by that transaction and start as soon as it commits;
   * a root its trigger rule skips takes no slot.
   * The slots are reserved when the batch goes out, not when each call was made: a task that
   * finished in between has given its slot back by then.
   */
  private async scheduleBatch(inputs: readonly NewExecution[]): Promise<ScheduledExecution[]> {
    const reserved = inputs.map((input) =>
      this.executor.reserveForSchedule(startOf(input.tasks, input.initialContext).ready.length),
    );
    let scheduled: ScheduledExecution[];
    try {
      scheduled = await this.store.scheduleExecutions(
        inputs.map((input, i) => ({ ...input, claimRoots: reserved[i] })),
      );
    } catch (error) {
      for (const count of reserved) this.slots.release(count);
      throw error;
    }
    await Promise.all(scheduled.map((s, i) => this.executor.adopt(s.claimed, reserved[i]!)));
    return scheduled;
  }

  /** Schedules an execution and waits for its end. */
  async execute(
    workflowName: string,
    context?: Context | Record<string, unknown>,
    options: ExecuteOptions = {},
  ): Promise<WorkflowExecutionResult> {
    const handle = await this.executeAsync(workflowName, context);
    return this.waitForExecution(handle.executionId, options.timeout);
  }

  /** Waits for a terminal status; notification-driven, with a slow cross-process backstop. */
  async waitForExecution(
    executionId: string,
    timeout?: Duration | null,
  ): Promise<WorkflowExecutionResult> {
    const timeoutMs =
      timeout === undefined
        ? this.config.workflowTimeoutMs
        : timeout === null
          ? null
          : parseDuration(timeout, 'timeout');
    const stop = new AbortController();
    const onShutdown = (): void => stop.abort();
    this.lifetime.signal.addEventListener('abort', onShutdown, { once: true });
    const cancelTimer =
      timeoutMs === null ? undefined : after(timeoutMs, () => stop.abort(), { keepAlive: true });
    try {
      const record = await this.waiters.wait(executionId, stop.signal);
      if (record !== null) return await this.endedResult(record, stop.signal);
      if (this.lifetime.signal.aborted) {
        throw new CloacinaError(
          ErrorCode.SHUTDOWN,
          `The runner shut down while waiting for execution ${executionId}; it will continue on the next runner.`,
        );
      }
      await this.getExecutionStatus(executionId);
      throw new TimeoutError(
        `Execution ${executionId} did not finish within ${timeoutMs} ms; it keeps running. ` +
          'Check it later with getExecutionStatus() or wait again with a longer timeout.',
        timeoutMs ?? 0,
      );
    } finally {
      cancelTimer?.();
      this.lifetime.signal.removeEventListener('abort', onShutdown);
    }
  }

  /**
   * Reads the result of an execution known to have ended. A transient database failure here
   * (e.g. the PostgreSQL server restarting just as the execution ended) is retried with backoff
   * until the wait's timeout or shutdown: the outcome is durable, so failing the caller's wait
   * over a connection blip would report an error for an execution that completed.
   */
  private async endedResult(
    record: ExecutionRecord,
    signal: AbortSignal,
  ): Promise<WorkflowExecutionResult> {
    const executionId = record.id;
    for (let delayMs = 100; ; delayMs = Math.min(2 * delayMs, 2_000)) {
      try {
        // The waiter already read the terminal record; only the task rows are still needed.
        return toExecutionResult(record, await this.store.getTasks(executionId));
      } catch (error) {
        if (!(error instanceof DatabaseError && error.retryable) || signal.aborted) throw error;
        this.logger.warn(
          { err: error, executionId, retryInMs: delayMs },
          'reading the result of an ended execution failed; retrying',
        );
        await sleep(delayMs, signal);
      }
    }
  }

  private async requireExecution(executionId: string): Promise<ExecutionRecord> {
    const record = await this.store.getExecution(executionId);
    if (record === null) {
      throw new NotFoundError(
        `No workflow execution with id '${executionId}'. Check the id (listExecutions() shows recent ones).`,
      );
    }
    return record;
  }

  /** The status of an execution; unknown id → `NotFoundError`. */
  async getExecutionStatus(executionId: string): Promise<WorkflowStatus> {
    return (await this.requireExecution(executionId)).status;
  }

  /** The result of an execution as it stands. */
  async getExecutionResult(executionId: string): Promise<WorkflowExecutionResult> {
    const record = await this.requireExecution(executionId);
    return toExecutionResult(record, await this.store.getTasks(executionId));
  }

  /**
   * Executions, newest first.
   * @throws {ConfigError} for paging or a filter out of range (see `checkListOptions`).
   */
  async listExecutions(options: ListExecutionsOptions = {}): Promise<WorkflowExecutionResult[]> {
    const records = await this.store.listExecutions(executionFilter(options));
    return Promise.all(
      records.map(async (r) => toExecutionResult(r, await this.store.getTasks(r.id))),
    );
  }

  /** Every event of an execution, oldest first. */
  async getExecutionEvents(executionId: string): Promise<ExecutionEvent[]> {
    await this.requireExecution(executionId);
    return this.store.getEvents(executionId);
  }

  /** Hard cancel: no new task starts, running tasks' signals abort, status Cancelled for good. */
  async cancelExecution(executionId: string): Promise<void> {
    await this.store.cancelExecution({
      executionId,
      nowMs: this.clock.now(),
      runnerId: this.runnerId,
    });
  }

  /** Pauses a Pending or Running execution. */
  async pauseExecution(executionId: string, reason?: string): Promise<void> {
    await this.store.pauseExecution({
      executionId,
      reason: reason ?? null,
      nowMs: this.clock.now(),
      runnerId: this.runnerId,
    });
  }

  /** Resumes a Paused execution. */
  async resumeExecution(executionId: string): Promise<void> {
    await this.store.resumeExecution({
      executionId,
      nowMs: this.clock.now(),
      runnerId: this.runnerId,
    });
  }

  /** Deletes events older than `olderThan` (a duration back from now); returns how many. */
  async cleanupEvents(options: { olderThan: Duration; dryRun?: boolean }): Promise<number> {
    const ageMs = parseDuration(options.olderThan, 'olderThan');
    return this.store.cleanupEvents({
      olderThanMs: this.clock.now() - ageMs,
      dryRun: options.dryRun,
    });
  }

  private assertOpen(): void {
    if (this.shutdownPromise !== undefined) {
      throw new CloacinaError(
        ErrorCode.SHUTDOWN,
        'This runner has been shut down; create a new one.',
      );
    }
  }

  /** True once {@link shutdown} was called. */
  get isShutdown(): boolean {
    return this.shutdownPromise !== undefined;
  }

  /**
   * Stops claiming, lets running tasks finish within `timeout` (then aborts them), hands the
   * claims of unfinished tasks back so another runner takes them at once, stops the loops and
   * closes the database. Idempotent.
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    this.shutdownPromise ??= this.doShutdown(options);
    return this.shutdownPromise;
  }

  private async doShutdown(options: ShutdownOptions): Promise<void> {
    const graceMs =
      options.graceful === false ? 0 : parseDuration(options.timeout ?? '30s', 'timeout');
    this.executor.stopClaiming();
    this.wakeup.stop();
    await this.executor.idle();
    await Promise.allSettled(this.services.map((service) => service.stop()));
    const running = (): Promise<unknown> =>
      Promise.allSettled([...this.executor.running.values()].map((task) => task.done));
    if (this.executor.running.size > 0 && graceMs > 0) {
      const grace = new AbortController();
      await Promise.race([running(), sleep(graceMs, grace.signal)]);
      grace.abort();
    }
    const unfinished = this.executor.abortAll();
    if (unfinished.length > 0) {
      try {
        const released = await this.store.releaseClaims({
          claims: unfinished,
          nowMs: this.clock.now(),
          runnerId: this.runnerId,
        });
        this.logger.info({ released }, 'handed unfinished tasks over to other runners');
      } catch (error) {
        this.logger.warn(
          { err: toError(error) },
          'releasing claims failed; they will be swept as stale',
        );
      }
    }
    await running();
    await Promise.allSettled([...this.definitionWrites]);
    for (const stop of this.stops.splice(0)) stop();
    this.lifetime.abort();
    await this.store.close();
  }

  /** This runner's metrics in the Prometheus text format. */
  metrics(): Promise<string> {
    return this.metricsSink.render();
  }

  /** `await using runner = await DefaultRunner.create(...)` shuts the runner down at scope exit. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }
}
