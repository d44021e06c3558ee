/**
 * The attempts in flight in this runner, and what is done to all of them at once: the batched
 * heartbeat of their claims, aborting those of a cancelled execution, and abandoning them at
 * shutdown.
 */
import { setMaxListeners } from 'node:events';
import type { Clock } from '../core/options.js';
import type { ClaimRef, Store } from '../store/store.js';
import { attemptKey, type RunningTask } from './running-task.js';

/** The attempts this runner runs. */
export class RunningTasks {
  /**
   * Attempts in flight, by {@link attemptKey}. Keyed by attempt, not by task: a retry without
   * delay can be claimed (by another task's completion) before its previous attempt is cleaned
   * up, and that cleanup must not drop the new attempt from the heartbeat and from cancel.
   */
  readonly #byAttempt = new Map<string, RunningTask>();
  /** Aborted when running tasks are abandoned at shutdown: outcome writes stop retrying. */
  readonly #closing = new AbortController();
  /** The heartbeat in flight: a caller asking meanwhile shares it (see {@link heartbeat}). */
  #heartbeating: Promise<number> | undefined;

  constructor(private readonly deps: { readonly store: Store; readonly clock: Clock }) {
    // Every outcome write retrying through an outage waits on it; there may be many.
    setMaxListeners(0, this.#closing.signal);
  }

  /** Attempts in flight. */
  get size(): number {
    return this.#byAttempt.size;
  }

  /** Aborted once the running tasks are abandoned for shutdown. */
  get closing(): AbortSignal {
    return this.#closing.signal;
  }

  /** Every attempt in flight. */
  values(): IterableIterator<RunningTask> {
    return this.#byAttempt.values();
  }

  add(task: RunningTask): void {
    this.#byAttempt.set(attemptKey(task.claim), task);
  }

  delete(task: RunningTask): void {
    this.#byAttempt.delete(attemptKey(task.claim));
  }

  /**
   * Heartbeats every held claim in one statement; aborts tasks whose claim is gone. A call
   * that finds a heartbeat still running shares it: two of them in flight would update the
   * same rows from two transactions, which only queue (or deadlock) behind each other.
   * Resolves with the time written on the claims (when the heartbeat started).
   */
  heartbeat(): Promise<number> {
    this.#heartbeating ??= this.#heartbeatOnce().finally(() => {
      this.#heartbeating = undefined;
    });
    return this.#heartbeating;
  }

  /** One heartbeat; resolves with the time it wrote on the claims. */
  async #heartbeatOnce(): Promise<number> {
    const nowMs = this.deps.clock.now();
    const tasks = [...this.#byAttempt.values()].filter((t) => t.state !== 'finished');
    if (tasks.length === 0) return nowMs;
    const lost = await this.deps.store.heartbeat({ claims: tasks.map((t) => t.ref), nowMs });
    for (const ref of lost) {
      const task = this.#byAttempt.get(attemptKey(ref));
      task?.abort(
        'claim_lost',
        new Error(`Task '${task.claim.taskId}' lost its claim; another runner owns it now.`),
      );
    }
    return nowMs;
  }

  /** Aborts the running tasks of a cancelled execution. */
  abortExecution(executionId: string): void {
    for (const task of this.#byAttempt.values()) {
      if (task.claim.executionId === executionId) {
        task.abort('cancelled', new Error(`Execution ${executionId} was cancelled.`));
      }
    }
  }

  /**
   * Writes the buffered log lines of every attempt in flight and ends their logs: shutdown
   * calls it after aborting them and before handing their claims back, while the claims (which
   * the writes are guarded by) are still this runner's. Never rejects.
   */
  async closeLogs(): Promise<void> {
    const logs = [...this.#byAttempt.values()].flatMap((task) => task.taskLog ?? []);
    await Promise.all(logs.map((log) => log.close()));
  }

  /** Aborts every running task for shutdown and returns their claims. */
  abortAll(): ClaimRef[] {
    this.#closing.abort();
    const refs: ClaimRef[] = [];
    for (const task of this.#byAttempt.values()) {
      task.abort('shutdown', new Error('The runner is shutting down.'));
      refs.push(task.ref);
    }
    return refs;
  }
}
