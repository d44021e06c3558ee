/**
 * Incremental readiness: the transaction that makes a task terminal also evaluates that task's
 * dependents only, readies or skips each whose dependencies are all terminal, and, when it was the last open task, records the workflow outcome. Work per
 * completion is O(dependents), never O(active executions).
 */
import type { JsonObject } from '../../core/json.js';
import { mergeAll } from '../../core/merge.js';
import { evaluateRule, skipReason, type TriggerRule } from '../../core/rules.js';
import type { SqlValue, Tx } from '../db.js';
import { ACTIVE_STATUS_SQL, ACTIVE_WORKFLOW_STATUSES, EventType } from '../rows.js';
import { freeText } from '../text.js';
import { markGroup } from './admission.js';
import { appendEvent, placeholders } from './events.js';
import { recheck } from './filters.js';
import { closeScheduleRuns } from './schedule-links.js';

/** The executions each transaction ended by recording their outcome (see {@link endedIn}). */
const ended = new WeakMap<Tx, Set<string>>();

/**
 * The executions whose outcome `tx` recorded so far ({@link finishClosed}): those a caller of
 * this process may have ended, to read back as the transaction commits.
 */
export function endedIn(tx: Tx): ReadonlySet<string> {
  return ended.get(tx) ?? new Set();
}

/** A task that has just become terminal inside the current transaction. */
export interface Settled {
  readonly taskId: string;
  readonly failed: boolean;
  readonly dependents: readonly string[];
}

interface DependentRow {
  id: string;
  pending_deps: number;
  status: string;
  /** The JSON columns below are null while dependencies are still open (see `EVALUATED`). */
  dependencies: string | null;
  dependents: string | null;
  trigger_rule: string | null;
}

interface DependencyRow {
  task_id: string;
  status: string;
  output_context: string | null;
}

/** The status and output of a task this transaction just finished, known without a read. */
export interface KnownResult {
  readonly status: string;
  readonly output: JsonObject | null;
}

/**
 * The context a task starts from: the smart merge of its completed dependencies' outputs in
 * declared order. When none completed (all failed or skipped) it starts from the initial context,
 * so an `always` task downstream of a failure still sees the workflow's input. Dependencies that
 * finished in this very transaction (`known`) need no read: a chain step reads nothing.
 */
async function inputContextFor(
  tx: Tx,
  executionId: string,
  dependencies: readonly string[],
  known: ReadonlyMap<string, KnownResult>,
): Promise<{ context: JsonObject | null; statuses: Map<string, string> }> {
  const byId = new Map<string, KnownResult>();
  const unknown = dependencies.filter((id) => !known.has(id));
  for (const ids of chunks(unknown)) {
    const rows = await tx.all<DependencyRow>(
      `SELECT task_id, status, output_context FROM task_executions
       WHERE execution_id = ? AND task_id IN (${placeholders(ids.length)})`,
      [executionId, ...ids],
    );
    for (const row of rows) {
      byId.set(row.task_id, {
        status: row.status,
        output: row.output_context === null ? null : (JSON.parse(row.output_context) as JsonObject),
      });
    }
  }
  const statuses = new Map<string, string>();
  const outputs: JsonObject[] = [];
  for (const id of dependencies) {
    const result = known.get(id) ?? byId.get(id);
    if (result === undefined) continue;
    statuses.set(id, result.status);
    if (result.status === 'Completed' && result.output !== null) outputs.push(result.output);
  }
  return { context: outputs.length > 0 ? mergeAll(outputs) : null, statuses };
}

async function initialContextOf(tx: Tx, executionId: string): Promise<JsonObject> {
  const row = await tx.get<{ initial_context: string }>(
    'SELECT initial_context FROM workflow_executions WHERE id = ?',
    [executionId],
  );
  return row === undefined ? {} : (JSON.parse(row.initial_context) as JsonObject);
}

