/**
 * The runtime of a runner: registration, scheduling, the dispatcher, the heartbeat and sweeper
 * loops, waiting callers, and operator controls. It sees only the {@link Store} contract; the
 * composition root (`DefaultRunner.create`) picks the adapter.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { newExecutionId } from '../core/execution-id.js';
import { parseDuration, type Duration } from '../core/duration.js';
import type { Context } from '../core/context.js';
import { checkIdempotencyKey } from '../core/idempotency.js';
import { checkInput, toContextObject } from '../core/input.js';
import type { JsonObject } from '../core/json.js';
import type { Clock, Logger, ResolvedRunnerConfig } from '../core/options.js';
import type { PruneOptions, PruneResult } from '../core/retention.js';
import { startOf } from '../core/start.js';
import { startTimeOf, type StartTimeOptions } from '../core/start-time.js';
import { priorityOf, type PriorityOptions } from '../core/priority.js';
import { Workflow } from '../core/workflow.js';
import {
  CloacinaError,
  ErrorCode,
  TimeoutError,
  WorkflowNotFoundError,
  toError,
} from '../errors.js';
import type { CommitNotice } from '../store/store.js';
import {
  SCHEDULE_EVENT_TYPES,
  type ExecutionEvent,
  type NewEvent,
  type WorkflowStatus,
} from '../store/store.js';
import type { NewExecution, ScheduledExecution, Store } from '../store/store.js';
import { Batcher } from './batcher.js';
import { BatchedReads } from './batched-reads.js';
import type { ListExecutionsOptions } from './execution-filter.js';
import type { ListExecutionsPageOptions } from './execution-pages.js';
import { ExecutionsApi } from './executions-api.js';
import { Dispatcher } from './dispatcher.js';
import { noMetrics, type EngineMetrics } from './metrics.js';
import { shareOut, type EngineService, type ServiceContext } from './service.js';
import { WorkflowExecutionHandle, type ExecutionControl } from './handle.js';
import { WorkflowRegistry } from './registry.js';
import type { Page, PageOptions } from './pages.js';
import {
  toExecutionResult,
  type ExecutionSummary,
  type WorkflowExecutionResult,
} from './results.js';
import { planRerun, type RerunOptions } from './rerun.js';
import { RatePass } from './rate-pass.js';
import { RetentionService } from './retention-service.js';
import { RunnerPresence } from './runner-presence.js';
import type { TaskLogs, TaskLogsOptions } from './task-logs-read.js';
import { after, every, sleep } from './timers.js';
import { Waiters } from './waiters.js';

/** An execution event as streamed by `runner.on('event', ...)`. */
export type RunnerEvent = Omit<NewEvent, 'workflowName'>;

/** Options of {@link Engine.executeAsync}. */
export interface ExecuteAsyncOptions extends StartTimeOptions, PriorityOptions {
  /**
   * Starts at most one execution of the workflow per key (1 to 255 characters, no NUL): a start
   * with a key already used returns a handle to the existing execution, whatever its status,
   * with `created: false`, and writes nothing. Safe across processes racing with the same key.
   * The key lives as long as the execution.
   */
  idempotencyKey?: string;
}

/** Options of {@link Engine.execute}. */
export interface ExecuteOptions extends ExecuteAsyncOptions {
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

export type { ListExecutionsOptions };

/**
 * How often a runner admits the delayed starts of limited workflows whose time has come: this,
 * or the scheduler poll interval when that is longer (a test runner's, in virtual time).
 */
const ADMISSION_PASS_MS = 1_000;
/** How far each admission pass reaches back before the last one (see `admitDue`). */
const ADMISSION_OVERLAP_MS = 60_000;

/**
 * How often a runner folds the per-session rows of the concurrency place counts (PostgreSQL
 * adds one per database session that starts or ends a limited execution; see
 * `Store.foldPlaceCounts`).
 */
const PLACE_FOLD_MS = 60_000;

const TERMINAL_EVENTS = new Set(['workflow_completed', 'workflow_failed', 'workflow_cancelled']);

/**
 * How often waiters look for executions ended by another process: this, or the scheduler poll
 * interval when that is longer.
 */
const WAITER_BACKSTOP_MS = 500;

/**
 * The engine behind `DefaultRunner`, which holds one and exposes its methods; the public
 * behaviour of each is documented there.
 */
export class Engine implements ExecutionControl, AsyncDisposable {
  /** This runner's id, shown in claims, events and logs. */
  readonly runnerId: string;
  /** This runner's human name. */
  readonly runnerName: string;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly registry = new WorkflowRegistry();
  /** Owns the slots and claims: every task that runs here is started by it. */
  private readonly dispatcher: Dispatcher;
  private readonly waiters: Waiters;
  /** The waiters' reads (terminal records, then task rows), coalesced across callers. */
  private readonly waitReads: BatchedReads;
  /** Execution reads and controls, shared with `Client`. */
  private readonly executions: ExecutionsApi;
  /** This runner's row in the runner registry. */
  private readonly presence: RunnerPresence;
  /**
   * Executions scheduled in the same turn of the event loop (concurrent callers) share one
   * transaction (see {@link Batcher}).
   */
  private readonly schedules: Batcher<NewExecution, ScheduledExecution>;
  private readonly listeners = new Set<(event: RunnerEvent) => void>();
  private readonly stops: (() => void)[] = [];
  /** The time of the last admission pass (0 before the first: it looks at every start due). */
  private admittedThroughMs = 0;
  /** The time of the last fold of the place counts (0: the first admission pass folds). */
  private foldedAtMs = 0;
  /** Admits executions waiting for a rate window, on time (see {@link RatePass}). */
  private readonly ratePass: RatePass;
  private readonly services: EngineService[] = [];
  private readonly lifetime = new AbortController();
  private shutdownPromise: Promise<void> | undefined;

