/**
 * The semantic persistence contract the engine depends on. Every method is one transaction: a
 * state change and the event row describing it commit together, or not at all. The engine never
 * sees SQL or a driver.
 */
import type { ApiKeyStore } from './api-key-store.js';
import type { CronStore } from './cron-store.js';
import type { Capabilities, CommitNotice, Dialect } from './db.js';
import type { DefinitionStore } from './definition-store.js';
import type { RetentionStore } from './retention-store.js';
import type { RunnerStore } from './runner-store.js';
import type { EventPage } from './feed.js';
import type { ExecutionPageFilter, ExecutionSummaryRecord } from './ops/execution-pages.js';
import type { EventPageFilter, TaskWithInput } from './ops/queries.js';
import type { ExecutionStatsQuery, ExecutionStatsRecord } from './ops/stats.js';
import type { TriggerStore } from './trigger-store.js';
import type {
  EndedExecution,
  NewExecution,
  ScheduledExecution,
  ClaimNext,
  ClaimBatch,
  ClaimInput,
  FinishOutcome,
  Completion,
  CompletionsOutcome,
  ClaimRef,
  ClaimWrite,
  ReadEnded,
  WriteOutcome,
  ExecutionFilter,
  TaskLogAppend,
  StoredTaskLog,
  SweepOutcome,
} from './records.js';
import type { ExecutionEvent, ExecutionRecord, TaskRecord } from './rows.js';

/**
 * The persistence contract: executions here; schedules, definitions, keys, runners and
 * retention in their own.
 */
