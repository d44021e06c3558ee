/**
 * The semantic persistence contract the engine depends on. Every method is one transaction: a
 * state change and the event row describing it commit together, or not at all. The engine never
 * sees SQL or a driver.
 */
import type { JsonObject } from '../core/json.js';
import type { TriggerRule } from '../core/rules.js';
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
  ExecutionEvent,
  ExecutionRecord,
  TaskRecord,
  TaskStatus,
  WorkflowStatus,
} from './rows.js';

/** One task row to create when scheduling. */
export interface NewTask {
  readonly taskId: string;
  /** Topological position, ties in declared order: orders the final-context merge. */
  readonly position: number;
  /** Dependencies in declared order: the order in which their outputs merge into the input. */
  readonly dependencies: readonly string[];
  readonly dependents: readonly string[];
  readonly triggerRule: TriggerRule;
}

/** Input of {@link Store.scheduleExecution}. */
export interface NewExecution {
  readonly id: string;
  readonly workflowName: string;
  readonly workflowVersion: string;
  readonly initialContext: JsonObject;
  readonly tasks: readonly NewTask[];
  readonly nowMs: number;
  readonly runnerId: string;
  /** True when a trigger or cron run links to this execution (its end closes that run). */
  readonly scheduleLinked?: boolean;
  /**
   * Claims up to this many of the tasks Ready at scheduling (the roots whose trigger rule holds
   * for the initial context, see `core/start.ts`) for `runnerId` in the scheduling transaction
   * itself, for a runner with free slots and no older Ready work waiting: they start without a
   * second transaction. The rest are Ready for any runner; a skipped root is never claimed.
   */
  readonly claimRoots?: number;
  /** Set when this execution reruns another one (see {@link RerunSource}). */
  readonly rerun?: RerunSource;
  /**
   * At most one execution of `workflowName` has this key (checked by the caller: 1 to 255
   * characters, no NUL). When one exists, whatever its status, scheduling writes nothing and
   * returns it with `created: false`; so does a second input with the same key in one batch.
   */
  readonly idempotencyKey?: string;
  /**
   * A start time later than `nowMs` (`runAt` / `delay`): the execution is written `Scheduled`,
   * its Ready roots wait as Ready until then (`ready_at_ms`), the first claim of one starts it,
   * and `claimRoots` is ignored. Absent, or not after `nowMs`: it may start at once.
   */
  readonly runAtMs?: number;
}

/**
 * What a rerun is scheduled from. The new execution records `rerun_of`, and the original's
 * `rerun_by` becomes the new id, in the scheduling transaction. The caller checked that the
 * original has ended (terminal rows never change again, so the check cannot go stale).
 */
export interface RerunSource {
  /** The id of the execution rerun. */
  readonly executionId: string;
  readonly from: 'failed' | 'start';
  /**
   * Tasks written Completed at scheduling with the output they had in the original, by task id
   * (empty from `start`). Their bodies do not run: they count as finished dependencies, and
   * their outputs enter their dependents' inputs and the final context as in the original.
   */
  readonly carried: ReadonlyMap<string, JsonObject>;
}

/** What scheduling wrote: the execution, and the root tasks claimed with it. */
export interface ScheduledExecution {
  readonly record: ExecutionRecord;
  readonly claimed: readonly ClaimedTask[];
  /**
   * False when the idempotency key named an execution that already existed: `record` is that
   * execution as it is now, nothing was written and nothing claimed.
   */
  readonly created: boolean;
}

/** A task claimed by a runner, with what it needs to run. */
export interface ClaimedTask {
  readonly taskExecutionId: string;
  readonly claimId: string;
  readonly executionId: string;
  readonly workflowName: string;
  readonly workflowVersion: string;
  readonly taskId: string;
  readonly attempt: number;
  readonly input: JsonObject;
  /** Whether other tasks depend on this one (its end may make them Ready). */
  readonly hasDependents: boolean;
}

/**
 * Claims Ready tasks (oldest first, as a claim pass would) in the transaction of a task's
 * final write, into the slot that task frees and any other slots reserved for it: one
 * transaction instead of two, and a dependent starts without a wake-up round.
 */
export interface ClaimNext {
  readonly limit: number;
  readonly workflowNames: readonly string[];
}

/** Tasks a claim took, and whether claimable Ready work was left behind. */
export interface ClaimBatch {
  readonly tasks: readonly ClaimedTask[];
  /**
   * Whether Ready tasks of the named workflows were still waiting after the claim (read in
   * the same transaction). A runner that knows none wait lets new executions claim their
   * roots when they are scheduled; older Ready work would go first otherwise.
   */
  readonly moreReady: boolean;
}

/** Result of a final task write that may claim the next tasks. */
export interface FinishOutcome {
  /** False when the claim was lost and nothing was written. */
  readonly held: boolean;
  readonly claimed: readonly ClaimedTask[];
  /** See {@link ClaimBatch.moreReady}; false when nothing was claimed for. */
  readonly moreReady: boolean;
}

