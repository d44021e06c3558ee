/** Creating executions and the operator controls: cancel, pause, resume. */
import { randomUUID } from 'node:crypto';
import type { JsonObject } from '../../core/json.js';
import { mergeAll } from '../../core/merge.js';
import { startOf, type ExecutionStart } from '../../core/start.js';
import { DatabaseError, InvalidStateError, NotFoundError } from '../../errors.js';
import type { SqlValue, Tx } from '../db.js';
import {
  EventType,
  rateLimitOf,
  toExecutionRecord,
  type ExecutionRecord,
  type ExecutionRow,
} from '../rows.js';
import type { ClaimedTask, NewExecution, NewTask, ScheduledExecution } from '../records.js';
import { freeText } from '../text.js';
import { markGroup, markRate, placeInGroups, type QueuedFor } from './admission.js';
import { appendEvent } from './events.js';
import { finalContextOf } from './progress.js';
import { closeScheduleRuns, closeScheduleRunsLater } from './schedule-links.js';

/** Rows inserted per multi-row INSERT, well under both dialects' parameter limits. */
const INSERT_CHUNK = 50;

const EXECUTION_COLUMNS = `INSERT INTO workflow_executions
  (id, workflow_name, workflow_version, status, initial_context, final_context, open_tasks,
   failed_tasks, created_at_ms, started_at_ms, completed_at_ms, updated_at_ms, schedule_linked,
   rerun_of, run_at_ms, concurrency_key, concurrency_limit, rate_key, rate_limit, rate_period_ms,
   rate_started_at_ms, priority)`;

/** Values per row of {@link EXECUTION_COLUMNS}. */
const EXECUTION_WIDTH = 22;

const TASK_COLUMNS = `INSERT INTO task_executions
  (id, execution_id, workflow_name, task_id, position, dependencies, dependents, trigger_rule,
   status, pending_deps, ready_at_ms, claimed_by, claim_id, heartbeat_at_ms, started_at_ms,
   attempt_started_at_ms, skip_reason, completed_at_ms, priority)`;

/**
 * The task columns of a rerun from failure, which also has contexts at scheduling: the outputs
 * of the tasks it carries over, and the inputs of the Ready tasks that depend on them. A
 * statement of its own, so that the rows of every other execution stay as narrow as they were.
 */
const RERUN_TASK_COLUMNS = `INSERT INTO task_executions
  (id, execution_id, workflow_name, task_id, position, dependencies, dependents, trigger_rule,
   status, pending_deps, ready_at_ms, claimed_by, claim_id, heartbeat_at_ms, started_at_ms,
   attempt_started_at_ms, skip_reason, completed_at_ms, priority, input_context, output_context)`;

const NOTHING_CARRIED: ReadonlyMap<string, JsonObject> = new Map();

/**
 * Writes `rows` (each `width` values) with `head` as multi-row INSERTs of at most
 * {@link INSERT_CHUNK} rows. One statement for many rows: on PostgreSQL, whose pending writes
 * travel as literal SQL, each statement is parsed and planned once, not once per execution.
 */
function insertRows(tx: Tx, head: string, width: number, rows: readonly SqlValue[][]): void {
  const row = `(${new Array<string>(width).fill('?').join(', ')})`;
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    const chunk = rows.slice(start, start + INSERT_CHUNK);
    tx.write(`${head} VALUES ${chunk.map(() => row).join(', ')}`, chunk.flat());
  }
}

/** The final context of an execution whose only finished tasks are the carried ones. */
function carriedFinalContext(
  tasks: readonly NewTask[],
  carried: ReadonlyMap<string, JsonObject>,
): JsonObject {
  const outputs = [...tasks]
    .sort((a, b) => a.position - b.position)
    .flatMap((task) => {
      const output = carried.get(task.taskId);
      return output === undefined ? [] : [output];
    });
  return mergeAll(outputs);
}

