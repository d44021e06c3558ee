/**
 * The executor: runs one task attempt's body and says what its outcome is. It knows task
 * definitions, contexts, timeouts, retry policies and the task handle; it writes nothing and
 * holds no slot. The dispatcher (`dispatcher.ts`) starts attempts, owns their slots and writes
 * their outcomes.
 */
import { Context } from '../core/context.js';
import type { Duration } from '../core/duration.js';
import type { Logger, ResolvedRunnerConfig } from '../core/options.js';
import type { TaskDefinition, TaskHandle, TaskLogger } from '../core/task.js';
import { TaskError, TimeoutError, toError } from '../errors.js';
import { problemOf, standIn, type Outcome } from './outcome.js';
import type { WorkflowRegistry } from './registry.js';
import type { RunningTask } from './running-task.js';
import type { TaskThreads } from './threads/pool.js';
import { capturingLogger, TaskLogWriter, type TaskLogDeps } from './task-log.js';
import { after } from './timers.js';

/** Dependencies of the executor. */
export interface ExecutorDeps {
  readonly registry: WorkflowRegistry;
  readonly config: ResolvedRunnerConfig;
  readonly logger: Logger;
  /** What the log writers of attempts need (see `task-log.ts`). */
  readonly logDeps: TaskLogDeps;
  /**
   * Told the moment an attempt's body has returned (or thrown, or was aborted), before its
   * last log lines and its outcome are written: the dispatcher may give its slot up then.
   */
  readonly bodyReturned: (task: RunningTask) => void;
  /** The worker threads that run thread tasks' bodies. */
  readonly threads: TaskThreads;
  /** `handle.deferUntil`: waits for `condition` without holding the task's slot. */
  readonly defer: (
    task: RunningTask,
    condition: () => Promise<boolean> | boolean,
    pollInterval: Duration,
  ) => Promise<void>;
}

/** Runs task bodies. */
export class Executor {
  constructor(private readonly deps: ExecutorDeps) {}

  /**
   * Runs the attempt's body under its timeout and returns the outcome to record, or undefined
   * when the attempt was abandoned (cancelled, claim lost, shut down: another party owns the
   * outcome). Whatever cannot be recorded as such (an unknown task, an input or output that
   * cannot be serialised) becomes a failure saying so. The attempt's last log lines are
   * written before it returns, so a finished attempt's log precedes its outcome.
   */
  async run(task: RunningTask): Promise<Outcome | undefined> {
    const { claim } = task;
    const { registry, config, logger } = this.deps;
    let child: Logger | undefined;
    // A pino child is a measurable share of a short task's cost: made only when needed.
    const log = (): Logger =>
      (child ??= logger.child({ executionId: claim.executionId, taskId: claim.taskId }));
    const workflow = registry.resolve(claim.workflowName, claim.workflowVersion);
    const definition = workflow?.getTask(claim.taskId);
    if (definition === undefined) {
      return {
        kind: 'fail',
        lastResort: true,
        errorMessage:
          `Task '${claim.taskId}' is not part of workflow '${claim.workflowName}' as registered in this ` +
          `runner (execution version ${claim.workflowVersion}). Register the workflow version that defines it.`,
      };
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
      return standIn(task, 'input context could not be read', error);
    }
    const timeoutMs = definition.timeoutMs ?? config.taskTimeoutMs;
    const cancelTimeout = after(
      this.deps.logDeps.clock,
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
    const module = definition.module;
    const inThread =
      module !== undefined && (definition.isolate ?? config.defaultTaskIsolation) === 'thread';
    // A thread body gets the input's data and sends back the output's; everything after the
    // body (timeout, abort, outcome) is the same wherever it ran.
    const body = inThread
      ? async () => {
          const output = await this.deps.threads.run({ module, input: claim.input, handle });
          context = Context.fromJSON(output);
        }
      : () => definition.fn(context, handle);
    let failure: Error | undefined;
    try {
      await Promise.race([Promise.resolve().then(body), task.aborted]);
    } catch (error) {
      failure = toError(error);
    } finally {
      cancelTimeout();
    }
    this.deps.bodyReturned(task);
    // The attempt's last lines are written before its outcome, so a finished attempt's log is
    // complete and precedes task_completed / task_failed in the event order. Also when the
    // attempt is abandoned: the write's claim guard keeps a cancelled task's lines and refuses
    // those of a claim another runner holds now.
    if (task.taskLog !== undefined) await task.taskLog.close();
    if (task.cause !== undefined && task.cause !== 'timeout') {
      log().debug({ cause: task.cause }, 'task attempt abandoned without a write');
      return undefined;
    }
    if (task.cause === 'timeout') failure = task.reason;
    try {
      return failure === undefined
        ? { kind: 'complete', output: context.toJSON() }
        : this.failureOutcome(task, definition, failure, log);
    } catch (error) {
      // An output or error that cannot be serialised: recorded as this attempt's failure.
      return standIn(task, problemOf(failure === undefined ? 'complete' : 'fail'), error);
    }
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
      const delayMs = definition.retry.delayFor(claim.attempt, this.deps.logDeps.clock.random);
      log().debug(
        { attempt: claim.attempt, delayMs, err: failure },
        'task attempt failed; retry scheduled',
      );
      return { kind: 'retry', errorMessage: message, retryDelayMs: delayMs };
    }
    const final =
      failure instanceof TaskError && !failure.retryable ? 'non-retryable' : 'retries exhausted';
    // `warn`: the task is out of attempts and an operator may need to act; the attempts that
    // are retried stay at `debug`, so the hot path is quiet at the default level.
    log().warn({ attempt: claim.attempt, err: failure, reason: final }, 'task failed');
    return { kind: 'fail', errorMessage: message };
  }

  private handleFor(task: RunningTask, log: () => Logger): TaskHandle {
    const { claim } = task;
    const { logDeps, defer } = this.deps;
    // Made on first use only: a task that never touches `handle.log` pays for none of it.
    let taskLogger: TaskLogger | undefined;
    return {
      get signal() {
        return task.signal;
      },
      attempt: claim.attempt,
      executionId: claim.executionId,
      taskId: claim.taskId,
      get log() {
        return (taskLogger ??= capturingLogger(
          log,
          () => (task.taskLog ??= new TaskLogWriter(logDeps, claim)),
        ));
      },
      deferUntil: (condition, pollInterval) => defer(task, condition, pollInterval),
    };
  }
}