/** A task that just became Completed or Failed, with the event that records it. */
export interface Finished {
  readonly executionId: string;
  readonly taskId: string;
  /** The task row's `dependents` column (JSON array). */
  readonly dependentsJson: string;
  readonly failed: boolean;
  readonly event: EventType;
  readonly data: JsonObject;
  readonly nowMs: number;
  readonly runnerId: string | null;
}

/** Appends the event of a task that just finished and settles its dependents, in one go. */
export async function recordFinished(tx: Tx, finished: Finished): Promise<void> {
  appendEvent(tx, {
    executionId: finished.executionId,
    taskId: finished.taskId,
    type: finished.event,
    data: finished.data,
    runnerId: finished.runnerId,
    nowMs: finished.nowMs,
  });
  const closed = await propagateAll(
    tx,
    [
      {
        executionId: finished.executionId,
        taskId: finished.taskId,
        failed: finished.failed,
        dependents: JSON.parse(finished.dependentsJson) as string[],
      },
    ],
    finished.nowMs,
    finished.runnerId,
    new Map(),
  );
  await closeTasks(tx, closed, finished.nowMs, finished.runnerId);
}

/** Tasks of one execution that became terminal in the current transaction. */
export interface Closed {
  readonly executionId: string;
  readonly closed: number;
  readonly failed: number;
  /**
   * True when this transaction holds the row lock of a task of the execution that stays open
   * (a dependent still waiting, or just made Ready): the execution cannot finish here.
   */
  readonly keepsOpen?: boolean;
}

/** A task of an execution that has just become terminal. */
export interface SettledTask extends Settled {
  readonly executionId: string;
}

/**
 * What the decrement returns of a dependent to evaluate it, only once its last dependency is
 * terminal. A join of N tasks has a `dependencies` list of N ids; returned with each of its N
 * decrements, it would make the join's readiness cost quadratic in N.
 */
const EVALUATED = ['dependencies', 'dependents', 'trigger_rule']
  .map((column) => `CASE WHEN pending_deps <= 0 THEN ${column} END AS ${column}`)
  .join(', ');

/**
 * Propagates terminal transitions to dependents, level by level and set-based: one statement
 * decrements the pending count of every dependent of the level (a join waiting for twenty
 * tasks is decremented once by twenty); each that reaches zero becomes Ready or Skipped by its
 * rule, and skipped ones form the next level. `known` holds, by execution, the results this
 * transaction already knows (no read needed). Returns the closed counts per execution.
 */
