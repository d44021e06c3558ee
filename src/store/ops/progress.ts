/**
 * Incremental readiness (ARCHITECTURE.md "Engine design notes"): the transaction that makes a task
 * terminal also evaluates that task's dependents only, readies or skips each whose dependencies
 * are all terminal, and, when it was the last open task, records the workflow outcome. Work per
 * completion is O(dependents), never O(active executions).
 */
import type { JsonObject } from '../../core/json.js';
import { mergeAll } from '../../core/merge.js';
import { describeRule, evaluateRule, type TriggerRule } from '../../core/rules.js';
import type { SqlValue, Tx } from '../db.js';
import { EventType } from '../rows.js';
import { appendEvent, placeholders } from './events.js';
import { closeScheduleRuns } from './schedule-links.js';

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
  dependencies: string;
  dependents: string;
  trigger_rule: string;
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
  if (unknown.length > 0) {
    const rows = await tx.all<DependencyRow>(
      `SELECT task_id, status, output_context FROM task_executions
       WHERE execution_id = ? AND task_id IN (${placeholders(unknown.length)})`,
      [executionId, ...unknown],
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
    const values: SqlValue[] = [];
    for (const { executionId, taskId, n } of decrements.values())
      values.push(executionId, taskId, n);
    const rows = await tx.all<DependentRow & { execution_id: string; task_id: string }>(
      `UPDATE task_executions SET pending_deps = pending_deps - v.column3
       FROM (VALUES ${valueRows(decrements.size, '(?, ?, CAST(? AS INTEGER))')}) AS v
       WHERE execution_id = v.column1 AND task_id = v.column2
       RETURNING id, execution_id, task_id, pending_deps, status, dependencies, dependents,
                 trigger_rule`,
      values,
    );
    rows.sort((a, b) => compare(a.execution_id, b.execution_id) || compare(a.task_id, b.task_id));
    const next: SettledTask[] = [];
    for (const row of rows) {
      if (row.status !== 'NotStarted') continue;
      const executionId = row.execution_id;
      if (Number(row.pending_deps) > 0) {
        counts.get(executionId)!.keepsOpen = true;
        continue;
      }
      const results = known.get(executionId) ?? new Map<string, KnownResult>();
      known.set(executionId, results);
      const dependencies = JSON.parse(row.dependencies) as string[];
      const rule = JSON.parse(row.trigger_rule) as TriggerRule;
      const { context, statuses } = await inputContextFor(tx, executionId, dependencies, results);
      let initial = initials.get(executionId);
      if (context === null && initial === undefined) {
        initial = await initialContextOf(tx, executionId);
        initials.set(executionId, initial);
      }
      const input = context ?? initial ?? {};
      const ready = evaluateRule(rule, { taskStatus: (id) => statuses.get(id), context: input });
      if (ready) {
        // Nothing reads the result: on PostgreSQL it travels with the next statement.
        tx.write(
          `UPDATE task_executions SET status = 'Ready', ready_at_ms = ?, input_context = ? WHERE id = ?`,
          [nowMs, context === null ? null : JSON.stringify(context), row.id],
        );
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
        const reason = `Trigger rule not satisfied: ${describeRule(rule)}`;
        tx.write(
          `UPDATE task_executions SET status = 'Skipped', skip_reason = ?, completed_at_ms = ? WHERE id = ?`,
          [reason, nowMs, row.id],
        );
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
          dependents: JSON.parse(row.dependents) as string[],
        });
      }
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
 * each target row once. Executions this transaction knows to stay open (`keepsOpen`) cannot
 * finish here, so their counters are written without reading them back (on PostgreSQL the
 * write travels with the next statement).
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
  const open: SqlValue[] = [];
  const closing: SqlValue[] = [];
  for (const [id, { closed, failed, keepsOpen }] of byExecution) {
    (keepsOpen ? open : closing).push(id, closed, failed);
  }
  const update = (n: number, returning: string): string =>
    `UPDATE workflow_executions
     SET open_tasks = open_tasks - v.column2, failed_tasks = failed_tasks + v.column3,
         updated_at_ms = ?
     FROM (VALUES ${valueRows(n, '(?, CAST(? AS INTEGER), CAST(? AS INTEGER))')}) AS v
     WHERE id = v.column1${returning}`;
  if (open.length > 0) tx.write(update(open.length / 3, ''), [nowMs, ...open]);
  if (closing.length === 0) return;
  const rows = await tx.all<{ id: string; open_tasks: number | string }>(
    update(closing.length / 3, ' RETURNING id, open_tasks'),
    [nowMs, ...closing],
  );
  const done = rows.filter((row) => Number(row.open_tasks) <= 0).map((row) => row.id);
  if (done.length > 0) await finishExecutions(tx, done, nowMs, runnerId);
}