export interface Store
  extends TriggerStore, CronStore, DefinitionStore, ApiKeyStore, RunnerStore, RetentionStore {
  readonly dialect: Dialect;
  readonly capabilities: Capabilities;

  /** Applies migrations (idempotent, safe with concurrent processes). */
  migrate(): Promise<void>;
  /**
   * The ids of the applied migrations, read without creating or changing anything; null for a
   * database without a Cloacina schema (see `schema-check.ts`).
   */
  appliedMigrations(): Promise<number[] | null>;
  /** Closes the database. Idempotent. */
  close(): Promise<void>;
  /** Commit notices: events appended and wake-up channels, after commit. */
  onCommit(listener: (notice: CommitNotice) => void): () => void;

  /**
   * Writes the execution, its context and every task row. Roots whose trigger rule holds for
   * the initial context become Ready, or Running for the scheduling runner when `claimRoots`
   * asks for it; the others are Skipped (their dependents settled), and an execution whose
   * every task is skipped is Completed in the same transaction. With an idempotency key already
   * used for the workflow, it writes nothing and returns the existing execution (`created`
   * false), also when another process commits that key first while this one waits.
   */
  scheduleExecution(input: NewExecution): Promise<ScheduledExecution>;
  /**
   * Schedules several executions in one transaction (see {@link scheduleExecution}). A key
   * already used returns its execution without failing the others; inputs sharing a key share
   * one execution, created by the first of them.
   */
  scheduleExecutions(inputs: readonly NewExecution[]): Promise<ScheduledExecution[]>;
  /**
   * Claims up to `limit` Ready tasks (oldest first) of the named workflows, atomically, and
   * tells whether more were left waiting. A task of `taskLimits` is claimed only into a free
   * place of its limit, counted under a lock (see `ops/task-limits.ts`).
   */
  claimReadyTasks(input: ClaimInput): Promise<ClaimBatch>;
  /** Refreshes the heartbeat of held claims; returns the claims that are no longer held. */
  heartbeat(input: { claims: readonly ClaimRef[]; nowMs: number }): Promise<ClaimRef[]>;
  /**
   * Records successful attempts with their output contexts in one transaction, with set-based
   * statements (what a runner's slots finish together); readies or skips dependents; may end
   * workflows. Returns, in input order, whether each claim was held.
   */
  completeTasks(
    input: {
      completions: readonly Completion[];
      nowMs: number;
      runnerId: string;
      claimNext?: ClaimNext;
    } & ReadEnded,
  ): Promise<CompletionsOutcome>;
  /** Records final failure; readies or skips dependents; may end the workflow. */
  failTask(
    input: ClaimWrite & {
      executionId: string;
      errorMessage: string;
      claimNext?: ClaimNext;
    } & ReadEnded,
  ): Promise<FinishOutcome>;
  /** Records a failed attempt and makes the task Ready again at `retryAtMs` with `attempt + 1`. */
  scheduleRetry(
    input: ClaimWrite & { errorMessage: string; retryAtMs: number },
  ): Promise<WriteOutcome>;
  /** Marks a held task Deferred (slot released) or back to Running. */
  setDeferred(input: ClaimWrite & { deferred: boolean }): Promise<WriteOutcome>;
  /** Hands unfinished claims back: the tasks become Ready at once for any runner. */
  releaseClaims(input: {
    claims: readonly ClaimRef[];
    nowMs: number;
    runnerId: string;
  }): Promise<number>;
  /** Returns stale claims to Ready, or abandons tasks past `maxRecoveryAttempts`. */
  sweepStaleClaims(input: {
    nowMs: number;
    staleBeforeMs: number;
    maxRecoveryAttempts: number;
    runnerId: string;
  }): Promise<SweepOutcome>;
  /**
   * Admits the delayed starts of limited workflows whose time came in `(sinceMs, nowMs]`, in
   * every group with a free place; returns how many. Every other Queued execution is admitted
   * by the transaction that frees a place, so this is a runner's periodic pass.
   */
  admitWaiting(input: { nowMs: number; sinceMs: number; runnerId: string }): Promise<number>;
  /**
   * Folds the per-session rows of the concurrency place counts into one row per group (the sums
   * unchanged), so a group's count stays a few rows to read; returns the rows folded. A
   * runner's periodic chore.
   */
  foldPlaceCounts(): Promise<number>;
  /**
   * Admits, in every rate group with executions waiting for its window, those the window (and
   * their concurrency group) has room for now; returns how many, and when the earliest window
   * still holding waiters opens (null for none): a runner's rate pass and timer.
   */
  admitRateLimited(input: {
    nowMs: number;
    runnerId: string;
  }): Promise<{ admitted: number; nextOpeningMs: number | null }>;

  /** Hard cancel: unfinished tasks become Cancelled, the execution Cancelled. */
  cancelExecution(input: {
    executionId: string;
    nowMs: number;
    runnerId: string;
  }): Promise<ExecutionRecord>;
  /** Pending/Running → Paused. */
  pauseExecution(input: {
    executionId: string;
    reason: string | null;
    nowMs: number;
    runnerId: string;
  }): Promise<ExecutionRecord>;
  /** Paused → Running (or Pending when it never started). */
  resumeExecution(input: {
    executionId: string;
    nowMs: number;
    runnerId: string;
  }): Promise<ExecutionRecord>;

  getExecution(executionId: string): Promise<ExecutionRecord | null>;
  /**
   * Executions among `ids` that are terminal, each with its tasks in topological order, read
   * together (waiters: one round trip for both).
   */
  getEndedExecutions(ids: readonly string[]): Promise<EndedExecution[]>;
  getTasks(executionId: string): Promise<TaskRecord[]>;
  /** The tasks of the executions among `ids`, by execution id, each in topological order. */
  getTasksOf(executionIds: readonly string[]): Promise<TaskRecord[]>;
  /**
   * One task of an execution with the context a claim of it hands over (see
   * {@link TaskWithInput.inputContext}); null when the execution has no such task.
   */
  getTask(input: { executionId: string; taskId: string }): Promise<TaskWithInput | null>;
  /** Executions not yet ended (Pending, Running or Paused). */
  /** Executions waiting as `Queued` for a place under a concurrency limit, by workflow. */
  countQueuedExecutions(): Promise<{ workflowName: string; count: number }[]>;
  countActiveExecutions(): Promise<number>;
  /**
   * Executions not yet ended, by status, and those that ended in `[fromMs, toMs)`, by interval
   * of `bucketMs` from `fromMs` and by status: counted by the database, in one snapshot.
   * `toMs - 1` is taken as "now": minutes of the window that ended five minutes before it are
   * first rolled up, once, into per-minute counts (`ops/stats-rollups.ts`), which the count
   * then sums instead of reading their executions.
   */
  getExecutionStats(query: ExecutionStatsQuery): Promise<ExecutionStatsRecord>;
  /** Executions newest first, `(createdAtMs, id)` descending, by offset. */
  listExecutions(filter: ExecutionFilter): Promise<ExecutionRecord[]>;
  /** Up to `limit` executions after a key, in the order of {@link listExecutions}. */
  listExecutionsPage(filter: ExecutionPageFilter): Promise<ExecutionSummaryRecord[]>;
  /**
   * Up to `limit` executions whose id starts with `prefix` (lowercase hex and dashes), by id:
   * one range of the primary key.
   */
  findExecutionsByIdPrefix(input: {
    prefix: string;
    limit: number;
  }): Promise<ExecutionSummaryRecord[]>;
  /** The execution and task events of an execution, oldest first. */
  getEvents(executionId: string): Promise<ExecutionEvent[]>;
  /**
   * One page of the event feed: every event of every process, after `after` (a cursor a
   * previous page or {@link eventsHead} returned; null for the oldest stored event).
   * @throws {InvalidCursorError} for a cursor this backend did not hand out.
   */
  readEvents(input: {
    after: string | null;
    limit: number;
    executionId?: string | undefined;
    workflow?: string | undefined;
  }): Promise<EventPage>;
  /** A feed position before every event committed after this call. */
  eventsHead(): Promise<string>;
  /**
   * Appends log lines of a task attempt as `task_log` events. Written only while the attempt
   * is this runner's (its claim is held, or the execution was cancelled while it ran): a
   * runner that lost the claim writes nothing, as for an outcome.
   */
  appendTaskLogs(input: TaskLogAppend): Promise<void>;
  /**
   * The log of one attempt of a task (default: the latest); null when the execution has no
   * such task.
   */
  getTaskLog(input: {
    executionId: string;
    taskId: string;
    attempt?: number;
  }): Promise<StoredTaskLog | null>;
  /** Up to `limit` events of an execution after an event id, oldest first. */
  getEventsPage(filter: EventPageFilter): Promise<ExecutionEvent[]>;
  /**
   * Deletes events older than `olderThanMs` (at most `limit` of them, when given: one batch of
   * a cleanup in batches), or with `dryRun` counts them; returns how many.
   */
  cleanupEvents(input: { olderThanMs: number; dryRun?: boolean; limit?: number }): Promise<number>;
}

export type {
  EventPageFilter,
  ExecutionPageFilter,
  ExecutionStatsQuery,
  ExecutionStatsRecord,
  ExecutionSummaryRecord,
  TaskWithInput,
};
export type { ExecutionKey } from './ops/execution-pages.js';
export type * from './records.js';

// The contract the engine imports: every record and status it needs, from this one module.
export type { ApiKeyRecord } from './api-key-store.js';
export type { CommitNotice } from './db.js';
export type { EventPage } from './feed.js';
export type { ExecutionCut, RetentionStore } from './retention-store.js';
export {
  EventType,
  SCHEDULE_EVENT_TYPES,
  TERMINAL_WORKFLOW_STATUSES,
  WorkflowStatus,
} from './rows.js';
export type { ExecutionEvent, ExecutionRecord, NewEvent, TaskRecord, TaskStatus } from './rows.js';
export type { RunnerRecord } from './runner-store.js';
export type {
  TriggerFireOutcome,
  TriggerPollStart,
  TriggerPollSuccess,
  TriggerRunRecord,
  TriggerRunStatus,
  TriggerScheduleRecord,
  TriggerScheduleUpsert,
} from './trigger-store.js';
