/**
 * Reading and steering executions, written once for the two processes that do it: a runner
 * (`DefaultRunner`) and a client without task code (`Client`). Both delegate their public
 * methods here; what is theirs alone stays with them: scheduling (from the registry or from the
 * stored definitions), waiting (in-process notifications or polling) and the check that the
 * runner or client is still open.
 */
import { parseDuration, type Duration } from '../core/duration.js';
import { checkReadEventsOptions, type ReadEventsOptions } from '../core/feed-options.js';
import type { Clock } from '../core/options.js';
import type { PruneCounts, PruneOptions, PruneResult } from '../core/retention.js';
import { ConfigError, NotFoundError } from '../errors.js';
import type {
  EventPage,
  ExecutionEvent,
  ExecutionRecord,
  Store,
  TaskRecord,
  WorkflowStatus,
} from '../store/store.js';
import { executionFilter, type ListExecutionsOptions } from './execution-filter.js';
import {
  executionEventsPage,
  listExecutionsPage,
  type ListExecutionsPageOptions,
} from './execution-pages.js';
import {
  readExecutionStats,
  type ExecutionStats,
  type ExecutionStatsOptions,
} from './execution-stats.js';
import {
  readExecutionTask,
  readExecutionTasks,
  type ExecutionTask,
  type ExecutionTaskDetail,
} from './execution-tasks.js';
import type { Page, PageOptions } from './pages.js';
import { cleanupEventsInBatches, pruneOnDemand } from './prune.js';
import {
  toExecutionResult,
  toExecutionSummary,
  type ExecutionSummary,
  type WorkflowExecutionResult,
} from './results.js';
import { readTaskLogs, type TaskLogs, type TaskLogsOptions } from './task-logs-read.js';

/** What {@link ExecutionsApi} works with. */
export interface ExecutionsApiOptions {
  readonly store: Store;
  /** The source of "now" for control times and the cut of `cleanupEvents` and `prune`. */
  readonly clock: Clock;
  /** Recorded as the writer of the control events (cancel, pause, resume). */
  readonly runnerId: string;
  /** Told what each batch of an on-demand prune deleted (a runner counts it in its metrics). */
  readonly onPruned?: (counts: PruneCounts) => void;
}

/**
 * The execution read and control methods of a runner and a client; each public method of theirs
 * with the same name documents the behaviour.
 */
export class ExecutionsApi {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #runnerId: string;
  readonly #onPruned: ((counts: PruneCounts) => void) | undefined;

