/**
 * Keeping what a task logs with its attempt. `handle.log` writes to the runner's logger as
 * before and, from its first line on, to a per-attempt writer that buffers lines in memory
 * (never more than the bound) and writes them as `task_log` events in batches: at most every
 * {@link FLUSH_INTERVAL_MS} while the task runs, and the rest when the attempt ends, before its
 * outcome is written. A task that logs nothing has no writer: no timer, no write.
 *
 * Logging never fails or holds up the task: a line is queued synchronously, writes run in the
 * background, and a write that fails drops its lines (reported once per attempt) instead of
 * being retried.
 */
import type { Clock, Logger } from '../core/options.js';
import type { TaskLogger } from '../core/task.js';
import { lineBytes, TaskLogWindow, toLogLine, type TaskLogLevel } from '../core/task-log.js';
import { toError } from '../errors.js';
import type { ClaimedTask, Store } from '../store/store.js';
import { after } from './timers.js';

/** The longest a logged line waits in memory while its task runs. */
export const FLUSH_INTERVAL_MS = 100;

/** What a writer needs from its runner. */
export interface TaskLogDeps {
  readonly store: Store;
  readonly clock: Clock;
  /** The runner's logger, told once per attempt when lines could not be written. */
  readonly logger: Logger;
  readonly runnerId: string;
}

/** The log of one attempt in flight: buffered lines and their background writes. */
export class TaskLogWriter {
  readonly #window = new TaskLogWindow();
  /** Cancels the armed flush timer; undefined while none is armed. */
  #cancelTimer: (() => void) | undefined;
  /** Writes run one after another, so lines are stored in order and the window stays exact. */
  #writes: Promise<void> = Promise.resolve();
  #closed: Promise<void> | undefined;
  /** Whether lines an earlier run of this attempt stored were read (see `TaskLogWindow.seed`). */
  #seeded = false;
  #reported = false;

  constructor(
    private readonly deps: TaskLogDeps,
    private readonly claim: ClaimedTask,
  ) {}

  /** Queues one line; once the attempt ended, lines only reach the runner's logger. */
  add(level: TaskLogLevel, obj: unknown, msg: unknown): void {
    if (this.#closed !== undefined) return;
    const line = toLogLine(obj, msg);
    this.#window.add({ ...line, level, atMs: this.deps.clock.now() });
    this.#cancelTimer ??= after(
      this.deps.clock,
      FLUSH_INTERVAL_MS,
      () => {
        this.#cancelTimer = undefined;
        void this.#flush();
      },
      { writeBehind: true },
    );
  }

  /**
   * Ends the attempt's log: writes what is buffered and resolves once every write is done
   * (never rejects). Later lines are not kept. Idempotent: the executor calls it when the body
   * ends, shutdown calls it before handing the claim back.
   */
  close(): Promise<void> {
    if (this.#closed === undefined) {
      this.#cancelTimer?.();
      this.#cancelTimer = undefined;
      this.#closed = this.#flush();
    }
    return this.#closed;
  }

  #flush(): Promise<void> {
    this.#writes = this.#writes.then(() => this.#write());
    return this.#writes;
  }

  async #write(): Promise<void> {
    if (this.#window.pendingCount === 0) return;
    const { store, runnerId } = this.deps;
    const { claim } = this;
    let count = 0;
    try {
      if (!this.#seeded) {
        // A re-run of this attempt (handed back at shutdown, recovered after a crash) goes on
        // from the lines the earlier run stored: numbering and bound are the attempt's.
        const prior = await store.getTaskLog({
          executionId: claim.executionId,
          taskId: claim.taskId,
          attempt: claim.attempt,
        });
        this.#window.seed(
          (prior?.lines ?? []).map((line) => ({
            seq: line.seq,
            bytes: lineBytes(line.message, line.fields),
          })),
        );
        this.#seeded = true;
      }
      const batch = this.#window.take();
      count = batch.lines.length;
      await store.appendTaskLogs({
        taskExecutionId: claim.taskExecutionId,
        claimId: claim.claimId,
        executionId: claim.executionId,
        taskId: claim.taskId,
        attempt: claim.attempt,
        runnerId,
        lines: batch.lines,
        keep: batch.keep,
      });
      this.#window.commit(batch);
    } catch (error) {
      // Never retried: the task goes on, and a log must not hold the runner in a retry loop.
      // A failed read of the earlier lines drops what waits, as a failed write does.
      if (!this.#seeded) count = this.#window.take().lines.length;
      this.#report(error, count);
    }
  }

  #report(error: unknown, dropped: number): void {
    if (this.#reported) return;
    this.#reported = true;
    this.deps.logger.warn(
      {
        err: toError(error),
        executionId: this.claim.executionId,
        taskId: this.claim.taskId,
        attempt: this.claim.attempt,
        dropped,
      },
      'writing task log lines failed; they were dropped (further failures of this attempt are not reported)',
    );
  }
}

/**
 * The `handle.log` of an attempt: each call goes to `log()` (the runner's logger bound to the
 * task) exactly as before, then to the attempt's writer, made on the first line by `writer()`.
 * Keeping a line never throws into the task.
 */
export function capturingLogger(log: () => Logger, writer: () => TaskLogWriter): TaskLogger {
  const method =
    (level: TaskLogLevel) =>
    (obj: object | string, ...rest: [msg?: string]): void => {
      log()[level](obj, ...rest);
      try {
        writer().add(level, obj, rest[0]);
      } catch {
        // A line that cannot even be queued is lost; the task is never failed over its log.
      }
    };
  return {
    debug: method('debug'),
    info: method('info'),
    warn: method('warn'),
    error: method('error'),
  };
}
