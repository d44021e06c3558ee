/**
 * Triggers set up so that a runner never polls them are each warned about once: an object
 * defined without a schedule row, and a schedule whose workflow the runner has not registered
 * (left to the runners that have it, without a poll that could only fail).
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  TriggerResult,
  defaultTriggerRegistry,
  defineTrigger,
  registerTrigger,
  type Trigger,
} from '../../src/index.js';
import { UNSCHEDULED_GRACE_MS } from '../../src/engine/triggers/setup-warnings.js';
import { createRunner, freshDatabaseUrl, stopRunner } from '../helpers/backend.js';
import { waitFor } from '../helpers/wait.js';
import { RecordingLogger, recordingWorkflow } from './triggers-fixtures.js';

const FAST = { triggerBasePollInterval: '20ms' } as const;

/** A trigger that skips and counts its polls. */
function counting(name: string): Trigger & { readonly polls: () => number } {
  let polls = 0;
  const trigger = defineTrigger({ name, pollInterval: '20ms' }, () => {
    polls += 1;
    return TriggerResult.skip();
  });
  return Object.assign(Object.create(trigger) as Trigger, { polls: () => polls });
}

const defined: string[] = [];
/** Registers `trigger` at module level, as the tutorial does; removed after the test. */
function defineAtModuleLevel(trigger: Trigger): void {
  registerTrigger(trigger);
  defined.push(trigger.name);
}
afterEach(() => {
  for (const name of defined.splice(0)) defaultTriggerRegistry.delete(name);
});

describe('trigger setup warnings', () => {
  it('warns once about a trigger defined without a schedule, not about one scheduled after it', async () => {
    const logger = new RecordingLogger();
    const runner = await createRunner({ ...FAST, logger });
    runner.register(recordingWorkflow('wf'));
    defineAtModuleLevel(counting('forgotten'));
    // The two-step path: defined first, its schedule row upserted right after.
    defineAtModuleLevel(counting('two_step'));
    await runner
      .dal()
      .triggerSchedules.upsert({ triggerName: 'two_step', workflowName: 'wf', pollInterval: '1h' });
    const ticker = counting('ticker');
    await runner.registerTrigger(ticker, 'wf');

    // Seen without a schedule, it is warned about once UNSCHEDULED_GRACE_MS have passed.
    await waitFor(
      () => logger.about('forgotten', 'warn').length > 0,
      UNSCHEDULED_GRACE_MS + 5000,
      'the warning',
    );
    // Every poll of the ticker is a loop pass at least, each with its own chance to warn again.
    const after = ticker.polls();
    await waitFor(() => ticker.polls() >= after + 10, 5000, 'ten more loop passes');

    const warnings = logger.about('forgotten', 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toBe(
      "trigger 'forgotten' is defined in this process but has no schedule, so no runner polls " +
        "it. Create its schedule with runner.registerTrigger(trigger, 'workflow') (or, after " +
        'registerTrigger(trigger), runner.dal().triggerSchedules.upsert(...)).',
    );
    expect(warnings[0]!.fields).toMatchObject({ runnerId: runner.runnerId });
    expect(logger.about('two_step', 'warn')).toEqual([]);
    expect(logger.about('ticker', 'warn')).toEqual([]);
    await stopRunner(runner);
  });

  it('leaves a schedule whose workflow it lacks to the runner that has it, and warns once', async () => {
    const url = freshDatabaseUrl();
    const withWorkflow = new RecordingLogger();
    const without = new RecordingLogger();
    // The schedule is written by a runner that does not poll yet, so the other one finds it
    // due: a runner that polls claims each poll ahead of its due time, and while it keeps up
    // the schedule is never found due by the others (nor warned about by them).
    const writer = await createRunner({ ...FAST, enableTriggerScheduling: false }, url);
    const other = await createRunner({ ...FAST, logger: without }, url);
    writer.register(recordingWorkflow('orders'));
    other.register(recordingWorkflow('invoices'));
    let fires = 0;
    // Every runner has the object (module level); only the serving ones have its workflow.
    const trigger = defineTrigger(
      { name: 'new_order', pollInterval: '20ms', allowConcurrent: true },
      () => {
        fires += 1;
        return TriggerResult.fire({ order: fires });
      },
    );
    defineAtModuleLevel(trigger);
    await writer.registerTrigger(trigger, 'orders');
    await waitFor(() => without.about('new_order', 'warn').length > 0, 10_000, 'the warning');
    expect(fires).toBe(0);

    const serving = await createRunner({ ...FAST, logger: withWorkflow }, url);
    serving.register(recordingWorkflow('orders'));
    await waitFor(() => fires >= 10, 10_000, 'ten fires by the runner with the workflow');
    await serving.setTriggerEnabled('new_order', false);

    const warnings = without.about('new_order', 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toBe(
      "this runner has not registered workflow 'orders'; trigger schedule 'new_order' is polled " +
        'only by runners that have. Register the workflow here (runner.register(workflow)) for ' +
        'this runner to poll it too.',
    );
    expect(withWorkflow.about('new_order', 'warn')).toEqual([]);
    // A poll by the other runner would have recorded its fire as a WORKFLOW_NOT_FOUND error.
    const schedule = await serving.getTriggerSchedule('new_order');
    expect(schedule).toMatchObject({ consecutiveErrors: 0, lastError: null });
    const history = await serving.getTriggerExecutionHistory('new_order', { limit: 1000 });
    expect(history.filter((h) => h.status === 'error')).toEqual([]);
    await stopRunner(other);
    await stopRunner(serving);
    await stopRunner(writer);
  });
});
