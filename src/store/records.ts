/**
 * The records the store's execution operations take and return. A leaf of `store/`: the
 * operations and the store factories import these, and the contract in `store.ts` re-exports
 * them, so no import runs in a circle.
 */
import type { JsonObject } from '../core/json.js';
import type { TriggerRule } from '../core/rules.js';
import type { ExecutionRecord, TaskRecord, WorkflowStatus } from './rows.js';

/** One task row to create when scheduling. */
export interface NewTask {
  readonly taskId: string;
  /** Topological position, ties in declared order: orders the final-context merge. */
  readonly position: number;
  /** Dependencies in declared order: the order in which their outputs merge into the input. */
  readonly dependencies: readonly string[];
  readonly dependents: readonly string[];
  readonly triggerRule: TriggerRule;
  /**
   * The task's concurrency limit, when it has one: such a task is never claimed by its
   * scheduling transaction (`claimRoots`), only by a claim that counts its places.
   */
  readonly concurrencyLimit?: number;
}

/**
 * A task with a concurrency limit, as a claimer knows it from its code: at most `limit`
 * attempts of task `taskId` of workflow `workflowName` are Running or Deferred at once.
 */
export interface TaskLimit {
  readonly workflowName: string;
  readonly taskId: string;
  readonly limit: number;
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
  /**
   * The concurrency group and limit of a workflow with `concurrency` (see `ops/admission.ts`).
   * Scheduling writes the execution `Queued` when the group has no free place, when older ones
   * wait in it, or when it starts later (`runAtMs`); else as usual.
   */
  readonly concurrency?: { readonly key: string; readonly limit: number };
  /**
   * The rate group, limit and period of a workflow with `rateLimit` (see `ops/admission.ts`).
   * Scheduling writes the execution `Queued` when its group started `limit` executions in the
   * last `periodMs`, or when older ones wait in it, or when it starts later (`runAtMs`).
   */
  readonly rateLimit?: { readonly key: string; readonly limit: number; readonly periodMs: number };
  /**
   * Higher first (see `core/priority.ts`), default 0: copied onto each task row, so claims take
   * its Ready tasks before those of lower priorities, and a concurrency group admits it before
   * lower priorities waiting there.
   */
  readonly priority?: number;
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

/** An execution that has ended, with its tasks in topological order: what a waiter returns. */
export interface EndedExecution {
  readonly record: ExecutionRecord;
  readonly tasks: readonly TaskRecord[];
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
  /** When this attempt was claimed (its `attempt_started_at_ms`), in the clock of the claim. */
  readonly claimedAtMs: number;
}

/**
 * Claims Ready tasks (oldest first, as a claim pass would) in the transaction of a task's
 * final write, into the slot that task frees and any other slots reserved for it: one
 * transaction instead of two, and a dependent starts without a wake-up round.
 */
export interface ClaimNext {
  readonly limit: number;
  readonly workflowNames: readonly string[];
  /** The limited tasks among those workflows (see {@link ClaimInput.taskLimits}). */
  readonly taskLimits?: readonly TaskLimit[];
}

/** Input of {@link Store.claimReadyTasks}. */
export interface ClaimInput {
  readonly runnerId: string;
  readonly limit: number;
  readonly nowMs: number;
  readonly workflowNames: readonly string[];
  /**
   * The tasks of those workflows that have a concurrency limit. A claim takes a Ready attempt
   * of one only into a free place (see `ops/task-limits.ts`); without any, the claim is the
   * plain one.
   */
  readonly taskLimits?: readonly TaskLimit[];
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
  /**
   * Whether Ready tasks were left because their task limit had no free place: a runner waits
   * for a place to free (a limited attempt ends) rather than claim again at once.
   */
  readonly limited?: boolean;
}

/** Result of a final task write that may claim the next tasks. */
export interface FinishOutcome {
  /** False when the claim was lost and nothing was written. */
  readonly held: boolean;
  readonly claimed: readonly ClaimedTask[];
  /** See {@link ClaimBatch.moreReady}; false when nothing was claimed for. */
  readonly moreReady: boolean;
  /** See {@link ClaimBatch.limited}. */
  readonly limited?: boolean;
  /** The executions of {@link ReadEnded.readEnded} that this write ended, as it committed. */
  readonly ended?: readonly EndedExecution[];
}

/** Asks a final task write to read back the executions it ends, as it commits. */
export interface ReadEnded {
  /**
   * Executions someone in this process waits for: those among them that this write ends come
   * back in the outcome's `ended`, read with the commit (no round trip of their own), so their
   * waiters need no read after it. An execution ended by another transaction is not read.
   */
  readonly readEnded?: readonly string[];
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
  /**
   * Set when, as the runner's registry says, the task is the only one of its execution's
   * workflow and this is its first attempt: its completion ends the execution, with its output
   * as the final context. A hint only: PostgreSQL then writes that outcome without reading
   * first, behind a guard that checks it (see `ops/sole-ends.ts`).
   */
  readonly soleTask?: SoleTask;
}

/** What a completion of the only task of an execution knows beforehand (see {@link Completion}). */
export interface SoleTask {
  readonly workflowName: string;
  readonly taskId: string;
  /** The claim's time: when the attempt, and with it the execution, started. */
  readonly claimedAtMs: number;
}

/** Result of {@link Store.completeTasks}. */
export interface CompletionsOutcome {
  /** Per completion, in input order: false when its claim was lost (nothing written). */
  readonly held: readonly boolean[];
  readonly claimed: readonly ClaimedTask[];
  /** See {@link ClaimBatch.moreReady}; false when nothing was claimed for. */
  readonly moreReady: boolean;
  /** See {@link ClaimBatch.limited}. */
  readonly limited?: boolean;
  /** See {@link FinishOutcome.ended}. */
  readonly ended?: readonly EndedExecution[];
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
  /** Rows strictly after this key in list order (keyset paging; `offset` is then 0). */
  readonly after?: { readonly createdAtMs: number; readonly id: string } | null;
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

/** What to do with scheduled times that passed while no runner fired them. */
export type CatchupPolicy = 'skip' | 'run_all';

/** A cron schedule as stored. Times are epoch milliseconds. */
export interface CronScheduleRecord {
  readonly id: string;
  readonly workflowName: string;
  readonly expression: string;
  readonly timezone: string;
  readonly catchupPolicy: CatchupPolicy;
  readonly enabled: boolean;
  readonly context: JsonObject;
  readonly startAtMs: number | null;
  readonly endAtMs: number | null;
  /** `null` once the schedule will never fire again (past its end date). */
  readonly nextRunAtMs: number | null;
  readonly lastRunAtMs: number | null;
  /** Bumped by every write; the claim compares it so a stale read never fires. */
  readonly version: number;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

/**
 * Status of one cron run. `missed` rows count the scheduled times a catch-up skipped; `lost`
 * marks a run whose hand-off recovery gave up on.
 */
export type CronRunStatus = 'open' | 'completed' | 'failed' | 'cancelled' | 'missed' | 'lost';

/** One row of a schedule's history. */
export interface CronRunRecord {
  readonly id: string;
  readonly scheduleId: string;
  readonly workflowName: string | null;
  readonly workflowExecutionId: string | null;
  readonly scheduledTimeMs: number;
  readonly status: CronRunStatus;
  /** For `missed` rows: how many scheduled times were skipped. */
  readonly missedCount: number | null;
  readonly message: string | null;
  readonly startedAtMs: number;
  readonly completedAtMs: number | null;
  readonly recoveryAttempts: number;
}

/** Input of {@link CronStore.insertCronSchedule}. */
export interface NewCronSchedule {
  readonly id: string;
  readonly workflowName: string;
  readonly expression: string;
  readonly timezone: string;
  readonly catchupPolicy: CatchupPolicy;
  readonly context: JsonObject;
  readonly startAtMs: number | null;
  readonly endAtMs: number | null;
  readonly nextRunAtMs: number | null;
  readonly nowMs: number;
}

/** Fields an update may change; `nextRunAtMs` is always recomputed by the caller. */
export interface CronSchedulePatch {
  readonly expression?: string;
  readonly timezone?: string;
  readonly enabled?: boolean;
  readonly nextRunAtMs: number | null;
}

/** One scheduled time to fire, with the execution it hands off to. */
export interface CronFire {
  readonly scheduledTimeMs: number;
  readonly execution: NewExecution;
}

/** Scheduled times a catch-up skipped, recorded as one `missed` history row. */
export interface CronMissed {
  readonly count: number;
  /** The oldest skipped time: the row's `scheduled_time_ms`. */
  readonly firstMs: number;
  readonly message: string;
}

/** Input of {@link CronStore.claimCronFire}: everything computed from the row as it was read. */
export interface CronFireClaim {
  readonly scheduleId: string;
  readonly seenVersion: number;
  readonly seenNextRunAtMs: number;
  readonly nextRunAtMs: number | null;
  readonly workflowName: string;
  readonly fires: readonly CronFire[];
  readonly missed: CronMissed | null;
  readonly nowMs: number;
  /** The claiming runner, named in the feed events. */
  readonly runnerId?: string;
}

/** What a claim did; `claimed: false` means another runner (or an update) got there first. */
export interface CronClaimOutcome {
  readonly claimed: boolean;
  /** Fires handed off; a time already present in history (the unique key) is left out. */
  readonly fired: readonly { scheduledTimeMs: number; executionId: string }[];
  /** Root tasks of the fired executions claimed for the runner (their `claimRoots`). */
  readonly roots: readonly ClaimedTask[];
}

/** Counts of {@link CronStore.cronStats}. */
export interface CronRunCounts {
  readonly total: number;
  readonly successful: number;
  readonly failed: number;
  readonly lost: number;
  readonly missed: number;
}

/** An open cron run without an execution, with the schedule it belongs to (if it still exists). */
export interface CronLeftover {
  readonly run: CronRunRecord;
  readonly schedule: CronScheduleRecord | null;
}

/** Input of {@link CronStore.recoverCronRun}: a re-hand-off (`execution`) or giving up (`lostReason`). */
export interface CronRecovery {
  readonly runId: string;
  readonly seenRecoveryAttempts: number;
  readonly execution: NewExecution | null;
  readonly lostReason: string;
  readonly nowMs: number;
}
