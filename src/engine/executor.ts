/**
 * The executor: claims Ready tasks in batches into free slots and runs them. Each running task
 * holds a claim that is heartbeated in one batched statement; a task whose claim is lost (swept,
 * cancelled, released) has its signal aborted and writes nothing.
 */
import { setMaxListeners } from 'node:events';
import { Context } from '../core/context.js';
import { parseDuration, type Duration } from '../core/duration.js';
import type { JsonObject } from '../core/json.js';
import type { Clock, Logger, ResolvedRunnerConfig } from '../core/options.js';
import type { TaskDefinition, TaskHandle } from '../core/task.js';
import { DatabaseError, TaskError, TimeoutError, toError } from '../errors.js';
import type {
  ClaimNext,
  ClaimRef,
  ClaimedTask,
  CompletionsOutcome,
  FinishOutcome,
  Store,
} from '../store/store.js';
import { Batcher } from './batcher.js';
import type { EngineMetrics } from './metrics.js';
import type { WorkflowRegistry } from './registry.js';
import type { Slots } from './slots.js';
import { after, sleep } from './timers.js';

/** Why a running task's signal was aborted. */
type AbortCause = 'timeout' | 'cancelled' | 'claim_lost' | 'shutdown';

/** The first wait before an outcome write that failed transiently is tried again. */
const WRITE_RETRY_FIRST_MS = 100;
/** The longest wait between tries of an outcome write (the waits double up to it). */
const WRITE_RETRY_MAX_MS = 2_000;
/**
 * Tries of an outcome write that fails with an error neither transient nor a refused value
 * before it counts as refused (~7 s of backoff); transient errors are retried for as long as
 * they last.
 */
const PERMANENT_ERROR_TRIES = 8;
/** The longest text of a storage error quoted in the failure it causes. */
const MAX_QUOTED_ERROR = 1_000;

/** What an attempt's claim-guarded write records. */
type Outcome =
  | { readonly kind: 'complete'; readonly output: JsonObject }
  | { readonly kind: 'retry'; readonly errorMessage: string; readonly retryDelayMs: number }
  | {
      readonly kind: 'fail';
      readonly errorMessage: string;
      /** The attempt's real outcome could not be stored; this failure stands in for it. */
      readonly standIn?: true;
    };

/** The key of an attempt: a task's row is claimed again by each attempt, under a new claim. */
function attemptKey(ref: ClaimRef): string {
  return `${ref.taskExecutionId}/${ref.claimId}`;
}

/**
 * One task attempt in flight in this runner. Its AbortSignal and child logger are made only
 * when something asks for them (most no-op-fast tasks never do): an AbortController, its
 * listener and a pino child are a measurable share of a short task's cost.
 */
export class RunningTask {
  cause: AbortCause | undefined;
  /** Why the attempt was aborted, once it was. */
  reason: Error | undefined;
  /** Whether this task holds one of the runner's slots (false while deferred). */
  holdsSlot = true;
  /** Its body has returned and it gave its slot up before its result was written. */
  writing = false;
  finished = false;
  done: Promise<void> = Promise.resolve();
  /** Monotonic start, for the duration metric (independent of an injected clock). */
  readonly startedAt = performance.now();
  /** Rejects with the reason when the attempt is aborted; the body races against it. */
  readonly aborted: Promise<never>;
  #rejectAborted: (reason: Error) => void = () => undefined;
  #controller: AbortController | undefined;

  constructor(readonly claim: ClaimedTask) {
    this.aborted = new Promise<never>((_, reject) => {
      this.#rejectAborted = reject;
    });
    // Nobody may be racing it any more when it rejects (the body already finished).
    this.aborted.catch(() => undefined);
  }

  get ref(): ClaimRef {
    return { taskExecutionId: this.claim.taskExecutionId, claimId: this.claim.claimId };
  }

  /** The attempt's signal, aborted with {@link reason}; created on first use. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.reason !== undefined) this.#controller.abort(this.reason);
    }
    return this.#controller.signal;
  }

  /** Aborts the attempt, once, with a reason the task can read. */
  abort(cause: AbortCause, reason: Error): void {
    if (this.finished || this.reason !== undefined) return;
    this.cause = cause;
    this.reason = reason;
    this.#controller?.abort(reason);
    this.#rejectAborted(reason);
  }
}