/** Schedules one execution (see {@link scheduleExecutions}). */
export async function scheduleExecution(tx: Tx, input: NewExecution): Promise<ScheduledExecution> {
  return (await scheduleExecutions(tx, [input]))[0]!;
}

/** An execution row as scheduling writes it, with the start decided for it. */
interface PlannedExecution {
  readonly row: ExecutionRow;
  readonly start: ExecutionStart;
  readonly carried: ReadonlyMap<string, JsonObject>;
  /** The Ready tasks claimed for the scheduling runner. */
  readonly claimedIds: ReadonlySet<string>;
  readonly started: boolean;
  readonly ended: boolean;
  /** Written Queued: its Ready roots wait as NotStarted until it is admitted. */
  readonly queued: boolean;
  /** What it waits for, when queued. */
  readonly queuedFor: QueuedFor | undefined;
}

/** The start time of `input` when it is later than its scheduling, else null. */
export function delayedStartOf(input: NewExecution): number | null {
  return input.runAtMs !== undefined && input.runAtMs > input.nowMs ? input.runAtMs : null;
}

/** Ids of the tasks with a concurrency limit in a plan, computed once per plan. */
const limitedOfPlan = new WeakMap<readonly NewTask[], ReadonlySet<string>>();

function limitedTasks(tasks: readonly NewTask[]): ReadonlySet<string> {
  let limited = limitedOfPlan.get(tasks);
  if (limited === undefined) {
    limited = new Set(
      tasks.filter((task) => task.concurrencyLimit !== undefined).map((task) => task.taskId),
    );
    limitedOfPlan.set(tasks, limited);
  }
  return limited;
}

function planExecution(input: NewExecution, queuedFor: QueuedFor | undefined): PlannedExecution {
  const queued = queuedFor !== undefined;
  const carried = input.rerun?.carried ?? NOTHING_CARRIED;
  const start = startOf(input.tasks, input.initialContext, carried);
  const runAtMs = delayedStartOf(input);
  const claimRoots = runAtMs === null && !queued ? Math.max(0, input.claimRoots ?? 0) : 0;
  // A root with a task limit waits for a claim that counts its places (see task-limits.ts).
  const limited = limitedTasks(input.tasks);
  const claimable = limited.size === 0 ? start.ready : start.ready.filter((id) => !limited.has(id));
  const claimedIds = new Set(claimable.slice(0, claimRoots));
  // Every task skipped by its rule or carried over: the execution ends as it is written.
  const ended = start.skipped.size + carried.size === input.tasks.length;
  const started = claimedIds.size > 0 || ended;
  const initialContext = JSON.stringify(input.initialContext);
  const row: ExecutionRow = {
    id: input.id,
    workflow_name: input.workflowName,
    workflow_version: input.workflowVersion,
    status: ended
      ? 'Completed'
      : started
        ? 'Running'
        : queued
          ? 'Queued'
          : runAtMs !== null
            ? 'Scheduled'
            : 'Pending',
    initial_context: initialContext,
    final_context: !ended
      ? null
      : carried.size > 0
        ? JSON.stringify(carriedFinalContext(input.tasks, carried))
        : initialContext,
    error_message: null,
    pause_reason: null,
    open_tasks: input.tasks.length - start.skipped.size - carried.size,
    failed_tasks: 0,
    created_at_ms: input.nowMs,
    started_at_ms: started ? input.nowMs : null,
    completed_at_ms: ended ? input.nowMs : null,
    updated_at_ms: input.nowMs,
    schedule_linked: input.scheduleLinked === true ? 1 : 0,
    rerun_of: input.rerun?.executionId ?? null,
    rerun_by: null,
    idempotency_key: input.idempotencyKey ?? null,
    run_at_ms: runAtMs,
    concurrency_key: input.concurrency?.key ?? null,
    concurrency_limit: input.concurrency?.limit ?? null,
    rate_key: input.rateLimit?.key ?? null,
    rate_limit: input.rateLimit?.limit ?? null,
    rate_period_ms: input.rateLimit?.periodMs ?? null,
    // It takes its place in the rate window as it is written able to start.
    rate_started_at_ms: input.rateLimit !== undefined && !(queued && !ended) ? input.nowMs : null,
    priority: input.priority ?? 0,
  };
  return {
    row,
    start,
    carried,
    claimedIds,
    started,
    ended,
    queued: queued && !ended,
    queuedFor,
  };
}

