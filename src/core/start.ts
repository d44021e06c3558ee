/**
 * How a new execution starts: a root task's trigger rule is evaluated at scheduling,
 * against the initial context. A root whose rule is false is Skipped there and then, and, like
 * any skipped task, settles its dependents: a dependent whose dependencies are all skipped is
 * evaluated at once (Ready or Skipped, with the initial context, since no dependency completed);
 * the others wait for one dependency fewer. Pure, so that the scheduling transaction and the
 * runner reserving slots for it agree on which tasks start.
 *
 * A rerun from failure starts with some tasks already Completed (`carried`, their outputs copied
 * from the original execution): those count as finished dependencies from the start, so a task
 * whose dependencies are all carried is decided at scheduling like a root, against the merge of
 * their outputs, exactly as the transaction finishing its last dependency would have decided it.
 */

import type { JsonObject } from './json.js';
import { mergeAll } from './merge.js';
import { evaluateRule, skipReason, type TriggerRule } from './rules.js';

/** The part of a planned task that deciding the start looks at. */
export interface StartTask {
  readonly taskId: string;
  readonly dependencies: readonly string[];
  readonly dependents: readonly string[];
  readonly triggerRule: TriggerRule;
}

/** The tasks of a new execution that are decided before any of them runs. */
export interface ExecutionStart {
  /** Ids of the tasks Ready at once, in plan order: the roots whose rule holds, at least. */
  readonly ready: readonly string[];
  /** Skip reasons of the tasks skipped at once, by id, in the order they were decided. */
  readonly skipped: ReadonlyMap<string, string>;
  /** How many dependencies of `task` are not terminal yet (0 for a task decided here). */
  pendingOf(task: StartTask): number;
  /**
   * The input of a Ready task when it is not the initial context: the merge of its carried
   * dependencies' outputs in declared order. Null for a task that starts from the initial
   * context (always so without carried tasks).
   */
  inputOf(taskId: string): JsonObject | null;
}

/**
 * Plans whose roots all have the rule `always` start the same whatever the context: their start
 * is computed once per plan (scheduling is a hot path). `null` marks a plan that must be
 * evaluated for each execution.
 */
const fixedStarts = new WeakMap<readonly StartTask[], ExecutionStart | null>();

/**
 * Decides which tasks of a new execution of `tasks` are Ready or Skipped at scheduling.
 * `carried` holds the tasks a rerun writes as Completed, with their outputs, by id; they are
 * neither Ready nor Skipped here.
 */
export function startOf(
  tasks: readonly StartTask[],
  initialContext: JsonObject,
  carried?: ReadonlyMap<string, JsonObject>,
): ExecutionStart {
  if (carried !== undefined && carried.size > 0) return evaluate(tasks, initialContext, carried);
  let fixed = fixedStarts.get(tasks);
  if (fixed === undefined) {
    const constant = tasks.every(
      (t) => t.dependencies.length > 0 || t.triggerRule.type === 'always',
    );
    fixed = constant ? rootsReady(tasks) : null;
    fixedStarts.set(tasks, fixed);
  }
  return fixed ?? evaluate(tasks, initialContext, new Map());
}

const noInput = (): null => null;

function rootsReady(tasks: readonly StartTask[]): ExecutionStart {
  return {
    ready: tasks.filter((t) => t.dependencies.length === 0).map((t) => t.taskId),
    skipped: new Map(),
    pendingOf: (task) => task.dependencies.length,
    inputOf: noInput,
  };
}

function evaluate(
  tasks: readonly StartTask[],
  initialContext: JsonObject,
  carried: ReadonlyMap<string, JsonObject>,
): ExecutionStart {
  const byId = new Map(tasks.map((t) => [t.taskId, t]));
  const pending = new Map<string, number>();
  const ready = new Set<string>();
  const inputs = new Map<string, JsonObject>();
  const skipped = new Map<string, string>();
  const settled: StartTask[] = [];
  // Only carried (Completed) and skipped tasks are terminal here: the statuses a rule can see.
  const taskStatus = (id: string): string | undefined =>
    carried.has(id) ? 'Completed' : skipped.has(id) ? 'Skipped' : undefined;
  const decide = (task: StartTask): void => {
    // As `progress.ts` decides a dependent: the merge of its completed dependencies' outputs,
    // or the initial context when none completed.
    const outputs = task.dependencies.flatMap((id) => {
      const output = carried.get(id);
      return output === undefined ? [] : [output];
    });
    const input = outputs.length > 0 ? mergeAll(outputs) : null;
    if (evaluateRule(task.triggerRule, { taskStatus, context: input ?? initialContext })) {
      ready.add(task.taskId);
      if (input !== null) inputs.set(task.taskId, input);
    } else {
      skipped.set(task.taskId, skipReason(task.triggerRule));
      settled.push(task);
    }
  };
  for (const task of tasks) {
    if (carried.has(task.taskId)) continue;
    const open = task.dependencies.filter((id) => !carried.has(id)).length;
    if (open < task.dependencies.length) pending.set(task.taskId, open);
    if (open === 0) decide(task);
  }
  for (let i = 0; i < settled.length; i++) {
    for (const id of (settled[i] as StartTask).dependents) {
      const dependent = byId.get(id);
      if (dependent === undefined) continue;
      const left = (pending.get(id) ?? dependent.dependencies.length) - 1;
      pending.set(id, left);
      if (left === 0) decide(dependent);
    }
  }
  return {
    ready: tasks.filter((t) => ready.has(t.taskId)).map((t) => t.taskId),
    skipped,
    pendingOf: (task) =>
      carried.has(task.taskId) ? 0 : (pending.get(task.taskId) ?? task.dependencies.length),
    inputOf: (taskId) => inputs.get(taskId) ?? null,
  };
}
