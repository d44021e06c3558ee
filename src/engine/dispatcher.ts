/**
 * The dispatcher: the one owner of this runner's slots and claims. Every task that runs here
 * comes through it, by one of three doors, and each door holds its slots as a
 * {@link Reservation} for as long as the claiming write is in flight:
 *
 * - the claim pass (woken by commits, freed slots, retries coming due and the tick) reserves
 *   the free slots and claims that many Ready tasks;
 * - a scheduling write (an execution, a trigger fire, a cron fire) reserves slots for its
 *   roots, claims them in its own transaction, and hands them to {@link Dispatcher.adopt};
 * - a task's final write (completion, failure) claims the next Ready tasks into the slot it
 *   frees and any free ones (`ClaimNext`); completions that finish together share one
 *   transaction.
 *
 * Slots a door reserved and did not fill go back when its scope ends. A started task holds its
 * slot in {@link RunningTask.slot}; the {@link Executor} runs its body and returns its outcome,
 * which the dispatcher writes.
 */
import { parseDuration, type Duration } from '../core/duration.js';
import type { JsonObject } from '../core/json.js';
import type { Clock, Logger, ResolvedRunnerConfig } from '../core/options.js';
import { toError } from '../errors.js';
import type {
  ClaimNext,
  ClaimedTask,
  CompletionsOutcome,
  EndedExecution,
  FinishOutcome,
  SoleTask,
  Store,
  TaskLimit,
} from '../store/store.js';
import { Batcher } from './batcher.js';
import { Executor } from './executor.js';
import type { EngineMetrics } from './metrics.js';
import type { Outcome } from './outcome.js';
import { recordOutcome, type OutcomeWriteDeps } from './outcome-write.js';
import type { WorkflowRegistry } from './registry.js';
import { RunningTask } from './running-task.js';
import { RunningTasks } from './running-tasks.js';
import type { RootClaims } from './service.js';
import { Slots, type Reservation } from './slots.js';
import { TaskThreads } from './threads/pool.js';
import { after, sleep } from './timers.js';
import { Wakeup } from './wakeup.js';

/** Dependencies of the dispatcher. */
export interface DispatcherDeps {
  readonly store: Store;
  readonly registry: WorkflowRegistry;
  readonly config: ResolvedRunnerConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly runnerId: string;
  readonly metrics: EngineMetrics;
  /** Callers of this process waiting for executions to end; none where nobody can wait. */
  readonly endWaiters?: EndWaiters;
}

/**
 * Callers waiting for executions to end, as the final writes that may end them see them (see
 * `Waiters`): a write reads back the executions someone waits for as it commits, so their
 * callers need no read of their own.
 */
export interface EndWaiters {
  /** The executions among `ids` someone waits for, held until {@link handOver}. */
  expect(ids: Iterable<string>): string[];
  /** What the write read back as ended (none when it failed); ends the hold on `ids`. */
  handOver(ids: readonly string[], ended: readonly EndedExecution[]): void;
}

/**
 * Whether this runner may have left Ready work unclaimed: `behind` when the last claim saw
 * some left (or could not run, or found no free slot), `caughtUp` when it took all there was,
 * `stopped` once shutdown began (nothing is claimed any more).
 */
type ClaimState = 'behind' | 'caughtUp' | 'stopped';

/** A completion waiting for its batch. */
interface Completion {
  readonly task: RunningTask;
  readonly output: JsonObject;
}

/** Claims tasks into this runner's slots, starts them, and writes their outcomes. */
export class Dispatcher implements RootClaims {
  /** The attempts in flight. */
  readonly running: RunningTasks;
  /** The worker threads of thread tasks; destroyed by the engine once no attempt runs. */
  readonly threads: TaskThreads;
  readonly #slots: Slots;
  /**
   * While `behind`, new executions do not claim their roots when scheduled, so older Ready
   * work goes first, and a freed slot wakes the claim pass.
   */
  #state: ClaimState = 'behind';
  readonly #wakeup: Wakeup;
  #passInFlight: Promise<boolean> | undefined;
  /**
   * Whether the last claim passed over Ready work of a task whose limit had no free place.
   * Such work is not claimed again at once (that would spin): the end of a limited attempt
   * here wakes the claim, and the tick covers places freed by other runners.
   */
  #limitWaiting = false;
  /** The registry's list of limited tasks last seen, and their keys, for {@link #isLimited}. */
  #limited: { readonly of: readonly TaskLimit[]; readonly keys: ReadonlySet<string> } | undefined;
  /** Attempts whose body returned and which gave their slot up, their result not written yet. */
  readonly #writingWithoutSlot = new Set<RunningTask>();
  /** Completions of tasks that finish in the same turn share one transaction. */
  readonly #completions: Batcher<Completion, boolean>;
  readonly #executor: Executor;
  readonly #writes: OutcomeWriteDeps;