/** The values of {@link EXECUTION_COLUMNS}, in order. */
function executionValues(row: ExecutionRow): SqlValue[] {
  return [
    row.id,
    row.workflow_name,
    row.workflow_version,
    row.status,
    row.initial_context,
    row.final_context,
    row.open_tasks,
    row.failed_tasks,
    row.created_at_ms,
    row.started_at_ms,
    row.completed_at_ms,
    row.updated_at_ms,
    row.schedule_linked ?? 0,
    row.rerun_of,
    row.run_at_ms ?? null,
    row.concurrency_key ?? null,
    row.concurrency_limit ?? null,
    row.rate_key ?? null,
    row.rate_limit ?? null,
    row.rate_period_ms ?? null,
    row.rate_started_at_ms ?? null,
    row.priority ?? 0,
  ];
}

const KEYED_EXECUTION_COLUMNS = `INSERT INTO workflow_executions
  (id, workflow_name, workflow_version, status, initial_context, final_context, open_tasks,
   failed_tasks, created_at_ms, started_at_ms, completed_at_ms, updated_at_ms, schedule_linked,
   rerun_of, run_at_ms, concurrency_key, concurrency_limit, rate_key, rate_limit, rate_period_ms,
   rate_started_at_ms, priority, idempotency_key)`;

/** Rounds of insert-or-read before giving up on a key whose execution keeps vanishing. */
const KEY_ROUNDS = 3;

/**
 * Schedules `inputs` in the caller's transaction (see {@link insertExecutions}), one execution
 * per workflow and idempotency key. Without keys this is `insertExecutions` itself, written
 * without a read, so the transaction still travels in one round trip on PostgreSQL.
 *
 * With keys, the execution rows of the keyed inputs go first, as `INSERT … ON CONFLICT DO
 * NOTHING RETURNING id`: the unique index, not a read before the write, decides, so two
 * processes racing with one key cannot both create (PostgreSQL makes the second insert wait
 * for the first transaction, then skip its row; SQLite has one writer at a time). A row not
 * written is a key already used: its execution is read back and returned with `created` false,
 * and nothing else of that input is written (no task, no event), so the batch's other starts
 * go on untouched; a conflict never raises, which on PostgreSQL would abort the whole
 * transaction. Inputs sharing a key within the batch share the first one's outcome. The rows
 * are inserted in key order, so two transactions wait for each other's keys in one direction
 * only (no deadlock).
 */
