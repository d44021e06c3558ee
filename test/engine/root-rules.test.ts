import { describe, expect, it } from 'vitest';
import {
  ManualClock,
  TriggerResult,
  defineTrigger,
  rules,
  task,
  workflow,
  type DefaultRunner,
  type JsonObject,
} from '../../src/index.js';
import { createRunner, stopRunner } from '../helpers/backend.js';
import { waitFor } from '../helpers/wait.js';

/** Event types of `taskId` in one execution, in order. */
async function taskEvents(
  runner: DefaultRunner,
  executionId: string,
  taskId: string,
): Promise<string[]> {
  const events = await runner.getExecutionEvents(executionId);
  return events.filter((e) => e.taskId === taskId).map((e) => e.type);
}

describe('trigger rules of root tasks (evaluated at scheduling)', () => {
  it('skips a root whose rule is false, with its reason, and never runs or claims it', async () => {
    // One slot: a skipped root declared first must leave it to the root that runs.
    const runner = await createRunner({ maxConcurrentTasks: 1 });
    const ran: string[] = [];
    const never = task({ id: 'never', triggerRules: rules.any() }, () => {
      ran.push('never');
    });
    const always = task({ id: 'always' }, (ctx) => {
      ran.push('always');
      ctx.set('always', true);
    });
    runner.register(workflow({ name: 'skip_root', tasks: [never, always] }));
    const result = await runner.execute('skip_root', { input: 1 });

    expect(ran).toEqual(['always']);
    expect(result.status).toBe('Completed');
    const byId = Object.fromEntries(result.taskResults.map((t) => [t.taskId, t]));
    expect(byId.never!.status).toBe('Skipped');
    expect(byId.never!.skipReason).toBe('Trigger rule not satisfied: any()');
    expect(byId.never!.attempts).toBe(0);
    expect(await taskEvents(runner, result.executionId, 'never')).toEqual(['task_skipped']);
    const skipped = (await runner.getExecutionEvents(result.executionId)).find(
      (e) => e.type === 'task_skipped',
    );
    expect(skipped!.data).toEqual({ reason: 'Trigger rule not satisfied: any()' });
    expect(result.finalContext.toJSON()).toEqual({ input: 1, always: true });
    await stopRunner(runner);
  });

  it('runs a contextValue root only for input that matches', async () => {
    const runner = await createRunner();
    const ran: JsonObject[] = [];
    const full = task(
      { id: 'full', triggerRules: rules.contextValue('mode', 'equals', 'full') },
      (ctx) => {
        ran.push(ctx.toJSON());
        ctx.set('full', true);
      },
    );
    runner.register(workflow({ name: 'by_mode', tasks: [full] }));

    const matching = await runner.execute('by_mode', { mode: 'full' });
    expect(matching.status).toBe('Completed');
    expect(matching.taskResults[0]!.status).toBe('Completed');
    expect(matching.finalContext.get('full')).toBe(true);

    for (const input of [{ mode: 'lite' }, {}]) {
      const other = await runner.execute('by_mode', input);
      expect(other.status).toBe('Completed');
      expect(other.taskResults[0]!.status).toBe('Skipped');
      expect(other.taskResults[0]!.skipReason).toBe(
        'Trigger rule not satisfied: contextValue(mode equals "full")',
      );
      expect(other.finalContext.toJSON()).toEqual(input);
    }
    expect(ran).toEqual([{ mode: 'full' }]);
    await stopRunner(runner);
  });

  it('settles the dependents of a skipped root as for any skipped task', async () => {
    const runner = await createRunner();
    const ran: string[] = [];
    const body =
      (id: string) =>
      (ctx: { set(key: string, value: string): void }): void => {
        ran.push(id);
        ctx.set(id, 'ran');
      };
    const skippedRoot = task(
      { id: 'skipped_root', triggerRules: rules.contextValue('go', 'exists') },
      body('skipped_root'),
    );
    const otherRoot = task({ id: 'other_root' }, body('other_root'));
    // Only skipped dependencies: evaluated at once, from the initial context.
    const onSuccess = task(
      {
        id: 'on_success',
        dependencies: ['skipped_root'],
        triggerRules: rules.taskSuccess('skipped_root'),
      },
      body('on_success'),
    );
    const afterSkip = task({ id: 'after_skip', dependencies: ['on_success'] }, body('after_skip'));
    const onSkip = task(
      {
        id: 'on_skip',
        dependencies: ['skipped_root'],
        triggerRules: rules.taskSkipped('skipped_root'),
      },
      body('on_skip'),
    );
    // A skipped and an open dependency: waits for the open one, and sees its output.
    const both = task(
      {
        id: 'both',
        dependencies: ['skipped_root', 'other_root'],
        triggerRules: rules.all(
          rules.taskSkipped('skipped_root'),
          rules.taskSuccess('other_root'),
          rules.contextValue('other_root', 'equals', 'ran'),
        ),
      },
      body('both'),
    );
    runner.register(
      workflow({
        name: 'skip_cascade',
        tasks: [skippedRoot, otherRoot, onSuccess, afterSkip, onSkip, both],
      }),
    );
    const result = await runner.execute('skip_cascade', { input: 1 });
    const status = Object.fromEntries(result.taskResults.map((t) => [t.taskId, t.status]));

    expect(status).toEqual({
      skipped_root: 'Skipped',
      other_root: 'Completed',
      on_success: 'Skipped',
      after_skip: 'Completed',
      on_skip: 'Completed',
      both: 'Completed',
    });
    expect(ran.sort()).toEqual(['after_skip', 'both', 'on_skip', 'other_root']);
    expect(result.finalContext.toJSON()).toEqual({
      input: 1,
      other_root: 'ran',
      after_skip: 'ran',
      on_skip: 'ran',
      both: 'ran',
    });
    const reason = result.taskResults.find((t) => t.taskId === 'on_success')!.skipReason;
    expect(reason).toBe('Trigger rule not satisfied: taskSuccess(skipped_root)');
    expect(await taskEvents(runner, result.executionId, 'on_success')).toEqual(['task_skipped']);
    await stopRunner(runner);
  });

  it('ends an execution whose every task is skipped at scheduling, once, with the initial context', async () => {
    const runner = await createRunner();
    const ran: string[] = [];
    const root = task({ id: 'root', triggerRules: rules.any() }, () => {
      ran.push('root');
    });
    const next = task(
      { id: 'next', dependencies: ['root'], triggerRules: rules.taskSuccess('root') },
      () => {
        ran.push('next');
      },
    );
    runner.register(workflow({ name: 'all_skipped', tasks: [root, next] }));
    const result = await runner.execute('all_skipped', { input: 1 });

    expect(ran).toEqual([]);
    expect(result.status).toBe('Completed');
    expect(result.taskResults.map((t) => [t.taskId, t.status])).toEqual([
      ['root', 'Skipped'],
      ['next', 'Skipped'],
    ]);
    expect(result.finalContext.toJSON()).toEqual({ input: 1 });
    expect(result.completedAt).toBeInstanceOf(Date);
    const events = await runner.getExecutionEvents(result.executionId);
    expect(events.map((e) => [e.type, e.taskId ?? null])).toEqual([
      ['task_skipped', 'root'],
      ['task_skipped', 'next'],
      ['workflow_started', null],
      ['workflow_completed', null],
    ]);
    expect(await runner.getExecutionStatus(result.executionId)).toBe('Completed');
    await stopRunner(runner);
  });

  it('evaluates the roots of a cron fire against its run context; its one slot goes to the root that runs', async () => {
    const clock = new ManualClock(Date.parse('2025-01-01T00:00:30Z'));
    // One slot: a skipped root declared first must leave it to the root that runs.
    const runner = await createRunner({ clock, cronPollInterval: '20ms', maxConcurrentTasks: 1 });
    const ran: string[] = [];
    const full = task(
      { id: 'full', triggerRules: rules.contextValue('mode', 'equals', 'full') },
      () => {
        ran.push('full');
      },
    );
    const always = task({ id: 'always' }, () => {
      ran.push('always');
    });
    runner.register(workflow({ name: 'nightly', tasks: [full, always] }));
    const id = await runner.registerCronWorkflow('nightly', '* * * * *', 'UTC', {
      context: { mode: 'lite' },
    });
    clock.advance(60_000);
    const run = await waitFor(async () => {
      const history = await runner.getCronExecutionHistory(id);
      return history[0]?.status === 'completed' ? history[0] : null;
    }, 5_000);
    const result = await runner.getExecutionResult(run.workflowExecutionId!);
    expect(result.taskResults.map((t) => [t.taskId, t.status])).toEqual([
      ['full', 'Skipped'],
      ['always', 'Completed'],
    ]);
    expect(ran).toEqual(['always']);
    await stopRunner(runner);
  });

  it('closes the trigger run of a fired execution whose every root is skipped', async () => {
    const runner = await createRunner({ triggerBasePollInterval: '20ms' });
    const ran: string[] = [];
    const root = task(
      { id: 'root', triggerRules: rules.contextValue('mode', 'equals', 'full') },
      () => {
        ran.push('root');
      },
    );
    runner.register(workflow({ name: 'fired', tasks: [root] }));
    let fires = 0;
    const trigger = defineTrigger({ name: 'lite_files', pollInterval: '20ms' }, () => {
      fires += 1;
      return fires === 1 ? TriggerResult.fire({ mode: 'lite' }) : true;
    });
    await runner.registerTrigger(trigger, 'fired');
    const run = await waitFor(async () => {
      const history = await runner.getTriggerExecutionHistory('lite_files');
      return history.length > 0 && history.every((h) => h.status !== 'open') ? history[0] : null;
    }, 5_000);
    expect(run.status).toBe('completed');
    const result = await runner.getExecutionResult(run.workflowExecutionId!);
    expect(result.status).toBe('Completed');
    expect(result.taskResults[0]!.status).toBe('Skipped');
    expect(ran).toEqual([]);
    await stopRunner(runner);
  });
});