/** One successful attempt, for {@link Store.completeTasks}. */
export interface Completion extends ClaimRef {
  readonly executionId: string;
  readonly output: JsonObject;
  /**
   * Whether other tasks depend on this one, as its claim said (`ClaimedTask.hasDependents`).
   * A hint only: when no task of a batch has dependents, nothing it settles can become Ready,
   * so PostgreSQL claims the next tasks in the completion's first round trip.
   */
  readonly hasDependents?: boolean;
}

/** Result of {@link Store.completeTasks}. */
export interface CompletionsOutcome {
  /** Per completion, in input order: false when its claim was lost (nothing written). */
  readonly held: readonly boolean[];
  readonly claimed: readonly ClaimedTask[];
  /** See {@link ClaimBatch.moreReady}; false when nothing was claimed for. */
  readonly moreReady: boolean;
}

/** Identifies a claim held by a runner. */
export interface ClaimRef {
  readonly taskExecutionId: string;
  readonly claimId: string;
}

/** Common fields of claim-guarded writes. */
export interface ClaimWrite extends ClaimRef {
  readonly nowMs: number;
  readonly runnerId: string;
}

/** Result of a claim-guarded write: `false` means the claim was lost and nothing was written. */
export type WriteOutcome = boolean;

/** Filter of {@link Store.listExecutions}. */
export interface ExecutionFilter {
  readonly workflowName?: string;
  readonly status?: WorkflowStatus;
  readonly limit: number;
  readonly offset: number;
}

/** One task log line to store (see {@link Store.appendTaskLogs}). */
export interface NewTaskLogLine {
  /** 1, 2, 3… within the attempt. */
  readonly seq: number;
  /** When it was logged (epoch ms). */
  readonly atMs: number;
  readonly level: string;
  readonly message: string;
  readonly fields?: JsonObject;
}

/** Input of {@link Store.appendTaskLogs}: lines of one attempt, written under its claim. */
export interface TaskLogAppend extends ClaimRef {
  readonly executionId: string;
  readonly taskId: string;
  readonly attempt: number;
  readonly runnerId: string;
  /** In the order they were logged. */
  readonly lines: readonly NewTaskLogLine[];
  /**
   * When set, only the attempt's `keep` newest lines (counting these) stay: the older ones are
   * deleted in the same transaction, which keeps the attempt within its bound.
   */
  readonly keep?: number;
}

/** One stored task log line. */
export interface TaskLogRecord extends NewTaskLogLine {
  /** Id of its event row (its place in the execution's event order). */
  readonly eventId: number;
}

/** What {@link Store.getTaskLog} read. */
export interface StoredTaskLog {
  /** The task's attempt number now: the attempt running, or the last one run (1 before any). */
  readonly attempts: number;
  /** The attempt read: the one asked for, or the latest. */
  readonly attempt: number;
  /** Its lines, oldest first; none when `attempt` is outside 1…`attempts`. */
  readonly lines: readonly TaskLogRecord[];
}

/** What one sweep of stale claims did. */
export interface SweepOutcome {
  readonly recovered: number;
  readonly abandoned: number;
}

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
   * tells whether more were left waiting.
   */
  claimReadyTasks(input: {
    runnerId: string;
    limit: number;
    nowMs: number;
    workflowNames: readonly string[];
  }): Promise<ClaimBatch>;
  /** Refreshes the heartbeat of held claims; returns the claims that are no longer held. */
  heartbeat(input: { claims: readonly ClaimRef[]; nowMs: number }): Promise<ClaimRef[]>;
  /**
   * Records successful attempts with their output contexts in one transaction, with set-based
   * statements (what a runner's slots finish together); readies or skips dependents; may end
   * workflows. Returns, in input order, whether each claim was held.
   */
  completeTasks(input: {
    completions: readonly Completion[];
    nowMs: number;
    runnerId: string;
    claimNext?: ClaimNext;
  }): Promise<CompletionsOutcome>;
  /** Records final failure; readies or skips dependents; may end the workflow. */
  failTask(
    input: ClaimWrite & { executionId: string; errorMessage: string; claimNext?: ClaimNext },
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
  /** Executions among `ids` that are terminal (used by waiters as a backstop). */
  getTerminalExecutions(ids: readonly string[]): Promise<ExecutionRecord[]>;
  getTasks(executionId: string): Promise<TaskRecord[]>;
  /**
   * One task of an execution with the context a claim of it hands over (see
   * {@link TaskWithInput.inputContext}); null when the execution has no such task.
   */
  getTask(input: { executionId: string; taskId: string }): Promise<TaskWithInput | null>;
  /** Executions not yet ended (Pending, Running or Paused). */
  countActiveExecutions(): Promise<number>;
  /**
   * Executions not yet ended, by status, and those that ended in `[fromMs, toMs)`, by interval
   * of `bucketMs` from `fromMs` and by status: counted by the database, in one snapshot.
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
  /** Deletes events older than `olderThanMs`; returns how many. */
  cleanupEvents(input: { olderThanMs: number; dryRun?: boolean }): Promise<number>;
}

export type { TaskStatus };
export type {
  EventPageFilter,
  ExecutionPageFilter,
  ExecutionStatsQuery,
  ExecutionStatsRecord,
  ExecutionSummaryRecord,
  TaskWithInput,
};
export type { ExecutionKey } from './ops/execution-pages.js';
