/**
 * Turning a Fire result into workflow executions: the fired context with the reserved
 * keys, the de-duplicated primary fire in one store transaction, then fan-out to every workflow
 * that lists the trigger. Shared by the polling loop and the manual `fireTrigger`.
 */
import { newExecutionId } from '../../core/execution-id.js';
import { checkInput } from '../../core/input.js';
import type { JsonObject } from '../../core/json.js';
import { startOf } from '../../core/start.js';
import { buildFiredContext, type TriggerResult } from '../../core/trigger.js';
import { WorkflowNotFoundError, toError } from '../../errors.js';
import type { TriggerFireOutcome } from '../../store/store.js';
import { limitsOf, type WorkflowShape } from '../registry.js';
import type { ServiceContext } from '../service.js';
import type { FireTriggerResult } from './types.js';

/** The schedule settings a fire needs. */
export interface FireTarget {
  readonly triggerName: string;
  readonly workflowName: string;
  readonly allowConcurrent: boolean;
}

/**
 * Fires `result` for `target`. The primary workflow's execution and its open history row are
 * written in one transaction (or a suppressed-duplicate row instead); the caller never waits
 * for the workflow to run. Secondary (fan-out) workflows start afterwards, each in its own
 * transaction: a failing one is logged and never undoes or blocks the primary.
 *
 * @throws {TriggerError} `RESERVED_KEY` when the fired context holds a reserved key.
 * @throws {WorkflowNotFoundError} when the primary workflow is not registered in this runner.
 * @throws {InputValidationError} when the fired context fails the workflow's input schema.
 */
export async function fireTarget(
  ctx: ServiceContext,
  target: FireTarget,
  result: TriggerResult,
): Promise<FireTriggerResult> {
  const nowMs = ctx.clock.now();
  const context = buildFiredContext(target.triggerName, result, nowMs);
  const contextHash = result.contextHash();
  const workflow = ctx.registry.latest(target.workflowName);
  if (workflow === undefined) {
    throw new WorkflowNotFoundError(target.workflowName, ctx.registry.names());
  }
  const outcome = await fireWorkflow(ctx, target.triggerName, workflow, context, contextHash, {
    deduplicate: !target.allowConcurrent,
    nowMs,
  });
  if (outcome.status === 'deduplicated') {
    return { status: 'deduplicated', openExecutionId: outcome.openExecutionId, contextHash };
  }
  const fanOutExecutionIds = await fanOut(ctx, target, context, contextHash, nowMs);
  return { status: 'fired', executionId: outcome.executionId, fanOutExecutionIds, contextHash };
}

/**
 * Checks the workflow's declared input, then writes the history row and the execution in one
 * store transaction (or, when de-duplicating, a suppressed-duplicate row instead). Roots the
 * runner has free slots for are claimed by that transaction and start as it commits.
 */
async function fireWorkflow(
  ctx: ServiceContext,
  triggerName: string,
  workflow: WorkflowShape,
  context: JsonObject,
  contextHash: string,
  options: { deduplicate: boolean; nowMs: number },
): Promise<TriggerFireOutcome> {
  checkInput(workflow.name, workflow.input, context);
  const tasks = ctx.registry.plan(workflow);
  // Slots for the tasks that start: a root whose trigger rule skips it takes none.
  using slots = ctx.rootClaims.reserve(startOf(tasks, context).ready.length);
  const outcome = await ctx.store.fireTrigger({
    triggerName,
    executionId: newExecutionId(),
    workflowName: workflow.name,
    workflowVersion: workflow.version,
    tasks,
    context,
    contextHash,
    deduplicate: options.deduplicate,
    nowMs: options.nowMs,
    runnerId: ctx.runnerId,
    claimRoots: slots.count,
    ...limitsOf(workflow, context),
  });
  if (outcome.status === 'fired') await ctx.rootClaims.adopt(outcome.claimed, slots);
  return outcome;
}

/** Starts every other registered workflow that lists the trigger; failures are only logged. */
async function fanOut(
  ctx: ServiceContext,
  target: FireTarget,
  context: JsonObject,
  contextHash: string,
  nowMs: number,
): Promise<string[]> {
  const started: string[] = [];
  for (const name of ctx.registry.names()) {
    if (name === target.workflowName) continue;
    const workflow = ctx.registry.latest(name);
    if (workflow === undefined || !workflow.triggers.includes(target.triggerName)) continue;
    try {
      // Secondaries are not de-duplicated themselves: the primary's hash already gated this
      // fire, and a NULL dedup key keeps them out of the open-run unique index.
      const outcome = await fireWorkflow(ctx, target.triggerName, workflow, context, contextHash, {
        deduplicate: false,
        nowMs,
      });
      if (outcome.status === 'fired') started.push(outcome.executionId);
    } catch (error) {
      ctx.logger.warn(
        { trigger: target.triggerName, workflow: name, err: toError(error) },
        'fan-out workflow of a trigger could not be started; the primary workflow runs regardless',
      );
    }
  }
  return started;
}