export async function scheduleExecutions(
  tx: Tx,
  inputs: readonly NewExecution[],
): Promise<ScheduledExecution[]> {
  const queued = await placeInGroups(tx, inputs);
  if (inputs.every((input) => input.idempotencyKey === undefined)) {
    return insertExecutions(tx, inputs, new Map(), queued);
  }
  // The first input of each (workflow, key), by identity key; later ones repeat its outcome.
  const firstOf = new Map<string, NewExecution>();
  const keyOf = (input: NewExecution): string =>
    JSON.stringify([input.workflowName, input.idempotencyKey]);
  for (const input of inputs) {
    if (input.idempotencyKey !== undefined && !firstOf.has(keyOf(input))) {
      firstOf.set(keyOf(input), input);
    }
  }
  const byKey = (a: NewExecution, b: NewExecution): number => {
    const [x, y] = [keyOf(a), keyOf(b)];
    return x < y ? -1 : x > y ? 1 : 0;
  };
  let open = [...firstOf.values()].sort(byKey);
  const written = new Map<string, PlannedExecution>();
  const found = new Map<string, ExecutionRecord>();
  for (let round = 0; open.length > 0; round++) {
    if (round === KEY_ROUNDS) {
      throw new DatabaseError(
        `Scheduling with idempotency key '${open[0]!.idempotencyKey}': the execution holding ` +
          `the key was removed ${KEY_ROUNDS} times while being read; try again.`,
        { retryable: true },
      );
    }
    const plans = open.map((input) => planExecution(input, queued.get(input.id)));
    const inserted = new Set<string>();
    for (let start = 0; start < plans.length; start += INSERT_CHUNK) {
      const chunk = plans.slice(start, start + INSERT_CHUNK);
      const rows = await tx.all<{ id: string }>(
        `${KEYED_EXECUTION_COLUMNS} VALUES ${chunk.map(() => `(${new Array<string>(EXECUTION_WIDTH + 1).fill('?').join(', ')})`).join(', ')}
         ON CONFLICT DO NOTHING RETURNING id`,
        chunk.flatMap(({ row }) => [...executionValues(row), row.idempotency_key ?? null]),
      );
      for (const { id } of rows) inserted.add(id);
    }
    const lost: NewExecution[] = [];
    for (const [i, input] of open.entries()) {
      if (inserted.has(input.id)) {
        written.set(input.id, plans[i]!);
        continue;
      }
      // Read committed (PostgreSQL): this statement sees the row whose commit the insert waited for.
      const row = await tx.get<ExecutionRow>(
        'SELECT * FROM workflow_executions WHERE workflow_name = ? AND idempotency_key = ?',
        [input.workflowName, input.idempotencyKey ?? null],
      );
      if (row === undefined) lost.push(input);
      else found.set(keyOf(input), toExecutionRecord(row));
    }
    open = lost;
  }
  const toWrite = inputs.filter(
    (input) => input.idempotencyKey === undefined || written.has(input.id),
  );
  const scheduled = new Map(
    insertExecutions(tx, toWrite, written, queued).map((s, i) => [toWrite[i]!.id, s]),
  );
  return inputs.map((input) => {
    const own = scheduled.get(input.id);
    if (own !== undefined) return own;
    const first = firstOf.get(keyOf(input))!;
    const record = scheduled.get(first.id)?.record ?? found.get(keyOf(input))!;
    return { record, claimed: [], created: false };
  });
}

/**
 * Writes the execution rows, their initial contexts and one row per task in the caller's
 * transaction, all executions together. Roots are evaluated here against the initial context
 * (see `core/start.ts`): those whose rule holds are marked Ready, so no separate scan is needed
 * to start them; the others are Skipped, with their dependents settled, and an execution left
 * with no open task ends here. With `claimRoots`, the first Ready tasks are claimed for the
 * scheduling runner right away (Running, with their start events), which saves a claim
 * transaction and its latency. Written with `tx.write` (nothing is read back): on PostgreSQL the
 * whole scheduling transaction then travels in one round trip.
 *
 * A rerun (`input.rerun`) also writes its carried tasks Completed with their outputs (they are
 * not open tasks, and their dependents wait only for the tasks that run), a `workflow_rerun`
 * event first in its history and a `task_completed` event per carried task (data
 * `{ copiedFrom }`), and sets the original's `rerun_by`.
 */