  constructor(
    /** The runner's store; `DefaultRunner.client()` shares it. */
    readonly store: Store,
    private readonly config: ResolvedRunnerConfig,
    logger: Logger,
    clock: Clock,
    private readonly metricsSink: EngineMetrics = noMetrics,
  ) {
    // Every waiting caller listens for shutdown; there may be thousands.
    setMaxListeners(0, this.lifetime.signal);
    this.runnerId = config.runnerId ?? randomUUID();
    this.runnerName = config.runnerName ?? `${hostname()}:${process.pid}`;
    this.logger = logger.child({ runnerId: this.runnerId });
    this.clock = clock;
    this.ratePass = new RatePass(this.store, clock, this.runnerId, (error) =>
      this.logger.warn({ err: toError(error) }, 'rate pass failed; retrying on the next tick'),
    );
    this.waitReads = new BatchedReads(store);
    this.waiters = new Waiters(store, this.waitReads);
    this.executions = new ExecutionsApi({
      store,
      clock,
      runnerId: this.runnerId,
      onPruned: (counts) => metricsSink.pruned(counts),
    });
    this.schedules = new Batcher((inputs) => this.scheduleBatch(inputs));
    this.presence = new RunnerPresence({
      store,
      clock,
      logger: this.logger,
      runnerId: this.runnerId,
      name: config.runnerName ?? null,
      staleAfterMs: config.staleClaimThresholdMs,
      workflows: () => this.registry.names(),
    });
    this.dispatcher = new Dispatcher({
      store,
      registry: this.registry,
      config,
      clock,
      logger: this.logger,
      runnerId: this.runnerId,
      metrics: metricsSink,
      ...(store.capabilities.readsRideWithCommit ? { endWaiters: this.waiters } : {}),
    });
    if (config.retention !== null) {
      this.addService(new RetentionService(this.serviceContext, config.retention));
    }
  }

  /** What background services are given to do their work. */
  get serviceContext(): ServiceContext {
    return {
      store: this.store,
      registry: this.registry,
      config: this.config,
      clock: this.clock,
      logger: this.logger,
      runnerId: this.runnerId,
      metrics: this.metricsSink,
      rootClaims: this.dispatcher,
      threads: this.dispatcher.threads,
    };
  }

  /** Adds a background service, started with the runner and stopped first at shutdown. */
  addService<S extends EngineService>(service: S): S {
    this.services.push(service);
    return service;
  }

  /**
   * Writes this runner into the runner registry (a failure is logged), then starts the
   * background loops. Called once by the composition root. The loops start after the write,
   * so they start as close to `create()` resolving as they would without it.
   */
  async start(): Promise<void> {
    await this.presence.refresh();
    for (const service of this.services) service.start();
    this.stops.push(this.store.onCommit((notice) => this.onCommit(notice)));
    this.stops.push(
      every(this.clock, this.config.schedulerPollIntervalMs, () => this.dispatcher.wake()),
    );
    this.stops.push(
      every(this.clock, Math.max(WAITER_BACKSTOP_MS, this.config.schedulerPollIntervalMs), () =>
        this.guard(this.waiters.poll(), 'waiter backstop'),
      ),
    );
    // The heartbeat tick also refreshes the registry row, with or without claims to beat.
    this.stops.push(
      every(this.clock, this.config.heartbeatIntervalMs, () => {
        if (this.config.enableClaiming)
          this.guard(this.dispatcher.running.heartbeat(), 'heartbeat');
        void this.presence.refresh();
      }),
    );
    this.stops.push(
      every(this.clock, Math.max(ADMISSION_PASS_MS, this.config.schedulerPollIntervalMs), () =>
        this.guard(this.admitDue(), 'admission pass'),
      ),
    );
    this.stops.push(() => this.ratePass.stop());
    if (this.config.enableClaiming && this.config.enableRecovery) {
      this.stops.push(
        every(this.clock, this.config.staleClaimSweepIntervalMs, () => void this.sweep()),
      );
      void this.sweep();
    }
    this.dispatcher.wake();
    this.logger.debug({ runnerName: this.runnerName }, 'runner started');
  }

