import { describe, expect, it } from 'vitest';
import {
  ContextError,
  MAX_CONTEXT_DEPTH,
  TriggerResult,
  defineTrigger,
  task,
  workflow,
  type DefaultRunner,
  type Json,
} from '../../src/index.js';
import { createRunner, stopRunner } from '../helpers/backend.js';

/** `levels` nested objects around the number 1. */
function nested(levels: number): Json {
  let value: Json = 1;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

const noop = task({ id: 'noop' }, () => undefined);

async function rejection(promise: Promise<unknown>): Promise<ContextError> {
  const error = await promise.then(
    () => new Error('expected a ContextError, the call succeeded'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ContextError);
  expect((error as ContextError).code).toBe('CONTEXT_TOO_DEEP');
  return error as ContextError;
}

async function withRunner(test: (runner: DefaultRunner) => Promise<void>): Promise<void> {
  const runner = await createRunner();
  try {
    await test(runner);
  } finally {
    await stopRunner(runner);
  }
}

describe('context depth limit in the engine', () => {
  it('refuses a too-deep initial context with ContextError and writes nothing', () =>
    withRunner(async (runner) => {
      runner.register(workflow({ name: 'deep_in', tasks: [noop] }));
      const deep = { payload: nested(5_000) };
      const error = await rejection(runner.execute('deep_in', deep));
      expect(error.message).toContain(`${MAX_CONTEXT_DEPTH} levels`);
      await rejection(runner.executeAsync('deep_in', deep));
      expect(await runner.listExecutions()).toEqual([]);
      // At the limit the same workflow runs.
      const ok = await runner.execute('deep_in', { payload: nested(MAX_CONTEXT_DEPTH - 1) });
      expect(ok.status).toBe('Completed');
    }));

  it('fails the attempt of a task whose output nests too deep, with a clear message', () =>
    withRunner(async (runner) => {
      const deepOut = task({ id: 'deep_out', retry: { attempts: 1 } }, (ctx) => {
        ctx.set('result', nested(5_000));
      });
      runner.register(workflow({ name: 'deep_out_wf', tasks: [deepOut] }));
      const result = await runner.execute('deep_out_wf');
      expect(result.status).toBe('Failed');
      const failed = result.taskResults.find((t) => t.taskId === 'deep_out');
      expect(failed?.status).toBe('Failed');
      expect(failed?.errorMessage).toContain(`limit of ${MAX_CONTEXT_DEPTH} levels`);
      expect(failed?.errorMessage).toContain("key 'result'");
    }));

  it('refuses a too-deep manual trigger fire and a too-deep cron context', () =>
    withRunner(async (runner) => {
      runner.register(workflow({ name: 'deep_fire', tasks: [noop] }));
      const trigger = defineTrigger({ name: 'deep_fire_trigger', pollInterval: '1h' }, () =>
        TriggerResult.skip(),
      );
      await runner.registerTrigger(trigger, 'deep_fire');
      await rejection(runner.fireTrigger('deep_fire_trigger', { k: nested(5_000) }));
      expect(await runner.getTriggerExecutionHistory('deep_fire_trigger')).toEqual([]);
      await rejection(
        runner.registerCronWorkflow('deep_fire', '0 * * * *', 'UTC', {
          context: { k: nested(5_000) },
        }),
      );
      expect(await runner.listCronSchedules()).toEqual([]);
      expect(await runner.listExecutions()).toEqual([]);
    }));
});