export function insertExecutions(
  tx: Tx,
  inputs: readonly NewExecution[],
  written: ReadonlyMap<string, PlannedExecution> = new Map(),
  queuedIds: ReadonlyMap<string, QueuedFor> = new Map(),
): ScheduledExecution[] {
  const executionRows: SqlValue[][] = [];
  const taskRows: SqlValue[][] = [];
  const rerunTaskRows: SqlValue[][] = [];
  const reruns: { original: string; rerun: string }[] = [];
  const scheduled = inputs.map((input) => {
    const claimId = randomUUID();
    // A keyed execution row was inserted already, by `scheduleExecutions`, from this plan.
    const planned = written.get(input.id);
    const { row, start, carried, claimedIds, started, ended, queued, queuedFor } =
      planned ?? planExecution(input, queuedIds.get(input.id));
    const ready = new Set(start.ready);
    // A delayed execution's Ready tasks become claimable at its start time, not now.
    const runAtMs = delayedStartOf(input);
    const readyAtMs = runAtMs ?? input.nowMs;
    if (planned === undefined) executionRows.push(executionValues(row));
    for (const task of input.tasks) {
      const output = carried.get(task.taskId);
      // A Queued execution's roots become Ready when it is admitted (`admission.ts`).
      const isReady = ready.has(task.taskId);
      const readyNow = isReady && !queued;
      const skipReason = freeText(start.skipped.get(task.taskId) ?? null);
      const claimed = claimedIds.has(task.taskId);
      const values: SqlValue[] = [
        `${input.id}:${task.taskId}`,
        input.id,
        input.workflowName,
        task.taskId,
        task.position,
        JSON.stringify(task.dependencies),
        JSON.stringify(task.dependents),
        JSON.stringify(task.triggerRule),
        output !== undefined
          ? 'Completed'
          : claimed
            ? 'Running'
            : readyNow
              ? 'Ready'
              : skipReason !== null
                ? 'Skipped'
                : 'NotStarted',
        start.pendingOf(task),
        readyNow ? readyAtMs : null,
        claimed ? input.runnerId : null,
        claimed ? claimId : null,
        claimed ? input.nowMs : null,
        claimed ? input.nowMs : null,
        claimed ? input.nowMs : null,
        skipReason,
        skipReason !== null || output !== undefined ? input.nowMs : null,
        // Denormalized from the execution: the claim reads it from the index it walks.
        row.priority ?? 0,
      ];
      if (input.rerun === undefined) {
        taskRows.push(values);
      } else {
        const taskInput = isReady ? start.inputOf(task.taskId) : null;
        values.push(
          taskInput === null ? null : JSON.stringify(taskInput),
          output === undefined ? null : JSON.stringify(output),
        );
        rerunTaskRows.push(values);
      }
    }
    const base = { executionId: input.id, runnerId: input.runnerId, nowMs: input.nowMs };
    const claimed: ClaimedTask[] = [];
    if (input.rerun !== undefined) {
      const original = input.rerun.executionId;
      reruns.push({ original, rerun: input.id });
      appendEvent(tx, {
        ...base,
        type: EventType.WorkflowRerun,
        data: { rerunOf: original, from: input.rerun.from },
      });
      for (const task of input.tasks) {
        if (!carried.has(task.taskId)) continue;
        appendEvent(tx, {
          ...base,
          taskId: task.taskId,
          type: EventType.TaskCompleted,
          data: { copiedFrom: original },
        });
      }
    }
    if (runAtMs !== null) {
      appendEvent(tx, {
        ...base,
        type: EventType.WorkflowScheduled,
        data: { runAt: new Date(runAtMs).toISOString() },
      });
    }
    for (const [taskId, reason] of start.skipped) {
      appendEvent(tx, {
        ...base,
        taskId,
        type: EventType.TaskSkipped,
        data: { reason: freeText(reason) },
      });
    }
    if (queued) {
      appendEvent(tx, {
        ...base,
        type: EventType.WorkflowQueued,
        data: {
          ...(input.concurrency ?? {}),
          ...(input.rateLimit !== undefined ? { rateLimit: { ...input.rateLimit } } : {}),
          waitsFor: queuedFor ?? 'concurrency',
        },
      });
    }
    for (const taskId of queued ? [] : start.ready) {
      appendEvent(tx, {
        ...base,
        taskId,
        type: EventType.TaskReady,
        ...(runAtMs !== null ? { data: { readyAt: new Date(runAtMs).toISOString() } } : {}),
      });
    }
    if (started) appendEvent(tx, { ...base, type: EventType.WorkflowStarted });
    if (ended) {
      appendEvent(tx, { ...base, type: EventType.WorkflowCompleted, data: { durationMs: 0 } });
      if (input.scheduleLinked === true)
        closeScheduleRunsLater(tx, input.id, 'Completed', input.nowMs);
      tx.signal('executions');
    }
    for (const task of input.tasks) {
      if (!claimedIds.has(task.taskId)) continue;
      appendEvent(tx, {
        ...base,
        taskId: task.taskId,
        type: EventType.TaskStarted,
        data: { attempt: 1 },
      });
      claimed.push({
        taskExecutionId: `${input.id}:${task.taskId}`,
        claimId,
        executionId: input.id,
        workflowName: input.workflowName,
        workflowVersion: input.workflowVersion,
        taskId: task.taskId,
        attempt: 1,
        input: start.inputOf(task.taskId) ?? input.initialContext,
        hasDependents: task.dependents.length > 0,
        claimedAtMs: input.nowMs,
      });
    }
    // Tasks left Ready wake the claimers (in this process and, on Postgres, the others); those
    // of a delayed execution are found by the claim poll once their time has come.
    if (runAtMs === null && !queued && claimed.length < start.ready.length) tx.signal('tasks');
    return { record: toExecutionRecord(row), claimed, created: true };
  });
  insertRows(tx, EXECUTION_COLUMNS, EXECUTION_WIDTH, executionRows);
  insertRows(tx, TASK_COLUMNS, 19, taskRows);
  insertRows(tx, RERUN_TASK_COLUMNS, 21, rerunTaskRows);
  // In id order, the order every writer locks execution rows in (see `RowLocks`). Ids are
  // UUIDv7, ordered by the time they were made, so `rerun_by` only moves to a later rerun: when
  // two reruns of one execution commit in either order (two processes on PostgreSQL), it names
  // the one made last, whichever committed last.
  reruns.sort((a, b) => (a.original < b.original ? -1 : a.original > b.original ? 1 : 0));
  for (const { original, rerun } of reruns) {
    tx.write(
      'UPDATE workflow_executions SET rerun_by = ? WHERE id = ? AND (rerun_by IS NULL OR rerun_by < ?)',
      [rerun, original, rerun],
    );
  }
  return scheduled;
}