  /**
   * Admits the delayed starts of limited workflows whose time came since the last pass (every
   * other Queued execution is admitted by the transaction that frees its place). The window
   * reaches back a minute before the last pass, so a start whose scheduling committed late, or
   * a clock a little behind another runner's, is not passed over; admitting twice is harmless.
   */
  private async admitDue(): Promise<void> {
    const nowMs = this.clock.now();
    await this.store.admitWaiting({
      nowMs,
      sinceMs: this.admittedThroughMs - ADMISSION_OVERLAP_MS,
      runnerId: this.runnerId,
    });
    this.admittedThroughMs = nowMs;
    if (nowMs - this.foldedAtMs >= PLACE_FOLD_MS) {
      this.foldedAtMs = nowMs;
      await this.store.foldPlaceCounts();
    }
    // Executions waiting for a window are admitted by the runners that have their workflow.
    if (this.hasLimits((workflow) => workflow.rateLimit !== undefined)) this.ratePass.poke();
  }

  private guard(work: Promise<unknown>, what: string): void {
    work.catch((error: unknown) =>
      this.logger.warn({ err: toError(error) }, `${what} failed; retrying on the next tick`),
    );
  }

  /** Whether a registered workflow passes `test` (which looks at its limits). */
  private hasLimits(test: (workflow: Workflow) => boolean): boolean {
    return this.registry.names().some((name) => {
      const workflow = this.registry.latest(name);
      return workflow !== undefined && test(workflow);
    });
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
      const beatAtMs = await this.dispatcher.running.heartbeat();
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
    let freed = false;
    for (const event of notice.events) {
      if (TERMINAL_EVENTS.has(event.type) || event.type === 'workflow_paused') freed = true;
      // Trigger and cron events are for the event feed; this stream is the executions' own.
      if (SCHEDULE_EVENT_TYPES.has(event.type)) continue;
      if (event.type === 'workflow_cancelled')
        this.dispatcher.running.abortExecution(event.executionId);
      if (event.type === 'workflow_queued') {
        const waitsFor = event.data?.['waitsFor'] === 'rate' ? 'rate' : 'concurrency';
        if (event.runnerId === this.runnerId) this.metricsSink.limitWait(waitsFor);
        // A window to watch: the pass arms the timer for its opening.
        if (waitsFor === 'rate' || event.data?.['rateLimit'] !== undefined) this.ratePass.poke();
      }
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
    // A place freed where a waiter may still need its window: the pass arms the timer for it.
    if (
      freed &&
      this.hasLimits(
        (workflow) => workflow.concurrency !== undefined && workflow.rateLimit !== undefined,
      )
    )
      this.ratePass.poke();
    if (notice.channels.has('tasks')) this.dispatcher.wake();
    if (notice.remote && notice.channels.has('executions')) {
      this.waiters.remoteEnds();
      this.guard(this.waiters.poll(), 'waiter');
      // Another process may have cancelled an execution whose task runs here: a heartbeat now
      // finds the lost claim at once instead of at the next interval.
      if (this.config.enableClaiming && this.dispatcher.running.size > 0) {
        this.guard(this.dispatcher.running.heartbeat(), 'heartbeat');
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
    void this.presence.refresh();
    this.dispatcher.wake();
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

  /**
   * Resolves once the definitions of every workflow registered so far are stored, so that
   * clients without the code (the CLI, the HTTP API, other processes) can see and start them.
   * `register()` stores them in the background; a failed write was logged. Never rejects.
   */
  async definitionsStored(): Promise<void> {
    await Promise.allSettled([...this.definitionWrites]);
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
   * one scheduling transaction, so a bad call never leaves a half-written execution. With an
   * `idempotencyKey` already used for this workflow, the handle is the existing execution's
   * (`created: false`); its context is not checked against this call's.
   *
   * With `runAt` or `delay`, the execution is written now as `Scheduled` and its root tasks
   * start at that time, on any runner with the workflow (within its scheduler poll interval);
   * it survives restarts and can be cancelled or paused meanwhile.
   *
   * With `priority`, it overrides the workflow's default priority (see `WorkflowOptions.priority`).
   *
   * @throws {ConfigError} for an `idempotencyKey` that is not a string of 1 to 255 characters
   *   without NUL, for a bad `runAt` / `delay` (or both given), or for a `priority` that is not
   *   an integer from -1000 to 1000.
   */
  async executeAsync(
    workflowName: string,
    context?: Context | Record<string, unknown>,
    options: ExecuteAsyncOptions = {},
  ): Promise<WorkflowExecutionHandle> {
    this.assertOpen();
    const idempotencyKey = checkIdempotencyKey(options.idempotencyKey);
    const nowMs = this.clock.now();
    const runAtMs = startTimeOf(options, nowMs);
    const workflow = this.registry.latest(workflowName);
    if (workflow === undefined)
      throw new WorkflowNotFoundError(workflowName, this.registry.names());
    const priority = priorityOf(options, workflow.priority);
    const initial = this.initialContext(workflow, context);
    const concurrency = workflow.concurrencySlotFor(initial);
    const rateLimit = workflow.rateLimitSlotFor(initial);
    const scheduled = await this.schedule({
      id: newExecutionId(),
      workflowName,
      workflowVersion: workflow.version,
      initialContext: initial,
      tasks: this.registry.plan(workflow),
      nowMs,
      runnerId: this.runnerId,
      ...(concurrency !== undefined ? { concurrency } : {}),
      ...(rateLimit !== undefined ? { rateLimit } : {}),
      ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      ...(runAtMs !== undefined ? { runAtMs } : {}),
      priority,
    });
    return new WorkflowExecutionHandle(this, scheduled.record.id, workflowName, scheduled.created);
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
  async rerunExecution(
    executionId: string,
    options: RerunOptions = { from: 'failed' },
  ): Promise<WorkflowExecutionHandle> {
    this.assertOpen();
    const planned = await planRerun(this.store, executionId, options, (name) => {
      const workflow = this.registry.latest(name);
      if (workflow === undefined) throw new WorkflowNotFoundError(name, this.registry.names());
      return {
        version: workflow.version,
        tasks: this.registry.plan(workflow),
        checkInput: (context) => this.initialContext(workflow, context),
      };
    });
    const latest = this.registry.latest(planned.workflowName);
    const concurrency = latest?.concurrencySlotFor(planned.initialContext);
    const rateLimit = latest?.rateLimitSlotFor(planned.initialContext);
    const scheduled = await this.schedule({
      id: newExecutionId(),
      ...planned,
      nowMs: this.clock.now(),
      runnerId: this.runnerId,
      ...(concurrency !== undefined ? { concurrency } : {}),
      ...(rateLimit !== undefined ? { rateLimit } : {}),
    });
    return new WorkflowExecutionHandle(this, scheduled.record.id, planned.workflowName);
  }

  /**
   * Schedules one execution with the calls of the same turn (see {@link scheduleBatch}). A wait
   * for it reads nothing first, where that is safe (see `Waiters.creating`).
   */
  private async schedule(input: NewExecution): Promise<ScheduledExecution> {
    this.waiters.creating(input.id);
    let scheduled: ScheduledExecution | undefined;
    try {
      scheduled = await this.schedules.add(input);
      return scheduled;
    } finally {
      // Nothing new was written: the write failed, or an idempotency key named an existing
      // execution, which may have ended long ago.
      if (scheduled?.created !== true) this.waiters.notCreated(input.id);
    }
  }

  /**
   * Writes a batch of `executeAsync` calls in one transaction. With free slots and nothing
   * older waiting, the roots are claimed by that transaction and start as soon as it commits;
   * a root its trigger rule skips takes no slot.
   * The slots are reserved when the batch goes out, not when each call was made: a task that
   * finished in between has given its slot back by then.
   */
  private async scheduleBatch(inputs: readonly NewExecution[]): Promise<ScheduledExecution[]> {
    // A delayed execution starts nothing now: it is claimed at its time, like any Ready work.
    const starting = inputs.map((input) =>
      input.runAtMs !== undefined && input.runAtMs > input.nowMs
        ? 0
        : startOf(input.tasks, input.initialContext, input.rerun?.carried).ready.length,
    );
    using slots = this.dispatcher.reserve(starting.reduce((sum, n) => sum + n, 0));
    const shares = shareOut(slots.count, starting);
    const scheduled = await this.store.scheduleExecutions(
      inputs.map((input, i) => ({ ...input, claimRoots: shares[i] })),
    );
    await Promise.all(scheduled.map((s) => this.dispatcher.adopt(s.claimed, slots)));
    return scheduled;
  }

  /**
   * Schedules an execution and waits for its end; with an `idempotencyKey` already used, waits
   * for the existing execution instead (see {@link executeAsync}).
   */
  async execute(
    workflowName: string,
    context?: Context | Record<string, unknown>,
    options: ExecuteOptions = {},
  ): Promise<WorkflowExecutionResult> {
    const { timeout, ...start } = options;
    const handle = await this.executeAsync(workflowName, context, start);
    return this.waitForExecution(handle.executionId, timeout);
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
      timeoutMs === null
        ? undefined
        : after(this.clock, timeoutMs, () => stop.abort(), { keepAlive: true });
    try {
      // The waiter read the ended execution with its tasks: the result needs no more reads.
      const ended = await this.waiters.wait(executionId, stop.signal);
      if (ended !== null) return toExecutionResult(ended.record, ended.tasks);
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

  /** See `DefaultRunner.getExecutionStatus`. */
  async getExecutionStatus(executionId: string): Promise<WorkflowStatus> {
    return this.executions.getExecutionStatus(executionId);
  }

  /** See `DefaultRunner.getExecutionResult`. */
  async getExecutionResult(executionId: string): Promise<WorkflowExecutionResult> {
    return this.executions.getExecutionResult(executionId);
  }

  /** See `DefaultRunner.listExecutions`. */
  async listExecutions(options: ListExecutionsOptions = {}): Promise<WorkflowExecutionResult[]> {
    return this.executions.listExecutions(options);
  }

  /** See `DefaultRunner.listExecutionsPage`. */
  listExecutionsPage(options?: ListExecutionsPageOptions): Promise<Page<ExecutionSummary>> {
    return this.executions.listExecutionsPage(options);
  }

  /** See `DefaultRunner.getExecutionEvents`. */
  async getExecutionEvents(executionId: string): Promise<ExecutionEvent[]> {
    return this.executions.getExecutionEvents(executionId);
  }

  /** See `DefaultRunner.getTaskLogs`. */
  getTaskLogs(executionId: string, taskId: string, options?: TaskLogsOptions): Promise<TaskLogs> {
    return this.executions.getTaskLogs(executionId, taskId, options);
  }

  /** See `DefaultRunner.getExecutionEventsPage`. */
  getExecutionEventsPage(
    executionId: string,
    options?: PageOptions,
  ): Promise<Page<ExecutionEvent>> {
    return this.executions.getExecutionEventsPage(executionId, options);
  }

  /** See `DefaultRunner.cancelExecution`. */
  async cancelExecution(executionId: string): Promise<void> {
    await this.executions.cancelExecution(executionId);
  }

  /** See `DefaultRunner.pauseExecution`. */
  async pauseExecution(executionId: string, reason?: string): Promise<void> {
    await this.executions.pauseExecution(executionId, reason);
  }

  /** See `DefaultRunner.resumeExecution`. */
  async resumeExecution(executionId: string): Promise<void> {
    await this.executions.resumeExecution(executionId);
  }

  /** See `DefaultRunner.cleanupEvents`. */
  async cleanupEvents(options: { olderThan: Duration; dryRun?: boolean }): Promise<number> {
    return this.executions.cleanupEvents(options);
  }

  /** See `DefaultRunner.prune`. */
  async prune(options: PruneOptions): Promise<PruneResult> {
    this.assertOpen();
    return this.executions.prune(options);
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
    await this.dispatcher.stop();
    await Promise.allSettled(this.services.map((service) => service.stop()));
    const running = (): Promise<unknown> =>
      Promise.allSettled([...this.dispatcher.running.values()].map((task) => task.done));
    if (this.dispatcher.running.size > 0 && graceMs > 0) {
      const grace = new AbortController();
      await Promise.race([running(), sleep(this.clock, graceMs, grace.signal)]);
      grace.abort();
    }
    const unfinished = this.dispatcher.running.abortAll();
    if (unfinished.length > 0) {
      // Their last log lines first: once the claims are handed back, the writes are refused.
      await this.dispatcher.running.closeLogs();
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
    await this.dispatcher.threads.destroy().catch((error: unknown) => {
      this.logger.warn({ err: toError(error) }, 'stopping the task threads failed');
    });
    await Promise.allSettled([...this.definitionWrites]);
    for (const stop of this.stops.splice(0)) stop();
    await this.presence.stop();
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