/** `n` copies of a VALUES row, comma separated. */
function valueRows(n: number, row: string): string {
  return new Array<string>(n).fill(row).join(', ');
}

/** The final context and failed tasks of an execution (see {@link finalContextsOf}). */
export async function finalContextOf(
  tx: Tx,
  executionId: string,
): Promise<{ context: JsonObject; failedTaskIds: string[] }> {
  return (await finalContextsOf(tx, [executionId])).get(executionId)!;
}

/**
 * Final contexts: the smart merge of every completed task's output in topological order (ties
 * in declared order), deterministic whatever order the tasks finished in; the initial context
 * when no task completed. Read for several executions with one query.
 */
export async function finalContextsOf(
  tx: Tx,
  executionIds: readonly string[],
): Promise<Map<string, { context: JsonObject; failedTaskIds: string[] }>> {
  const rows = await tx.all<{
    execution_id: string;
    task_id: string;
    status: string;
    output_context: string | null;
  }>(
    `SELECT execution_id, task_id, status, output_context FROM task_executions
     WHERE execution_id IN (${placeholders(executionIds.length)}) ORDER BY execution_id, position`,
    executionIds,
  );
  const parts = new Map(
    executionIds.map((id) => [id, { outputs: [] as JsonObject[], failedTaskIds: [] as string[] }]),
  );
  for (const row of rows) {
    const part = parts.get(row.execution_id)!;
    if (row.status === 'Completed' && row.output_context !== null) {
      part.outputs.push(JSON.parse(row.output_context) as JsonObject);
    } else if (row.status === 'Failed') {
      part.failedTaskIds.push(row.task_id);
    }
  }
  const result = new Map<string, { context: JsonObject; failedTaskIds: string[] }>();
  for (const [id, part] of parts) {
    const context =
      part.outputs.length > 0 ? mergeAll(part.outputs) : await initialContextOf(tx, id);
    result.set(id, { context, failedTaskIds: part.failedTaskIds });
  }
  return result;
}

/**
 * Records the outcome of executions whose tasks are all terminal, exactly once each (the
 * status guard makes racing writers no-ops): one statement for all of them.
 */
async function finishExecutions(
  tx: Tx,
  executionIds: readonly string[],
  nowMs: number,
  runnerId: string | null,
): Promise<void> {
  const contexts = await finalContextsOf(tx, executionIds);
  const outcomes = new Map<
    string,
    { status: 'Completed' | 'Failed'; errorMessage: string | null }
  >();
  const values: SqlValue[] = [];
  for (const [id, { context, failedTaskIds }] of contexts) {
    const failed = failedTaskIds.length > 0;
    const outcome = {
      status: failed ? ('Failed' as const) : ('Completed' as const),
      errorMessage: failed
        ? `${failedTaskIds.length} task(s) failed: ${failedTaskIds.join(', ')}`
        : null,
    };
    outcomes.set(id, outcome);
    values.push(id, outcome.status, JSON.stringify(context), outcome.errorMessage);
  }
  const finished = await tx.all<{
    id: string;
    started_at_ms: number | null;
    created_at_ms: number;
    schedule_linked: number | string;
  }>(
    `UPDATE workflow_executions
     SET status = v.column2, final_context = v.column3, error_message = v.column4,
         completed_at_ms = ?, updated_at_ms = ?
     FROM (VALUES ${valueRows(contexts.size, '(?, ?, ?, ?)')}) AS v
     WHERE id = v.column1 AND status IN ('Pending', 'Running', 'Paused')
     RETURNING id, started_at_ms, created_at_ms, schedule_linked`,
    [nowMs, nowMs, ...values],
  );
  for (const row of finished) {
    const { status, errorMessage } = outcomes.get(row.id)!;
    const startedAtMs = Number(row.started_at_ms ?? row.created_at_ms);
    appendEvent(tx, {
      executionId: row.id,
      type: status === 'Failed' ? EventType.WorkflowFailed : EventType.WorkflowCompleted,
      data: { durationMs: nowMs - startedAtMs, ...(errorMessage === null ? {} : { errorMessage }) },
      runnerId,
      nowMs,
    });
    if (Number(row.schedule_linked) === 1) {
      await closeScheduleRuns(tx, row.id, status, nowMs);
    }
  }
  if (finished.length > 0) tx.signal('executions');
}