async function loadForUpdate(tx: Tx, executionId: string): Promise<ExecutionRow> {
  const row = await tx.get<ExecutionRow>(
    `SELECT * FROM workflow_executions WHERE id = ?${tx.syntax.forUpdate}`,
    [executionId],
  );
  if (row === undefined) {
    throw new NotFoundError(
      `No workflow execution with id '${executionId}'. Check the id (listExecutions() shows recent ones).`,
    );
  }
  return row;
}

const TERMINAL = new Set(['Completed', 'Failed', 'Cancelled']);

/**
 * Hard cancel: every unfinished task becomes Cancelled (so a running task's late write is refused
 * by the claim guard), and the execution becomes Cancelled for good.
 */
export async function cancelExecution(
  tx: Tx,
  input: { executionId: string; nowMs: number; runnerId: string },
): Promise<ExecutionRecord> {
  const current = await loadForUpdate(tx, input.executionId);
  if (TERMINAL.has(current.status)) {
    throw new InvalidStateError(
      `Execution '${input.executionId}' is already ${current.status}; only an unfinished execution can be cancelled.`,
      current.status,
    );
  }
  await tx.run(
    `UPDATE task_executions
     SET status = 'Cancelled', completed_at_ms = ?, claimed_by = NULL, claim_id = NULL, heartbeat_at_ms = NULL
     WHERE execution_id = ? AND status IN ('NotStarted', 'Ready', 'Running', 'Deferred')`,
    [input.nowMs, input.executionId],
  );
  const { context } = await finalContextOf(tx, input.executionId);
  const row = await tx.get<ExecutionRow>(
    `UPDATE workflow_executions
     SET status = 'Cancelled', final_context = ?, error_message = ?, completed_at_ms = ?, updated_at_ms = ?
     WHERE id = ? RETURNING *`,
    [JSON.stringify(context), 'Execution cancelled', input.nowMs, input.nowMs, input.executionId],
  );
  appendEvent(tx, {
    executionId: input.executionId,
    type: EventType.WorkflowCancelled,
    runnerId: input.runnerId,
    nowMs: input.nowMs,
  });
  if ((current.schedule_linked ?? 0) === 1) {
    await closeScheduleRuns(tx, input.executionId, 'Cancelled', input.nowMs);
  }
  freePlace(tx, current, input);
  tx.signal('executions');
  return toExecutionRecord(row!);
}