export async function propagateAll(
  tx: Tx,
  settled: readonly SettledTask[],
  nowMs: number,
  runnerId: string | null,
  known: Map<string, Map<string, KnownResult>>,
): Promise<Closed[]> {
  const counts = new Map<string, { closed: number; failed: number; keepsOpen: boolean }>();
  const initials = new Map<string, JsonObject>();
  for (let level = settled; level.length > 0;) {
    const decrements = new Map<string, { executionId: string; taskId: string; n: number }>();
    for (const task of level) {
      const count = counts.get(task.executionId) ?? { closed: 0, failed: 0, keepsOpen: false };
      count.closed += 1;
      if (task.failed) count.failed += 1;
      counts.set(task.executionId, count);
      for (const dependent of task.dependents) {
        const key = `${task.executionId}\u0000${dependent}`;
        const entry = decrements.get(key) ?? {
          executionId: task.executionId,
          taskId: dependent,
          n: 0,
        };
        entry.n += 1;
        decrements.set(key, entry);
      }
    }
    if (decrements.size === 0) break;
    const rows: (DependentRow & { execution_id: string; task_id: string })[] = [];
    for (const chunk of chunks([...decrements.values()])) {
      const values = chunk.flatMap(({ executionId, taskId, n }) => [executionId, taskId, n]);
      rows.push(
        ...(await tx.all<DependentRow & { execution_id: string; task_id: string }>(
          `UPDATE task_executions SET pending_deps = pending_deps - v.column3
           FROM (VALUES ${valueRows(chunk.length, '(?, ?, CAST(? AS INTEGER))')}) AS v
           WHERE execution_id = v.column1 AND task_id = v.column2
           RETURNING id, execution_id, task_id, pending_deps, status, ${EVALUATED}`,
          values,
        )),
      );
    }
    rows.sort((a, b) => compare(a.execution_id, b.execution_id) || compare(a.task_id, b.task_id));
    const next: SettledTask[] = [];
    // Rows already locked by the decrement above; each kind is written set-based.
    const readied: SqlValue[][] = [];
    const skipped: SqlValue[][] = [];
    for (const row of rows) {
      if (row.status !== 'NotStarted') continue;
      const executionId = row.execution_id;
      if (row.pending_deps > 0) {
        counts.get(executionId)!.keepsOpen = true;
        continue;
      }
      const results = known.get(executionId) ?? new Map<string, KnownResult>();
      known.set(executionId, results);
      // Returned by the decrement now that no dependency is left open.
      const dependencies = JSON.parse(row.dependencies!) as string[];
      const rule = JSON.parse(row.trigger_rule!) as TriggerRule;
      const { context, statuses } = await inputContextFor(tx, executionId, dependencies, results);
      let initial = initials.get(executionId);
      if (context === null && initial === undefined) {
        initial = await initialContextOf(tx, executionId);
        initials.set(executionId, initial);
      }
      const input = context ?? initial ?? {};
      const ready = evaluateRule(rule, { taskStatus: (id) => statuses.get(id), context: input });
      if (ready) {
        readied.push([row.id, context === null ? null : JSON.stringify(context)]);
        appendEvent(tx, {
          executionId,
          taskId: row.task_id,
          type: EventType.TaskReady,
          runnerId,
          nowMs,
        });
        counts.get(executionId)!.keepsOpen = true;
        tx.signal('tasks');
      } else {
        const reason = freeText(skipReason(rule));
        skipped.push([row.id, reason]);
        appendEvent(tx, {
          executionId,
          taskId: row.task_id,
          type: EventType.TaskSkipped,
          data: { reason },
          runnerId,
          nowMs,
        });
        results.set(row.task_id, { status: 'Skipped', output: null });
        next.push({
          executionId,
          taskId: row.task_id,
          failed: false,
          dependents: JSON.parse(row.dependents!) as string[],
        });
      }
    }
    // Nothing reads these: on PostgreSQL they travel with the next statement.
    for (const chunk of chunks(readied)) {
      tx.write(
        `UPDATE task_executions SET status = 'Ready', ready_at_ms = ?, input_context = v.column2
         FROM (VALUES ${valueRows(chunk.length, '(?, ?)')}) AS v WHERE id = v.column1`,
        [nowMs, ...chunk.flat()],
      );
    }
    for (const chunk of chunks(skipped)) {
      tx.write(
        `UPDATE task_executions SET status = 'Skipped', skip_reason = v.column2, completed_at_ms = ?
         FROM (VALUES ${valueRows(chunk.length, '(?, ?)')}) AS v WHERE id = v.column1`,
        [nowMs, ...chunk.flat()],
      );
    }
    level = next;
  }
  return [...counts].map(([executionId, count]) => ({ executionId, ...count }));
}

/** Orders ids (code-unit order, as the locks are taken). */
export const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Applies closed-task counts to their executions and records the outcome of every execution
 * that has no open task left. Counts of one execution are summed first: an UPDATE … FROM joins
 * each target row once. The counters are written without a read-back (on PostgreSQL the write
 * travels with the next statement); executions this transaction knows to stay open
 * (`keepsOpen`) cannot finish here and are not read at all.
 */