/** Dependencies of the executor. */
export interface ExecutorDeps {
  readonly store: Store;
  readonly registry: WorkflowRegistry;
  readonly slots: Slots;
  readonly config: ResolvedRunnerConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly runnerId: string;
  readonly metrics: EngineMetrics;
  /** Requests another claim pass (a slot freed, or a retry came due). */
  readonly wake: () => void;
}

/** Claims and runs tasks. */
export class Executor {
  /**
   * Attempts in flight, by {@link attemptKey}. Keyed by attempt, not by task: a retry without
   * delay can be claimed (by another task's completion) before its previous attempt is cleaned
   * up, and that cleanup must not drop the new attempt from the heartbeat and from cancel.
   */
  readonly running = new Map<string, RunningTask>();
  /** Aborted when running tasks are abandoned at shutdown: outcome writes stop retrying. */
  private readonly closing = new AbortController();
  private claiming = true;
  /**
   * Ready work may be waiting that this runner has not claimed: the last claim saw some left
   * (or could not run, or found no free slot). While it is set, new executions do not claim
   * their roots when scheduled, so older Ready work goes first.
   */
  private backlog = true;
  private inFlight: Promise<boolean> | undefined;
  /** The heartbeat in flight: a caller asking meanwhile shares it (see {@link heartbeat}). */
  private heartbeating: Promise<number> | undefined;
  /** Tasks whose body has returned without a slot, their result not written yet. */
  private writing = 0;
  /** Completions of tasks that finish in the same turn share one transaction. */
  private readonly completions: Batcher<{ task: RunningTask; output: JsonObject }, boolean>;

  constructor(private readonly deps: ExecutorDeps) {
    // Every outcome write retrying through an outage waits on it; there may be many.
    setMaxListeners(0, this.closing.signal);
    // With row locks (PostgreSQL) one completion transaction runs at a time, and those that
    // finish meanwhile form the next: concurrent ones would queue on the locks of the
    // executions they share (see `lockExecutions`), each holding a connection while it waits.
    // SQLite commits concurrent batches together (one group commit), so there they go at once.
    this.completions = new Batcher((items) => this.completeBatch(items), {
      serial: deps.store.capabilities.rowLocks,
    });
  }

  /** Stops claiming new tasks (shutdown). Running tasks go on. */
  stopClaiming(): void {
    this.claiming = false;
  }

  /**
   * One claim pass: reserves free slots first (so a resuming deferred task cannot be
   * over-subscribed by a claim in flight), claims that many, returns unused slots. Resolves true
   * when every reserved slot was filled, i.e. more Ready work may be waiting.
   */
  claimPass(): Promise<boolean> {
    const pass = this.claimOnce();
    this.inFlight = pass;
    return pass;
  }

  /** Resolves once no claim pass is in flight (shutdown waits for it before handing over). */
  async idle(): Promise<void> {
    await this.inFlight?.catch(() => undefined);
  }

  private async claimOnce(): Promise<boolean> {
    if (!this.claiming) return false;
    const { slots, store, registry, clock, runnerId } = this.deps;
    const reserved = slots.tryAcquire(slots.available);
    if (reserved === 0) {
      // Woken with every slot busy: Ready work may be waiting for the next slot to free.
      this.backlog = true;
      return false;
    }
    let claimed: readonly ClaimedTask[] = [];
    let moreReady = true;
    try {
      ({ tasks: claimed, moreReady } = await store.claimReadyTasks({
        runnerId,
        limit: reserved,
        nowMs: clock.now(),
        workflowNames: registry.names(),
      }));
      this.deps.metrics.claimAttempt(claimed.length > 0 ? 'claimed' : 'empty', claimed.length);
    } catch (error) {
      this.deps.metrics.claimAttempt('error', 0);
      this.deps.logger.warn(
        { err: toError(error) },
        'claiming tasks failed; will retry on the next tick',
      );
    }
    if (!this.claiming && claimed.length > 0) {
      // Shutdown began while this claim was in flight: hand the tasks back unstarted, so no
      // task body runs here only to be released and run again elsewhere.
      slots.release(reserved);
      await store.releaseClaims({ claims: claimed, nowMs: clock.now(), runnerId });
      return false;
    }
    slots.release(reserved - claimed.length);
    // A failed pass may have left anything behind; a claim says what it left.
    this.backlog = moreReady;
    for (const claim of claimed) this.start(claim);
    this.deps.metrics.setActiveTasks(this.running.size);
    return claimed.length === reserved && moreReady && this.claiming;
  }

