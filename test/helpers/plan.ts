/**
 * Store inputs built from real `workflow()` definitions, so store tests schedule exactly what a
 * runner would: the task rows come from the registry code the engine schedules with (positions
 * in topological order, dependents, trigger rules), not from a hand-built copy that could drift
 * from it.
 */
import { newExecutionId } from '../../src/core/execution-id.js';
import type { Workflow } from '../../src/core/workflow.js';
import { WorkflowRegistry } from '../../src/engine/registry.js';
import type { NewExecution, NewTask } from '../../src/store/store.js';

/** Computes and keeps plans as a runner does: one plan object per workflow version. */
const registry = new WorkflowRegistry();

/** The task rows the engine writes for one execution of `wf` (see `WorkflowRegistry.plan`). */
export function planOf(wf: Workflow): readonly NewTask[] {
  return registry.plan(wf);
}

/** What a test may set of an execution of a workflow: all but what the workflow decides. */
export type ExecutionOverrides = Partial<
  Omit<NewExecution, 'workflowName' | 'workflowVersion' | 'tasks'>
>;

/**
 * The input of `Store.scheduleExecution` for one execution of `wf`: a fresh id, its plan, an
 * empty context at 1 000 ms for `runner-1`, with `overrides` on top.
 */
export function executionOf(wf: Workflow, overrides: ExecutionOverrides = {}): NewExecution {
  return {
    id: newExecutionId(),
    workflowName: wf.name,
    workflowVersion: wf.version,
    initialContext: {},
    tasks: planOf(wf),
    nowMs: 1_000,
    runnerId: 'runner-1',
    ...overrides,
  };
}