export async function closeTasks(
  tx: Tx,
  counts: readonly Closed[],
  nowMs: number,
  runnerId: string | null,
): Promise<void> {
  const byExecution = new Map<string, { closed: number; failed: number; keepsOpen: boolean }>();
  for (const { executionId, closed, failed, keepsOpen } of counts) {
    const sum = byExecution.get(executionId) ?? { closed: 0, failed: 0, keepsOpen: false };
    sum.closed += closed;
    sum.failed += failed;
    sum.keepsOpen ||= keepsOpen === true;
    byExecution.set(executionId, sum);
  }
  if (byExecution.size === 0) return;
  const values: SqlValue[] = [];
  const closing: string[] = [];
  for (const [id, { closed, failed, keepsOpen }] of byExecution) {
    values.push(id, closed, failed);
    if (!keepsOpen) closing.push(id);
  }
  tx.write(
    `UPDATE workflow_executions
     SET open_tasks = open_tasks - v.column2, failed_tasks = failed_tasks + v.column3,
         updated_at_ms = ?
     FROM (VALUES ${valueRows(byExecution.size, '(?, CAST(? AS INTEGER), CAST(? AS INTEGER))')}) AS v
     WHERE id = v.column1`,
    [nowMs, ...values],
  );
  if (closing.length > 0) await finishClosed(tx, closing, nowMs, runnerId);
}

/** Statuses of an execution that has not ended, as SQL and as a set. */
const ACTIVE = ACTIVE_STATUS_SQL;
const ACTIVE_STATUSES: ReadonlySet<string> = new Set(ACTIVE_WORKFLOW_STATUSES);

/**
 * Rows per statement of a set-based read or write. A task may have tens of thousands of
 * dependents or dependencies; one statement for all of them would pass the parameter limits
 * (SQLite 32,766, PostgreSQL 65,535) and fail the transaction that finishes the task.
 */
const CHUNK_ROWS = 500;

/** `items` in slices of at most {@link CHUNK_ROWS}, in order. */
function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += CHUNK_ROWS) {
    out.push(items.slice(start, start + CHUNK_ROWS));
  }
  return out;
}

/** `n` copies of a VALUES row, comma separated. */
function valueRows(n: number, row: string): string {
  return new Array<string>(n).fill(row).join(', ');
}

/** A task row that shapes an execution's final context. */
interface ResultRow {
  task_id: string;
  task_status: string;
  output_context: string | null;
}

/** An execution's final context and failed tasks, from its result rows in position order. */
async function finalFrom(
  tx: Tx,
  executionId: string,
  rows: readonly ResultRow[],
): Promise<{ context: JsonObject; failedTaskIds: string[] }> {
  const outputs: JsonObject[] = [];
  const failedTaskIds: string[] = [];
  for (const row of rows) {
    if (row.task_status === 'Failed') failedTaskIds.push(row.task_id);
    else if (row.output_context !== null)
      outputs.push(JSON.parse(row.output_context) as JsonObject);
  }
  const context = outputs.length > 0 ? mergeAll(outputs) : await initialContextOf(tx, executionId);
  return { context, failedTaskIds };
}

/**
 * The final context of an execution: the smart merge of every completed task's output in
 * topological order (ties in declared order), deterministic whatever order the tasks finished
 * in; the initial context when no task completed. With the ids of its failed tasks.
 */
export async function finalContextOf(
  tx: Tx,
  executionId: string,
): Promise<{ context: JsonObject; failedTaskIds: string[] }> {
  const rows = await tx.all<ResultRow>(
    `SELECT task_id, status AS task_status, output_context FROM task_executions
     WHERE execution_id = ? AND status IN ('Completed', 'Failed') ORDER BY position`,
    [executionId],
  );
  return finalFrom(tx, executionId, rows);
}

/** An execution whose counters were just written, with its results once it has no open task. */
interface ClosingRow extends Partial<ResultRow> {
  id: string;
  status: string;
  open_tasks: number;
  started_at_ms: number | null;
  created_at_ms: number;
  schedule_linked: number;
  workflow_name: string;
  concurrency_key: string | null;
  concurrency_limit: number | null;
  rate_key: string | null;
}

/**
 * Records the outcome of the executions among `executionIds` whose tasks are all terminal,
 * exactly once each. One read returns each execution's counter and status, and the results of
 * its tasks only when nothing is left open; the outcome is a write nobody reads back (on
 * PostgreSQL it travels with COMMIT). Every caller holds the execution locks (see
 * `RowLocks.rowsInIdOrder`), so the status read stays true until the write; the status guard in the
 * write keeps it harmless even so.
 */