  /**
   * Reserves slots for root tasks claimed in a scheduling transaction (see
   * `NewExecution.claimRoots`). None when claiming stopped, or when the last claim pass left
   * Ready work waiting: that older work goes first (oldest-ready first).
   */
  reserveForSchedule(roots: number): number {
    if (!this.claiming || this.backlog || roots <= 0) return 0;
    return this.deps.slots.tryAcquire(roots);
  }

  /**
   * Starts tasks claimed by a scheduling transaction on the slots reserved for them, and gives
   * back the slots left unused. Claims that arrive after shutdown began are handed back.
   */
  async adopt(claimed: readonly ClaimedTask[], reserved: number): Promise<void> {
    const { slots, store, clock, runnerId } = this.deps;
    slots.release(reserved - claimed.length);
    if (claimed.length === 0) return;
    if (!this.claiming) {
      slots.release(claimed.length);
      try {
        await store.releaseClaims({ claims: claimed, nowMs: clock.now(), runnerId });
      } catch (error) {
        // The execution is scheduled; the sweeper returns the unreleased claims later.
        this.deps.logger.warn({ err: toError(error) }, 'handing back claims at shutdown failed');
      }
      return;
    }
    // Counted with the tasks claimed by passes: the metric is tasks claimed, by how it went.
    this.deps.metrics.claimAttempt('claimed', claimed.length);
    for (const claim of claimed) this.start(claim);
    this.deps.metrics.setActiveTasks(this.running.size);
  }

  private start(claim: ClaimedTask): void {
    const task = new RunningTask(claim);
    this.running.set(attemptKey(claim), task);
    task.done = this.run(task)
      .catch((error: unknown) => {
        this.deps.logger.error(
          { err: toError(error), executionId: claim.executionId, taskId: claim.taskId },
          'task bookkeeping failed',
        );
      })
      .finally(() => {
        task.finished = true;
        this.doneWriting(task);
        this.running.delete(attemptKey(claim));
        this.deps.metrics.setActiveTasks(this.running.size);
        this.freeSlot(task);
        // A freed slot matters only when work was left waiting for one; new Ready work
        // announces itself (commit notices, retry timers, the backstop tick).
        if (this.backlog) this.deps.wake();
      });
  }

  /** Ends a task's wait for its result without a slot (see `run`), once. */
  private doneWriting(task: RunningTask): void {
    if (!task.writing) return;
    task.writing = false;
    this.writing -= 1;
  }

  /** Returns the task's slot, if it still holds one. */
  private freeSlot(task: RunningTask): void {
    if (!task.holdsSlot) return;
    task.holdsSlot = false;
    this.deps.slots.release();
  }