  constructor(options: ExecutionsApiOptions) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#runnerId = options.runnerId;
    this.#onPruned = options.onPruned;
  }

  /** The execution's record; unknown id → `NotFoundError`. */
  async requireExecution(executionId: string): Promise<ExecutionRecord> {
    const record = await this.#store.getExecution(executionId);
    if (record === null) {
      throw new NotFoundError(
        `No workflow execution with id '${executionId}'. Check the id (listExecutions() shows recent ones).`,
      );
    }
    return record;
  }

  /** An execution without its tasks; unknown id → `NotFoundError`. */
  async getExecutionSummary(executionId: string): Promise<ExecutionSummary> {
    return toExecutionSummary(await this.requireExecution(executionId));
  }

  /** The status of an execution; unknown id → `NotFoundError`. */
  async getExecutionStatus(executionId: string): Promise<WorkflowStatus> {
    return (await this.requireExecution(executionId)).status;
  }

  /** The result of an execution as it stands; unknown id → `NotFoundError`. */
  async getExecutionResult(executionId: string): Promise<WorkflowExecutionResult> {
    const record = await this.requireExecution(executionId);
    return toExecutionResult(record, await this.#store.getTasks(executionId));
  }

  /** The tasks of an execution, in topological order. */
  getExecutionTasks(executionId: string): Promise<ExecutionTask[]> {
    return readExecutionTasks(this.#store, executionId);
  }

  /** One task of an execution with its input and output contexts. */
  getExecutionTask(executionId: string, taskId: string): Promise<ExecutionTaskDetail> {
    return readExecutionTask(this.#store, executionId, taskId);
  }

  /** Counts of active and recently ended executions, up to now by the clock. */
  getExecutionStats(options?: ExecutionStatsOptions): Promise<ExecutionStats> {
    return readExecutionStats(this.#store, this.#clock.now(), options);
  }

  /** Executions with their tasks, newest first; by offset or after an execution. */
  async listExecutions(options: ListExecutionsOptions = {}): Promise<WorkflowExecutionResult[]> {
    const { after, ...filter } = executionFilter(options);
    // The key of the execution to list after: its creation time never changes, so reading it
    // apart from the page is as good as reading it in the same transaction.
    const anchor = after === undefined ? null : await this.#store.getExecution(after);
    if (after !== undefined && anchor === null) {
      throw new NotFoundError(
        `listExecutions: no workflow execution with id '${after}' to list after; it may have been pruned. ` +
          'Page with listExecutionsPage(), whose cursors hold their position, to walk a history that is being pruned.',
      );
    }
    const records = await this.#store.listExecutions({
      ...filter,
      after: anchor === null ? null : { createdAtMs: anchor.createdAtMs, id: anchor.id },
    });
    // The tasks of the whole page in one read, not one round trip per execution.
    const tasks = new Map<string, TaskRecord[]>(records.map((r) => [r.id, []]));
    for (const t of await this.#store.getTasksOf(records.map((r) => r.id))) {
      tasks.get(t.executionId)?.push(t);
    }
    return records.map((r) => toExecutionResult(r, tasks.get(r.id) ?? []));
  }

  /** One page of executions, newest first. */
  listExecutionsPage(options?: ListExecutionsPageOptions): Promise<Page<ExecutionSummary>> {
    return listExecutionsPage(this.#store, options);
  }

  /** Up to `limit` executions whose id starts with `prefix`, by id. */
  async findExecutionsByIdPrefix(prefix: string, limit = 10): Promise<ExecutionSummary[]> {
    if (typeof prefix !== 'string' || prefix === '') {
      throw new ConfigError('findExecutionsByIdPrefix: prefix must be a non-empty string.');
    }
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw new ConfigError(
        `findExecutionsByIdPrefix: limit must be an integer from 1 to 100; received ${String(limit)}.`,
      );
    }
    const lower = prefix.toLowerCase();
    // Ids are lowercase hex and dashes: any other character matches nothing.
    if (!/^[0-9a-f-]+$/.test(lower)) return [];
    const records = await this.#store.findExecutionsByIdPrefix({ prefix: lower, limit });
    return records.map(toExecutionSummary);
  }

  /** Every execution and task event of an execution, oldest first. */
  async getExecutionEvents(executionId: string): Promise<ExecutionEvent[]> {
    await this.requireExecution(executionId);
    return this.#store.getEvents(executionId);
  }

  /** One page of an execution's events, oldest first. */
  getExecutionEventsPage(
    executionId: string,
    options?: PageOptions,
  ): Promise<Page<ExecutionEvent>> {
    return executionEventsPage(this.#store, executionId, options);
  }

  /** The log lines of one attempt of a task. */
  getTaskLogs(executionId: string, taskId: string, options?: TaskLogsOptions): Promise<TaskLogs> {
    return readTaskLogs(this.#store, executionId, taskId, options);
  }

  /** Hard cancel, at the clock's now. */
  async cancelExecution(executionId: string): Promise<void> {
    await this.#store.cancelExecution({
      executionId,
      nowMs: this.#clock.now(),
      runnerId: this.#runnerId,
    });
  }

  /** Pauses a Pending or Running execution, at the clock's now. */
  async pauseExecution(executionId: string, reason?: string): Promise<void> {
    await this.#store.pauseExecution({
      executionId,
      reason: reason ?? null,
      nowMs: this.#clock.now(),
      runnerId: this.#runnerId,
    });
  }

  /** Resumes a Paused execution, at the clock's now. */
  async resumeExecution(executionId: string): Promise<void> {
    await this.#store.resumeExecution({
      executionId,
      nowMs: this.#clock.now(),
      runnerId: this.#runnerId,
    });
  }

  /**
   * Deletes events older than `olderThan` back from the clock's now, in short transactions
   * (see `cleanupEventsInBatches`), or with `dryRun` counts them; returns how many.
   */
  async cleanupEvents(options: { olderThan: Duration; dryRun?: boolean }): Promise<number> {
    const olderThanMs = this.#clock.now() - parseDuration(options.olderThan, 'olderThan');
    if (options.dryRun === true) return this.#store.cleanupEvents({ olderThanMs, dryRun: true });
    return cleanupEventsInBatches(this.#store, olderThanMs);
  }

  /** Deletes (or with `dryRun` counts) what ended longer ago than `olderThan`. */
  prune(options: PruneOptions): Promise<PruneResult> {
    return pruneOnDemand(this.#store, options, this.#clock.now(), this.#onPruned);
  }

  /** One page of the event feed. */
  async readEvents(options?: ReadEventsOptions): Promise<EventPage> {
    return this.#store.readEvents(checkReadEventsOptions(options));
  }

  /** The feed position of now. */
  eventsHead(): Promise<string> {
    return this.#store.eventsHead();
  }

  /** Calls `listener` after events were appended; returns the function that unsubscribes. */
  onEventsAppended(listener: () => void): () => void {
    return this.#store.onCommit((notice) => {
      if (notice.events.length > 0 || notice.channels.has('events')) listener();
    });
  }
}
