/**
 * A runner's row in the runner registry: written when the runner starts, refreshed on its
 * heartbeat tick and when its workflows change, marked stopped at shutdown. The row is for
 * people and tools looking at the runners; nothing in the engine depends on it, so a failed
 * write is logged and the next tick tries again.
 */
import { hostname } from 'node:os';
import type { Clock, Logger } from '../core/options.js';
import { toError } from '../errors.js';
import type { Store } from '../store/store.js';

/** Rows stopped or silent for this long are deleted by any runner's refresh. */
export const RUNNER_RETENTION_MS = 24 * 60 * 60 * 1000;

/** What a runner's presence needs to know about it. */
export interface PresenceDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly runnerId: string;
  /** The configured `runnerName`, or null. */
  readonly name: string | null;
  /** The runner's `staleClaimThreshold` in ms. */
  readonly staleAfterMs: number;
  /** The names of the workflows registered now. */
  readonly workflows: () => readonly string[];
}

/** Keeps one runner's row in the registry current. */
export class RunnerPresence {
  readonly #deps: PresenceDeps;
  readonly #startedAtMs: number;
  /** The latest write, running or queued; writes never reject. */
  #tail: Promise<void> = Promise.resolve();
  /** A write queued behind the running one and not started yet: later callers join it. */
  #queued: Promise<void> | undefined;
  #stopped = false;

  constructor(deps: PresenceDeps) {
    this.#deps = deps;
    this.#startedAtMs = deps.clock.now();
  }

  /**
   * Writes the row (heartbeat and workflows as they are when the write starts). Writes never
   * overlap: two in flight on two connections could commit out of order and leave an older
   * workflow list. A call while a write runs queues one more after it, which every further call
   * joins until it starts, so a slow database sees at most one write running and one waiting.
   * Resolves when a write that started after the call ended (written, or failed and logged);
   * never rejects.
   */
  refresh(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    if (this.#queued !== undefined) return this.#queued;
    const queued: Promise<void> = this.#tail.then(() => {
      if (this.#queued === queued) this.#queued = undefined;
      return this.#stopped ? undefined : this.#write();
    });
    this.#queued = queued;
    this.#tail = queued;
    return queued;
  }

  async #write(): Promise<void> {
    const { store, clock, runnerId } = this.#deps;
    const nowMs = clock.now();
    try {
      await store.upsertRunner({
        runnerId,
        name: this.#deps.name,
        hostname: hostname(),
        pid: process.pid,
        startedAtMs: this.#startedAtMs,
        staleAfterMs: this.#deps.staleAfterMs,
        workflows: [...this.#deps.workflows()].sort(),
        nowMs,
        pruneBeforeMs: nowMs - RUNNER_RETENTION_MS,
      });
    } catch (error) {
      this.#deps.logger.warn(
        { err: toError(error) },
        'refreshing this runner in the runner registry failed; retrying on the next heartbeat',
      );
    }
  }

  /** Waits for the write in flight, then marks the row stopped. Idempotent; never rejects. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.#tail;
    try {
      await this.#deps.store.markRunnerStopped({
        runnerId: this.#deps.runnerId,
        nowMs: this.#deps.clock.now(),
      });
    } catch (error) {
      this.#deps.logger.warn(
        { err: toError(error) },
        'marking this runner stopped in the runner registry failed; it shows as not live once its heartbeat is stale',
      );
    }
  }
}