/**
 * Marks the concurrency group of an execution that stops holding (or waiting for) a place, so
 * the group admits before this transaction commits.
 */
function freePlace(tx: Tx, row: ExecutionRow, input: { nowMs: number; runnerId: string }): void {
  if (row.concurrency_key === null || row.concurrency_key === undefined) return;
  markGroup(
    tx,
    {
      workflowName: row.workflow_name,
      key: row.concurrency_key,
      limit: row.concurrency_limit ?? 1,
      rated: row.rate_key !== null && row.rate_key !== undefined,
    },
    input.nowMs,
    input.runnerId,
  );
}

/** Scheduled/Queued/Pending/Running → Paused: running tasks finish, no new task starts. */
export async function pauseExecution(
  tx: Tx,
  input: { executionId: string; reason: string | null; nowMs: number; runnerId: string },
): Promise<ExecutionRecord> {
  const current = await loadForUpdate(tx, input.executionId);
  if (!['Scheduled', 'Queued', 'Pending', 'Running'].includes(current.status)) {
    throw new InvalidStateError(
      `Execution '${input.executionId}' is ${current.status}; only a Scheduled, Queued, Pending or Running execution can be paused.`,
      current.status,
    );
  }
  const reason = freeText(input.reason);
  const row = await tx.get<ExecutionRow>(
    `UPDATE workflow_executions SET status = 'Paused', pause_reason = ?, updated_at_ms = ?
     WHERE id = ? RETURNING *`,
    [reason, input.nowMs, input.executionId],
  );
  appendEvent(tx, {
    executionId: input.executionId,
    type: EventType.WorkflowPaused,
    data: reason === null ? null : { reason },
    runnerId: input.runnerId,
    nowMs: input.nowMs,
  });
  freePlace(tx, current, input);
  return toExecutionRecord(row!);
}

/**
 * Paused → Running; one whose tasks never started goes back to Scheduled while its start time
 * is still ahead, else to Pending. One with a concurrency limit goes back to Queued and is
 * admitted, in its turn, before this transaction commits if its group has a free place.
 */
export async function resumeExecution(
  tx: Tx,
  input: { executionId: string; nowMs: number; runnerId: string },
): Promise<ExecutionRecord> {
  const current = await loadForUpdate(tx, input.executionId);
  if (current.status !== 'Paused') {
    throw new InvalidStateError(
      `Execution '${input.executionId}' is ${current.status}; only a Paused execution can be resumed.`,
      current.status,
    );
  }
  const row = await tx.get<ExecutionRow>(
    `UPDATE workflow_executions
     SET status = CASE WHEN concurrency_key IS NOT NULL THEN 'Queued'
                       WHEN rate_key IS NOT NULL AND rate_started_at_ms IS NULL THEN 'Queued'
                       WHEN started_at_ms IS NOT NULL THEN 'Running'
                       WHEN run_at_ms > ? THEN 'Scheduled' ELSE 'Pending' END,
         pause_reason = NULL, updated_at_ms = ?
     WHERE id = ? RETURNING *`,
    [input.nowMs, input.nowMs, input.executionId],
  );
  freePlace(tx, current, input);
  const rate = rateLimitOf(current);
  if (rate !== null && (current.rate_started_at_ms ?? null) === null) {
    markRate(tx, { workflowName: current.workflow_name, ...rate }, input.nowMs, input.runnerId);
  }
  appendEvent(tx, {
    executionId: input.executionId,
    type: EventType.WorkflowResumed,
    runnerId: input.runnerId,
    nowMs: input.nowMs,
  });
  tx.signal('tasks');
  return toExecutionRecord(row!);
}
