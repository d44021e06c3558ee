/**
 * Incremental readiness (ARCHITECTURE.md "Engine design notes"): the transaction that makes a task
 * terminal also evaluates that task's dependents only, readies or skips each whose dependencies
 * are all terminal, and, when it was the last open task, records the workflow outcome. Work per
 * completion is O(dependents), never O(active executions).
 */
import type { JsonObject } from '../../core/json.js';
import { mergeAll } from '../../core/merge.js';
import { describeRule, evaluateRule, type TriggerRule } from '../../core/rules.js';
import type { Tx } from '../db.js';
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

/**
 * The context a task starts from: the smart merge of its completed dependencies' outputs in
 * declared order. When none completed (all failed or skipped) it starts from the initial context,
 * so an `always` task downstream of a failure still sees the workflow's input.
 */
async function inputContextFor(
  tx: Tx,
  executionId: string,
  dependencies: readonly string[],
): Promise<{ context: JsonObject | null; statuses: Map<string, string> }> {
  const rows = await tx.all<DependencyRow>(
    `SELECT task_id, status, output_context FROM task_executions
     WHERE execution_id = ? AND task_id IN (${placeholders(dependencies.length)})`,
    [executionId, ...dependencies],
  );
  const byId = new Map(rows.map((row) => [row.task_id, row]));
  const statuses = new Map(rows.map((row) => [row.task_id, row.status]));
  const outputs: JsonObject[] = [];
  for (const id of dependencies) {
    const row = byId.get(id);
    if (row?.status === 'Completed' && row.output_context !== null) {
      outputs.push(JSON.parse(row.output_context) as JsonObject);
    }
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
  await settle(
    tx,
    finished.executionId,
    {
      taskId: finished.taskId,
      failed: finished.failed,
      dependents: JSON.parse(finished.dependentsJson) as string[],
    },
    finished.nowMs,
    finished.runnerId,
  );
}

/**
 * Propagates terminal transitions to dependents, then updates the execution's counters and, when
 * no task is open any more, records the outcome. Skips cascade through the same worklist.
 */
export async function settle(
  tx: Tx,
  executionId: string,
  first: Settled,
  nowMs: number,
  runnerId: string | null,
): Promise<void> {
  const worklist: Settled[] = [first];
  let closed = 0;
  let failed = 0;
  let initial: JsonObject | undefined;
  for (let next = worklist.shift(); next !== undefined; next = worklist.shift()) {
    closed += 1;
    if (next.failed) failed += 1;
    for (const dependentId of next.dependents) {
      const row = await tx.get<DependentRow>(
        `UPDATE task_executions SET pending_deps = pending_deps - 1
         WHERE execution_id = ? AND task_id = ?
         RETURNING id, pending_deps, status, dependencies, dependents, trigger_rule`,
        [executionId, dependentId],
      );
      if (row === undefined || Number(row.pending_deps) > 0 || row.status !== 'NotStarted')
        continue;
      const dependencies = JSON.parse(row.dependencies) as string[];
      const rule = JSON.parse(row.trigger_rule) as TriggerRule;
      const { context, statuses } = await inputContextFor(tx, executionId, dependencies);
      initial ??= context === null ? await initialContextOf(tx, executionId) : undefined;
      const input = context ?? initial ?? {};
      const ready = evaluateRule(rule, { taskStatus: (id) => statuses.get(id), context: input });
      if (ready) {
        await tx.run(
          `UPDATE task_executions SET status = 'Ready', ready_at_ms = ?, input_context = ? WHERE id = ?`,
          [nowMs, context === null ? null : JSON.stringify(context), row.id],
        );
        appendEvent(tx, {
          executionId,
          taskId: dependentId,
          type: EventType.TaskReady,
          runnerId,
          nowMs,
        });
        tx.signal('tasks');
      } else {
        const reason = `Trigger rule not satisfied: ${describeRule(rule)}`;
        await tx.run(
          `UPDATE task_executions SET status = 'Skipped', skip_reason = ?, completed_at_ms = ? WHERE id = ?`,
          [reason, nowMs, row.id],
        );
        appendEvent(tx, {
          executionId,
          taskId: dependentId,
          type: EventType.TaskSkipped,
          data: { reason },
          runnerId,
          nowMs,
        });
        worklist.push({
          taskId: dependentId,
          failed: false,
          dependents: JSON.parse(row.dependents) as string[],
        });
      }
    }
  }
  const counters = await tx.get<{ open_tasks: number }>(
    `UPDATE workflow_executions
     SET open_tasks = open_tasks - ?, failed_tasks = failed_tasks + ?, updated_at_ms = ?
     WHERE id = ? RETURNING open_tasks`,
    [closed, failed, nowMs, executionId],
  );
  if (counters !== undefined && Number(counters.open_tasks) <= 0) {
    await finishExecution(tx, executionId, nowMs, runnerId);
  }
}

/**
 * The final context: smart merge of every completed task's output in topological order (ties in
 * declared order), which is deterministic whatever order the tasks finished in.
 */
export async function finalContextOf(
  tx: Tx,
  executionId: string,
): Promise<{ context: JsonObject; failedTaskIds: string[] }> {
  const rows = await tx.all<{ task_id: string; status: string; output_context: string | null }>(
    `SELECT task_id, status, output_context FROM task_executions WHERE execution_id = ? ORDER BY position`,
    [executionId],
  );
  const outputs: JsonObject[] = [];
  const failedTaskIds: string[] = [];
  for (const row of rows) {
    if (row.status === 'Completed' && row.output_context !== null) {
      outputs.push(JSON.parse(row.output_context) as JsonObject);
    } else if (row.status === 'Failed') {
      failedTaskIds.push(row.task_id);
    }
  }
  const context = outputs.length > 0 ? mergeAll(outputs) : await initialContextOf(tx, executionId);
  return { context, failedTaskIds };
}

/** Records the workflow outcome exactly once (the status guard makes racing writers no-ops). */
async function finishExecution(
  tx: Tx,
  executionId: string,
  nowMs: number,
  runnerId: string | null,
): Promise<void> {
  const { context, failedTaskIds } = await finalContextOf(tx, executionId);
  const status = failedTaskIds.length > 0 ? 'Failed' : 'Completed';
  const errorMessage =
    failedTaskIds.length > 0
      ? `${failedTaskIds.length} task(s) failed: ${failedTaskIds.join(', ')}`
      : null;
  const finished = await tx.get<{
    started_at_ms: number | null;
    created_at_ms: number;
    schedule_linked: number | string;
  }>(
    `UPDATE workflow_executions
     SET status = ?, final_context = ?, error_message = ?, completed_at_ms = ?, updated_at_ms = ?
     WHERE id = ? AND status IN ('Pending', 'Running', 'Paused')
     RETURNING started_at_ms, created_at_ms, schedule_linked`,
    [status, JSON.stringify(context), errorMessage, nowMs, nowMs, executionId],
  );
  if (finished === undefined) return;
  const startedAtMs = Number(finished.started_at_ms ?? finished.created_at_ms);
  appendEvent(tx, {
    executionId,
    type: status === 'Failed' ? EventType.WorkflowFailed : EventType.WorkflowCompleted,
    data: { durationMs: nowMs - startedAtMs, ...(errorMessage === null ? {} : { errorMessage }) },
    runnerId,
    nowMs,
  });
  if (Number(finished.schedule_linked) === 1) {
    await closeScheduleRuns(tx, executionId, status, nowMs);
  }
  tx.signal('executions');
}