  private async run(task: RunningTask): Promise<void> {
    const { claim } = task;
    const { registry, config, logger } = this.deps;
    let child: Logger | undefined;
    const log = (): Logger =>
      (child ??= logger.child({ executionId: claim.executionId, taskId: claim.taskId }));
    const workflow = registry.resolve(claim.workflowName, claim.workflowVersion);
    const definition = workflow?.getTask(claim.taskId);
    if (definition === undefined) {
      await this.write(task, {
        kind: 'fail',
        errorMessage:
          `Task '${claim.taskId}' is not part of workflow '${claim.workflowName}' as registered in this ` +
          `runner (execution version ${claim.workflowVersion}). Register the workflow version that defines it.`,
      });
      return;
    }
    if (workflow !== undefined && workflow.version !== claim.workflowVersion) {
      log().warn(
        { registeredVersion: workflow.version, executionVersion: claim.workflowVersion },
        'execution version is not registered; running the task of the latest registered version',
      );
    }
    let context: Context;
    try {
      context = Context.fromJSON(claim.input);
    } catch (error) {
      // An input stored before a limit existed (e.g. nested deeper than the context depth)
      // fails this attempt, without running the body, instead of leaving the claim held.
      await this.write(task, this.standIn(task, 'input context could not be read', error));
      return;
    }
    const timeoutMs = definition.timeoutMs ?? config.taskTimeoutMs;
    const cancelTimeout = after(
      timeoutMs,
      () => {
        task.abort(
          'timeout',
          new TimeoutError(
            `Task '${claim.taskId}' attempt ${claim.attempt} timed out after ${timeoutMs} ms.`,
            timeoutMs,
          ),
        );
      },
      { keepAlive: true },
    );
    const handle = this.handleFor(task, log);
    let failure: Error | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(() => definition.fn(context, handle)),
        task.aborted,
      ]);
    } catch (error) {
      failure = toError(error);
    } finally {
      cancelTimeout();
    }
    // A slot counts tasks executing, not results being written. A task without dependents
    // gives its slot up now: its write can ready nothing to pass the slot to. Free before that
    // write commits, the slot takes the next task meanwhile: a new execution's root, claimed
    // by its own scheduling transaction (no claim statement, no later start), or Ready work
    // that a claim pass takes. At most as many results as there are slots wait like this, so
    // a runner holds at most twice `maxConcurrentTasks` claims (what a crash can make run
    // again); past that, the task keeps its slot until its result is written.
    if (!claim.hasDependents && task.holdsSlot && this.writing < this.deps.slots.size) {
      this.freeSlot(task);
      this.writing += 1;
      task.writing = true;
    }
    if (task.cause !== undefined && task.cause !== 'timeout') {
      // Cancelled, claim lost or shut down: another party owns the outcome; write nothing.
      log().debug({ cause: task.cause }, 'task attempt abandoned without a write');
      return;
    }
    if (task.cause === 'timeout') failure = task.reason;
    await this.settle(task, definition, context, failure, log);
  }

  /**
   * Records the attempt's outcome. Whatever goes wrong on the way that a retry of the write
   * cannot mend (an output or error that cannot be serialised, a value the database refuses) is
   * recorded as this attempt's failure at once, saying what could not be stored: the claim is
   * never left held for the sweeper to run the body again.
   */
  private async settle(
    task: RunningTask,
    definition: TaskDefinition,
    context: Context,
    failure: Error | undefined,
    log: () => Logger,
  ): Promise<void> {
    const problem = `${failure === undefined ? 'output context' : 'error'} could not be stored`;
    let outcome: Outcome;
    try {
      outcome =
        failure === undefined
          ? { kind: 'complete', output: context.toJSON() }
          : this.failureOutcome(task, definition, failure, log);
    } catch (error) {
      outcome = this.standIn(task, problem, error);
    }
    try {
      await this.write(task, outcome);
    } catch (error) {
      // A stand-in failure is plain text; if even that cannot be written, start() logs it.
      if (outcome.kind === 'fail' && outcome.standIn === true) throw error;
      log().warn({ err: toError(error) }, `the attempt's ${problem}`);
      await this.write(task, this.standIn(task, problem, error));
      return;
    }
    if (outcome.kind === 'retry') {
      // The retry waits durably in the database; this timer only spares waiting for the tick.
      after(outcome.retryDelayMs, this.deps.wake);
    }
  }

  /**
   * The failure recorded, without a retry, when an attempt's own outcome cannot be (its
   * `problem`, e.g. "output context could not be stored").
   */
  private standIn(task: RunningTask, problem: string, error: unknown): Outcome {
    const { taskId, attempt } = task.claim;
    let reason = toError(error).message;
    if (reason.length > MAX_QUOTED_ERROR) reason = `${reason.slice(0, MAX_QUOTED_ERROR)}…`;
    return {
      kind: 'fail',
      standIn: true,
      errorMessage:
        `Task '${taskId}' attempt ${attempt}: its ${problem} (${reason}). ` +
        'The attempt is recorded as failed, without a retry.',
    };
  }

  /** The outcome of a failed attempt: a retry by its policy, or the task's failure. */
  private failureOutcome(
    task: RunningTask,
    definition: TaskDefinition,
    failure: Error,
    log: () => Logger,
  ): Outcome {
    const { claim } = task;
    const message = failure.message === '' ? failure.name : failure.message;
    if (definition.retry.shouldRetry(failure, claim.attempt)) {
      const delayMs = definition.retry.delayFor(claim.attempt);
      log().debug(
        { attempt: claim.attempt, delayMs, err: failure },
        'task attempt failed; retry scheduled',
      );
      return { kind: 'retry', errorMessage: message, retryDelayMs: delayMs };
    }
    const final =
      failure instanceof TaskError && !failure.retryable ? 'non-retryable' : 'retries exhausted';
    log().info({ attempt: claim.attempt, err: failure, reason: final }, 'task failed');
    return { kind: 'fail', errorMessage: message };
  }

  /**
   * A claim-guarded write of an attempt's outcome. A transient database failure (connection
   * lost, server restarting, pool exhausted, disk full, busy) is retried with backoff for as
   * long as it lasts: the runner still holds the claim and heartbeats it, and giving up would
   * leave the claim for the sweeper, which runs the body again. Writing is always safe to
   * retry: a claim lost meanwhile makes the write a no-op. It stops when the claim is known
   * lost or the task is abandoned at shutdown. Another database error is retried
   * {@link PERMANENT_ERROR_TRIES} times; then it, like a write the database refuses for its
   * values (or that cannot be serialised), is thrown.
   */
  private async write(task: RunningTask, outcome: Outcome): Promise<void> {
    const { logger } = this.deps;
    let held: boolean;
    let alone = false;
    for (let tries = 1; ; tries += 1) {
      try {
        held = await this.writeOnce(task, outcome, alone);
        break;
      } catch (error) {
        const refused =
          !(error instanceof DatabaseError) ||
          error.refusedValue ||
          // Neither transient nor about the values (a missing privilege, a statement the
          // database rejects): tried for a while, in case it is mended, then taken as refused.
          (!error.retryable && tries >= PERMANENT_ERROR_TRIES);
        if (refused) {
          // A batch refused as a whole: another completion in it may have been the cause.
          if (outcome.kind === 'complete' && !alone) {
            alone = true;
            continue;
          }
          throw error;
        }
        const gone = task.cause === 'cancelled' || task.cause === 'claim_lost';
        if (gone || this.closing.signal.aborted) {
          logger.warn(
            { err: error, executionId: task.claim.executionId, taskId: task.claim.taskId },
            'writing a task outcome failed and the claim is no longer ours; the outcome was not written',
          );
          return;
        }
        const retryInMs = Math.min(WRITE_RETRY_MAX_MS, WRITE_RETRY_FIRST_MS * 2 ** (tries - 1));
        if (tries === 1 || tries % 10 === 0) {
          logger.warn(
            {
              err: error,
              executionId: task.claim.executionId,
              taskId: task.claim.taskId,
              tries,
              retryInMs,
            },
            'writing a task outcome failed; retrying while the claim is ours',
          );
        }
        await sleep(retryInMs, this.closing.signal);
      }
    }
    this.deps.metrics.taskFinished(
      held
        ? ({ complete: 'Completed', fail: 'Failed', retry: 'Retried' } as const)[outcome.kind]
        : 'ClaimLost',
      performance.now() - task.startedAt,
    );
    if (!held) {
      logger.warn(
        { executionId: task.claim.executionId, taskId: task.claim.taskId },
        'claim lost before the result was written; the result was discarded',
      );
    }
  }

  /**
   * One try of {@link write}; whether the claim was still held. Completions share a transaction
   * with those finishing together (on PostgreSQL one such transaction at a time); after the
   * database refused a batch, each of its completions is written `alone`, so one it refuses
   * never fails the others.
   */
  private async writeOnce(task: RunningTask, outcome: Outcome, alone: boolean): Promise<boolean> {
    const { store, clock, runnerId } = this.deps;
    const base = { ...task.ref, nowMs: clock.now(), runnerId };
    if (outcome.kind === 'complete') {
      const item = { task, output: outcome.output };
      if (!alone) return this.completions.add(item);
      return (await this.completeBatch([item]))[0]!;
    }
    if (outcome.kind === 'retry') {
      return store.scheduleRetry({
        ...base,
        errorMessage: outcome.errorMessage,
        // From the write's own "now", so the recorded delay is exactly the policy's.
        retryAtMs: base.nowMs + outcome.retryDelayMs,
      });
    }
    const next = this.reserveNext([task]);
    let finished: FinishOutcome;
    try {
      finished = await store.failTask({
        ...base,
        executionId: task.claim.executionId,
        errorMessage: outcome.errorMessage,
        claimNext: this.claimNext(next),
      });
    } catch (error) {
      this.deps.slots.release(next.extra);
      throw error;
    }
    await this.startNext([task], next, finished);
    return finished.held;
  }

  /**
   * Records the completions of tasks that finished together in one transaction (see
   * `Store.completeTasks`), claiming the next Ready tasks into the slots they free.
   */
  private async completeBatch(
    items: readonly { task: RunningTask; output: JsonObject }[],
  ): Promise<boolean[]> {
    const { store, clock, runnerId } = this.deps;
    const finishing = items.map((item) => item.task);
    // Two attempts of one task row can finish together: the older one's claim was swept and
    // the row claimed again here. Only the newer can still hold its claim, and the store tells
    // results apart by row, so the older one is left out: it writes nothing, as a lost claim.
    const newest = new Map<string, RunningTask>();
    for (const { task } of items) {
      const seen = newest.get(task.claim.taskExecutionId);
      if (seen === undefined || seen.startedAt < task.startedAt) {
        newest.set(task.claim.taskExecutionId, task);
      }
    }
    const writing = items.filter(({ task }) => newest.get(task.claim.taskExecutionId) === task);
    const next = this.reserveNext(finishing);
    let outcome: CompletionsOutcome;
    try {
      outcome = await store.completeTasks({
        completions: writing.map(({ task, output }) => ({
          ...task.ref,
          executionId: task.claim.executionId,
          output,
          hasDependents: task.claim.hasDependents,
        })),
        nowMs: clock.now(),
        runnerId,
        claimNext: this.claimNext(next),
      });
    } catch (error) {
      this.deps.slots.release(next.extra);
      throw error;
    }
    // Counted off as the results are written, before any continuation of the same commit
    // (a scheduling batch's tasks) asks whether a finishing body may free its slot.
    for (const task of finishing) this.doneWriting(task);
    await this.startNext(finishing, next, outcome);
    const held = new Map(writing.map(({ task }, i) => [task, outcome.held[i] === true]));
    return items.map(({ task }) => held.get(task) ?? false);
  }

  /**
   * Slots for the tasks a final write may claim (see `ClaimNext`): those the finishing tasks
   * free plus any free ones. Only when Ready work may exist: the last pass left some waiting,
   * or a finishing task's end may ready its dependents. Claiming oldest-first keeps it as fair
   * as a claim pass.
   */
  private reserveNext(finishing: readonly RunningTask[]): { limit: number; extra: number } {
    const mayFindWork = this.backlog || finishing.some((task) => task.claim.hasDependents);
    if (!this.claiming || !mayFindWork) return { limit: 0, extra: 0 };
    const own = finishing.filter((task) => task.holdsSlot).length;
    const extra = this.deps.slots.tryAcquire(this.deps.slots.available);
    return { limit: own + extra, extra };
  }

  private claimNext(next: { limit: number }): ClaimNext | undefined {
    return next.limit > 0
      ? { limit: next.limit, workflowNames: this.deps.registry.names() }
      : undefined;
  }

  /** Starts the tasks a final write claimed, in the finishing tasks' slots and the reserved ones. */
  private async startNext(
    finishing: readonly RunningTask[],
    next: { limit: number; extra: number },
    { claimed, moreReady }: { claimed: readonly ClaimedTask[]; moreReady: boolean },
  ): Promise<void> {
    const { slots, store, clock, runnerId } = this.deps;
    if (next.limit === 0) return;
    this.backlog = moreReady;
    if (!this.claiming && claimed.length > 0) {
      // Shutdown began during the write: hand the new claims back unstarted.
      slots.release(next.extra);
      await store.releaseClaims({ claims: claimed, nowMs: clock.now(), runnerId });
      return;
    }
    // The finishing tasks' slots pass to the claimed tasks first, then the reserved ones.
    let unplaced = claimed.length;
    for (const task of finishing) {
      if (unplaced === 0) break;
      if (task.holdsSlot) {
        task.holdsSlot = false;
        unplaced -= 1;
      }
    }
    slots.release(next.extra - unplaced);
    if (claimed.length === 0) return;
    this.deps.metrics.claimAttempt('claimed', claimed.length);
    for (const claim of claimed) this.start(claim);
    this.deps.metrics.setActiveTasks(this.running.size);
  }

  private handleFor(task: RunningTask, log: () => Logger): TaskHandle {
    const { claim } = task;
    return {
      get signal() {
        return task.signal;
      },
      attempt: claim.attempt,
      executionId: claim.executionId,
      taskId: claim.taskId,
      get log() {
        return log();
      },
      deferUntil: (condition, pollInterval) => this.defer(task, condition, pollInterval),
    };
  }

  /**
   * Deferral: the task releases its slot while it waits, so other tasks run in it;
   * it re-acquires a slot before continuing. The attempt's timeout still applies.
   */
  private async defer(
    task: RunningTask,
    condition: () => Promise<boolean> | boolean,
    pollInterval: Duration,
  ): Promise<void> {
    const intervalMs = parseDuration(pollInterval, 'deferUntil pollInterval');
    const { store, slots, clock, runnerId } = this.deps;
    const signal = task.signal;
    if (await condition()) return;
    const held = await store.setDeferred({
      ...task.ref,
      nowMs: clock.now(),
      runnerId,
      deferred: true,
    });
    if (!held)
      throw signal.aborted ? toError(signal.reason) : new Error('claim lost while deferring');
    task.holdsSlot = false;
    slots.release();
    this.deps.wake();
    while (!signal.aborted) {
      await sleep(intervalMs, signal);
      if (signal.aborted || (await condition())) break;
    }
    // An aborted task (timeout, cancel, shutdown) ends without taking a slot back.
    signal.throwIfAborted();
    await slots.acquire();
    if (task.finished || signal.aborted) {
      slots.release();
      signal.throwIfAborted();
      return;
    }
    task.holdsSlot = true;
    await store.setDeferred({ ...task.ref, nowMs: clock.now(), runnerId, deferred: false });
  }

  /**
   * Heartbeats every held claim in one statement; aborts tasks whose claim is gone. A call
   * that finds a heartbeat still running shares it: two of them in flight would update the
   * same rows from two transactions, which only queue (or deadlock) behind each other.
   * Resolves with the time written on the claims (when the heartbeat started).
   */
  heartbeat(): Promise<number> {
    this.heartbeating ??= this.heartbeatOnce().finally(() => {
      this.heartbeating = undefined;
    });
    return this.heartbeating;
  }

  /** One heartbeat; resolves with the time it wrote on the claims. */
  private async heartbeatOnce(): Promise<number> {
    const nowMs = this.deps.clock.now();
    const tasks = [...this.running.values()].filter((t) => !t.finished);
    if (tasks.length === 0) return nowMs;
    const lost = await this.deps.store.heartbeat({ claims: tasks.map((t) => t.ref), nowMs });
    for (const ref of lost) {
      const task = this.running.get(attemptKey(ref));
      task?.abort(
        'claim_lost',
        new Error(`Task '${task.claim.taskId}' lost its claim; another runner owns it now.`),
      );
    }
    return nowMs;
  }

  /** Aborts the running tasks of a cancelled execution. */
  abortExecution(executionId: string): void {
    for (const task of this.running.values()) {
      if (task.claim.executionId === executionId) {
        task.abort('cancelled', new Error(`Execution ${executionId} was cancelled.`));
      }
    }
  }

  /** Aborts every running task for shutdown and returns their claims. */
  abortAll(): ClaimRef[] {
    this.closing.abort();
    const refs: ClaimRef[] = [];
    for (const task of this.running.values()) {
      task.abort('shutdown', new Error('The runner is shutting down.'));
      refs.push(task.ref);
    }
    return refs;
  }
}