export async function finishClosed(
  tx: Tx,
  executionIds: readonly string[],
  nowMs: number,
  runnerId: string | null,
): Promise<void> {
  const rows = await tx.all<ClosingRow>(
    `SELECT e.id, e.status, e.open_tasks, e.started_at_ms, e.created_at_ms, e.schedule_linked,
            e.workflow_name, e.concurrency_key, e.concurrency_limit, e.rate_key, t.task_id, t.status AS task_status, t.output_context
     FROM workflow_executions e
     LEFT JOIN task_executions t
       ON t.execution_id = e.id AND e.open_tasks <= 0 AND e.status IN (${ACTIVE})
          AND t.status IN ('Completed', 'Failed')
     WHERE e.id IN (${placeholders(executionIds.length)})
     ORDER BY e.id, t.position`,
    executionIds,
  );
  const byExecution = new Map<string, { head: ClosingRow; results: ResultRow[] }>();
  for (const row of rows) {
    const entry = byExecution.get(row.id) ?? { head: row, results: [] };
    if (row.task_id != null) entry.results.push(row as ClosingRow & ResultRow);
    byExecution.set(row.id, entry);
  }
  const values: SqlValue[] = [];
  const linked: { id: string; status: 'Completed' | 'Failed' }[] = [];
  for (const [id, { head, results }] of byExecution) {
    if (head.open_tasks > 0 || !ACTIVE_STATUSES.has(head.status)) continue;
    const { context, failedTaskIds } = await finalFrom(tx, id, results);
    const failed = failedTaskIds.length > 0;
    const status = failed ? ('Failed' as const) : ('Completed' as const);
    const errorMessage = failed
      ? `${failedTaskIds.length} task(s) failed: ${failedTaskIds.join(', ')}`
      : null;
    values.push(id, status, JSON.stringify(context), errorMessage);
    const startedAtMs = head.started_at_ms ?? head.created_at_ms;
    appendEvent(tx, {
      executionId: id,
      type: failed ? EventType.WorkflowFailed : EventType.WorkflowCompleted,
      data: { durationMs: nowMs - startedAtMs, ...(errorMessage === null ? {} : { errorMessage }) },
      runnerId,
      nowMs,
    });
    if (head.schedule_linked === 1) linked.push({ id, status });
    if (head.concurrency_key !== null) {
      const group = {
        workflowName: head.workflow_name,
        key: head.concurrency_key,
        limit: head.concurrency_limit ?? 1,
        rated: head.rate_key !== null,
      };
      markGroup(tx, group, nowMs, runnerId);
    }
  }
  if (values.length === 0) return;
  writeOutcomes(tx, values, nowMs);
  for (const { id, status } of linked) await closeScheduleRuns(tx, id, status, nowMs);
}

/** Counts `ids` as ended by `tx` ({@link endedIn}), once it commits. */
export function markEnded(tx: Tx, ids: readonly string[]): void {
  const endedHere = ended.get(tx) ?? new Set<string>();
  for (const id of ids) endedHere.add(id);
  ended.set(tx, endedHere);
}

/**
 * Writes the outcomes of executions that have just ended, as a write nobody reads back (on
 * PostgreSQL it travels with COMMIT): `values` holds, per execution, its id, status, final
 * context (JSON) and error message. They count as ended by `tx` ({@link endedIn}).
 */
function writeOutcomes(tx: Tx, values: readonly SqlValue[], nowMs: number): void {
  markEnded(tx, values.filter((_, i) => i % 4 === 0) as string[]);
  tx.write(
    `UPDATE workflow_executions
     SET status = v.column2, final_context = v.column3, error_message = v.column4,
         completed_at_ms = ?, updated_at_ms = ?
     FROM (VALUES ${valueRows(values.length / 4, '(?, ?, ?, ?)')}) AS v
     WHERE id = v.column1 AND ${recheck('status', ACTIVE)}`,
    [nowMs, nowMs, ...values],
  );
  tx.signal('executions');
}