  constructor(private readonly deps: DispatcherDeps) {
    const { store, clock, logger, runnerId, metrics } = deps;
    this.#slots = new Slots(deps.config.maxConcurrentTasks);
    this.running = new RunningTasks({ store, clock });
    this.#wakeup = new Wakeup(() => this.#claimPass());
    this.threads = new TaskThreads(deps.config.maxConcurrentTasks, logger);
    this.#executor = new Executor({
      threads: this.threads,
      registry: deps.registry,
      config: deps.config,
      logger,
      logDeps: { store, clock, logger, runnerId },
      bodyReturned: (task) => this.#bodyReturned(task),
      defer: (task, condition, pollInterval) => this.#defer(task, condition, pollInterval),
    });
    this.#writes = {
      logger,
      clock,
      metrics,
      closing: this.running.closing,
      writeOnce: (task, outcome, alone) => this.#writeOnce(task, outcome, alone),
    };
    // Where the store asks for it, one completion transaction runs at a time and those that
    // finish meanwhile form the next; elsewhere concurrent batches go at once.
    this.#completions = new Batcher((items) => this.#completeBatch(items), {
      serial: store.capabilities.serialWriteBatches,
    });
  }

  /** Requests a claim pass (runs now, or once more after the one in flight). */
  wake(): void {
    this.#wakeup.wake();
  }

  /**
   * Stops claiming (shutdown) and resolves once no claim pass is in flight, so shutdown can
   * hand over what is running. Running tasks go on.
   */
  async stop(): Promise<void> {
    this.#state = 'stopped';
    this.#wakeup.stop();
    await this.#passInFlight?.catch(() => undefined);
  }

  /** Whether claiming stopped; read after an await, when a stop may have come meanwhile. */
  #stopped(): boolean {
    return this.#state === 'stopped';
  }

  /**
   * Records what a claim saw: Ready work left unclaimed, or none (never after a stop), and
   * whether some waits for a task limit.
   */
  #claimed(moreReady: boolean, limited: boolean | undefined): void {
    if (this.#state !== 'stopped') this.#state = moreReady ? 'behind' : 'caughtUp';
    this.#limitWaiting = limited === true;
    if (limited === true) this.deps.metrics.limitWait('task');
  }

  /** Whether `task` is an attempt of a task with a concurrency limit. */
  #isLimited(task: RunningTask): boolean {
    const limits = this.deps.registry.taskLimits();
    if (limits.length === 0) return false;
    if (this.#limited?.of !== limits) {
      this.#limited = {
        of: limits,
        keys: new Set(limits.map((l) => `${l.workflowName}\u0000${l.taskId}`)),
      };
    }
    return this.#limited.keys.has(`${task.claim.workflowName}\u0000${task.claim.taskId}`);
  }

  #claimPass(): Promise<boolean> {
    const pass = this.#claimOnce();
    this.#passInFlight = pass;
    return pass;
  }

  /**
   * One claim pass: reserves the free slots first (so a resuming deferred task cannot be
   * over-subscribed by a claim in flight), claims that many, returns the unused ones. Resolves
   * true when every reserved slot was filled, i.e. more Ready work may be waiting.
   */
  async #claimOnce(): Promise<boolean> {
    if (this.#stopped()) return false;
    const { store, registry, clock, runnerId, metrics, logger } = this.deps;
    using reserved = this.#slots.reserve(this.#slots.available);
    if (reserved.count === 0) {
      // Woken with every slot busy: Ready work may be waiting for the next slot to free.
      this.#state = 'behind';
      return false;
    }
    const limit = reserved.count;
    let claimed: readonly ClaimedTask[] = [];
    let moreReady = true;
    let limited: boolean | undefined;
    try {
      ({
        tasks: claimed,
        moreReady,
        limited,
      } = await store.claimReadyTasks({
        runnerId,
        limit,
        nowMs: clock.now(),
        workflowNames: registry.names(),
        taskLimits: registry.taskLimits(),
      }));
      metrics.claimAttempt(claimed.length > 0 ? 'claimed' : 'empty', claimed.length);
    } catch (error) {
      metrics.claimAttempt('error', 0);
      logger.warn({ err: toError(error) }, 'claiming tasks failed; will retry on the next tick');
    }
    if (this.#stopped()) {
      // Shutdown began while this claim was in flight: hand the tasks back unstarted, so no
      // task body runs here only to be released and run again elsewhere.
      reserved.release();
      await this.#handBack(claimed);
      return false;
    }
    // A failed pass may have left anything behind; a claim says what it left.
    this.#claimed(moreReady, limited);
    this.#launch(claimed, [reserved]);
    return claimed.length === limit && moreReady;
  }

  /**
   * Reserves slots for up to `roots` root tasks that a scheduling write may claim for this
   * runner (see `NewExecution.claimRoots`). None once claiming stopped, or while older Ready
   * work waits: that work goes first (oldest-ready first).
   */
  reserve(roots: number): Reservation {
    return this.#slots.reserve(this.#state === 'caughtUp' ? roots : 0);
  }

  /**
   * Starts tasks claimed by a scheduling write, each in a slot taken from `slots`; the slots
   * left go back when the caller's reservation is disposed. Claims that arrive after shutdown
   * began are handed back.
   */
  async adopt(claimed: readonly ClaimedTask[], slots: Reservation): Promise<void> {
    if (claimed.length === 0) return;
    if (this.#stopped()) {
      slots.take(claimed.length).release();
      // The execution is scheduled; if this fails, the sweeper returns the claims later.
      await this.#handBack(claimed);
      return;
    }
    // Counted with the tasks claimed by passes: the metric is tasks claimed, by how it went.
    this.deps.metrics.claimAttempt('claimed', claimed.length);
    this.#launch(claimed, [slots]);
  }

  /** Starts `claimed`, each in a slot taken from the first of `seats` that has one. */
  #launch(claimed: readonly ClaimedTask[], seats: readonly Reservation[]): void {
    if (claimed.length === 0) return;
    for (const claim of claimed) {
      const seat = seats.find((reservation) => reservation.count > 0);
      this.#start(claim, seat?.take() ?? this.#slots.reserve(0));
    }
    this.deps.metrics.setActiveTasks(this.running.size);
  }

  /** Hands claims back unstarted (shutdown); a failure is logged: the sweeper returns them. */
  async #handBack(claimed: readonly ClaimedTask[]): Promise<void> {
    if (claimed.length === 0) return;
    const { store, clock, runnerId, logger } = this.deps;
    try {
      await store.releaseClaims({ claims: claimed, nowMs: clock.now(), runnerId });
    } catch (error) {
      logger.warn({ err: toError(error) }, 'handing back claims at shutdown failed');
    }
  }

  #start(claim: ClaimedTask, slot: Reservation): void {
    const task = new RunningTask(claim, slot);
    this.running.add(task);
    task.done = this.#drive(task)
      .catch((error: unknown) => {
        this.deps.logger.error(
          { err: toError(error), executionId: claim.executionId, taskId: claim.taskId },
          'task bookkeeping failed',
        );
      })
      .finally(() => this.#retire(task));
  }

  /** Runs the attempt's body, then writes its outcome (nothing when it was abandoned). */
  async #drive(task: RunningTask): Promise<void> {
    const outcome = await this.#executor.run(task);
    if (outcome === undefined) return;
    const recorded = await recordOutcome(this.#writes, task, outcome);
    if (recorded.kind === 'retry') {
      // The retry waits durably in the database; this timer only spares waiting for the tick.
      after(this.deps.clock, recorded.retryDelayMs, () => this.wake());
    }
  }

  #retire(task: RunningTask): void {
    task.state = 'finished';
    this.#writingWithoutSlot.delete(task);
    this.running.delete(task);
    this.deps.metrics.setActiveTasks(this.running.size);
    task.slot.release();
    // A freed slot matters only when work was left waiting for one; new Ready work announces
    // itself (commit notices, retry timers, the backstop tick). The end of a limited attempt
    // frees a place of its task, which work may be waiting for.
    if (this.#state === 'behind' || (this.#limitWaiting && this.#isLimited(task))) this.wake();
  }

  /**
   * The attempt's body has returned. A slot counts tasks executing, not results being
   * written. A task without dependents gives its slot up now: its write can ready nothing to
   * pass the slot to. Free before that write commits, the slot takes the next task meanwhile:
   * a new execution's root, claimed by its own scheduling transaction (no claim statement, no
   * later start), or Ready work that a claim pass takes. At most as many results as there are
   * slots wait like this, so a runner holds at most twice `maxConcurrentTasks` claims (what a
   * crash can make run again); past that, the task keeps its slot until its result is written.
   */
  #bodyReturned(task: RunningTask): void {
    task.state = 'settling';
    if (
      !task.claim.hasDependents &&
      task.slot.count > 0 &&
      this.#writingWithoutSlot.size < this.#slots.size
    ) {
      task.slot.release();
      this.#writingWithoutSlot.add(task);
    }
  }

  /**
   * Deferral: the task gives its slot up while it waits, so other tasks run in it, and takes
   * one again before continuing. The attempt's timeout still applies.
   */
  async #defer(
    task: RunningTask,
    condition: () => Promise<boolean> | boolean,
    pollInterval: Duration,
  ): Promise<void> {
    const intervalMs = parseDuration(pollInterval, 'deferUntil pollInterval');
    const { store, clock, runnerId } = this.deps;
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
    task.state = 'deferred';
    task.slot.release();
    this.wake();
    while (!signal.aborted) {
      await sleep(this.deps.clock, intervalMs, signal);
      if (signal.aborted || (await condition())) break;
    }
    // An aborted task (timeout, cancel, shutdown) ends without taking a slot back.
    signal.throwIfAborted();
    const slot = await this.#slots.acquire();
    if (task.state !== 'deferred' || signal.aborted) {
      slot.release();
      signal.throwIfAborted();
      return;
    }
    task.slot = slot;
    task.state = 'running';
    await store.setDeferred({ ...task.ref, nowMs: clock.now(), runnerId, deferred: false });
  }

  /**
   * One try of an outcome write; whether the claim was still held. Completions share a
   * transaction with those finishing together; after the database refused a batch, each of
   * its completions is written `alone`, so one it refuses never fails the others.
   */
  async #writeOnce(task: RunningTask, outcome: Outcome, alone: boolean): Promise<boolean> {
    const { store, clock, runnerId } = this.deps;
    const base = { ...task.ref, nowMs: clock.now(), runnerId };
    if (outcome.kind === 'complete') {
      const item = { task, output: outcome.output };
      if (!alone) return this.#completions.add(item);
      return (await this.#completeBatch([item]))[0]!;
    }
    if (outcome.kind === 'retry') {
      return store.scheduleRetry({
        ...base,
        errorMessage: outcome.errorMessage,
        // From the write's own "now", so the recorded delay is exactly the policy's.
        retryAtMs: base.nowMs + outcome.retryDelayMs,
      });
    }
    using extra = this.#reserveNext([task]);
    const claimNext = this.#claimNext([task], extra);
    const finished: FinishOutcome = await this.#endingWrite([task.claim.executionId], (readEnded) =>
      store.failTask({
        ...base,
        executionId: task.claim.executionId,
        errorMessage: outcome.errorMessage,
        claimNext,
        ...readEnded,
      }),
    );
    await this.#startNext([task], extra, claimNext, finished);
    return finished.held;
  }

  /**
   * Records the completions of tasks that finished together in one transaction (see
   * `Store.completeTasks`), claiming the next Ready tasks into the slots they free.
   */
  async #completeBatch(items: readonly Completion[]): Promise<boolean[]> {
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
    using extra = this.#reserveNext(finishing);
    const claimNext = this.#claimNext(finishing, extra);
    // Only a task without dependents can be the last of its execution to complete.
    const leaves = writing.filter(({ task }) => !task.claim.hasDependents);
    const outcome: CompletionsOutcome = await this.#endingWrite(
      leaves.map(({ task }) => task.claim.executionId),
      (readEnded) =>
        store.completeTasks({
          completions: writing.map(({ task, output }) => {
            const soleTask = this.#soleTask(task.claim);
            return {
              ...task.ref,
              executionId: task.claim.executionId,
              output,
              hasDependents: task.claim.hasDependents,
              ...(soleTask === undefined ? {} : { soleTask }),
            };
          }),
          nowMs: clock.now(),
          runnerId,
          claimNext,
          ...readEnded,
        }),
    );
    // Counted off as the results are written, before any continuation of the same commit
    // (a scheduling batch's tasks) asks whether a finishing body may free its slot.
    for (const task of finishing) this.#writingWithoutSlot.delete(task);
    await this.#startNext(finishing, extra, claimNext, outcome);
    const held = new Map(writing.map(({ task }, i) => [task, outcome.held[i] === true]));
    return items.map(({ task }) => held.get(task) ?? false);
  }

  /**
   * What the completion of `claim` knows beforehand when its task is the only one of its
   * execution (the registered version's plan has one task and no concurrency key to release)
   * and this is its first attempt: it ends the execution (see `Completion.soleTask`).
   */
  #soleTask(claim: ClaimedTask): SoleTask | undefined {
    if (claim.attempt !== 1 || claim.hasDependents) return undefined;
    const workflow = this.deps.registry.resolve(claim.workflowName, claim.workflowVersion);
    if (
      workflow === undefined ||
      workflow.version !== claim.workflowVersion ||
      workflow.tasks.length !== 1 ||
      workflow.concurrency !== undefined
    )
      return undefined;
    return {
      workflowName: claim.workflowName,
      taskId: claim.taskId,
      claimedAtMs: claim.claimedAtMs,
    };
  }

  /**
   * Runs a final write that may end executions of `executionIds`, asking it to read back those
   * someone here waits for as it commits, and hands what it read to their callers. Without
   * any to read it is the plain write.
   */
  #endingWrite<T extends { readonly ended?: readonly EndedExecution[] }>(
    executionIds: readonly string[],
    write: (readEnded: { readEnded?: readonly string[] }) => Promise<T>,
  ): Promise<T> {
    const waiters = this.deps.endWaiters;
    const expected = waiters?.expect(executionIds) ?? [];
    if (waiters === undefined || expected.length === 0) return write({});
    return write({ readEnded: expected }).then(
      (outcome) => {
        waiters.handOver(expected, outcome.ended ?? []);
        return outcome;
      },
      (error: unknown) => {
        waiters.handOver(expected, []);
        throw error;
      },
    );
  }

  /**
   * Free slots for the tasks a final write may claim (see `ClaimNext`), besides those the
   * finishing tasks free. Undefined when no Ready work may exist: claiming stopped, or the
   * last claim took all there was and no finishing task's end can ready a dependent.
   */
  #reserveNext(finishing: readonly RunningTask[]): Reservation | undefined {
    if (this.#stopped()) return undefined;
    const mayFindWork =
      this.#state === 'behind' ||
      finishing.some(
        (task) => task.claim.hasDependents || (this.#limitWaiting && this.#isLimited(task)),
      );
    return mayFindWork ? this.#slots.reserve(this.#slots.available) : undefined;
  }

  /**
   * What a final write claims: as many tasks as the finishing tasks' slots and the `extra`
   * ones seat. Claiming oldest-first keeps it as fair as a claim pass.
   */
  #claimNext(
    finishing: readonly RunningTask[],
    extra: Reservation | undefined,
  ): ClaimNext | undefined {
    if (extra === undefined) return undefined;
    let limit = extra.count;
    for (const task of finishing) limit += task.slot.count;
    if (limit <= 0) return undefined;
    const { registry } = this.deps;
    return { limit, workflowNames: registry.names(), taskLimits: registry.taskLimits() };
  }

  /** Starts the tasks a final write claimed: in the finishing tasks' slots, then in `extra`. */
  async #startNext(
    finishing: readonly RunningTask[],
    extra: Reservation | undefined,
    claimNext: ClaimNext | undefined,
    {
      claimed,
      moreReady,
      limited,
    }: { claimed: readonly ClaimedTask[]; moreReady: boolean; limited?: boolean },
  ): Promise<void> {
    if (claimNext === undefined || extra === undefined) return;
    this.#claimed(moreReady, limited);
    if (this.#stopped() && claimed.length > 0) {
      // Shutdown began during the write: hand the new claims back unstarted.
      extra.release();
      await this.#handBack(claimed);
      return;
    }
    if (claimed.length > 0) this.deps.metrics.claimAttempt('claimed', claimed.length);
    this.#launch(claimed, [...finishing.map((task) => task.slot), extra]);
  }
}
