/**
 * Names past MAX_NAME_LENGTH: refused where they are defined, "not found" where they are only
 * looked up. Before the limit, PostgreSQL refused the index entry of such a name (54000) at the
 * first write, long after the definition was accepted.
 */
import { describe, expect, it } from 'vitest';
import {
  Client,
  ConfigError,
  DatabaseError,
  DefaultRunner,
  MAX_NAME_LENGTH,
  NotFoundError,
  TriggerResult,
  WorkflowNotFoundError,
  WorkflowValidationError,
  defineTrigger,
  task,
  workflow,
  type Trigger,
} from '../../src/index.js';
import { createRunner, freshDatabase, stopRunner } from '../helpers/backend.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/**
 * 10,000 characters PostgreSQL cannot compress (a repeated letter would compress under its index
 * entry limit and hide the problem): letters and digits from a fixed pseudo-random sequence.
 */
let seed = 42;
const huge = Array.from({ length: 10_000 }, () => {
  // A linear congruential generator: the same name every run, and no period to compress.
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return ALPHABET[Math.floor(seed / 65_536) % ALPHABET.length];
}).join('');
const longest = 'n'.repeat(MAX_NAME_LENGTH);
const noop = task({ id: 'noop' }, () => undefined);

/** What `promise` rejects with (an Error saying it resolved otherwise). */
function settled(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => new Error(`expected a rejection, resolved with ${JSON.stringify(value)}`),
    (error: unknown) => error,
  );
}

describe('name length limit in the engine', () => {
  it('runs a workflow whose names are exactly at the limit', async () => {
    const runner = await createRunner({ runnerId: longest, runnerName: longest });
    try {
      runner.register(workflow({ name: longest, tasks: [task({ id: longest }, () => undefined)] }));
      expect((await runner.execute(longest)).status).toBe('Completed');
      const trigger = defineTrigger({ name: longest, pollInterval: '1h' }, () =>
        TriggerResult.skip(),
      );
      await runner.registerTrigger(trigger, longest);
      expect((await runner.fireTrigger(longest, { n: 1 })).status).not.toBeUndefined();
    } finally {
      await stopRunner(runner);
    }
  });

  it('refuses a longer name where it is defined, before anything is written', async () => {
    expect(() => workflow({ name: huge, tasks: [noop] })).toThrow(WorkflowValidationError);
    expect(() => task({ id: huge }, () => undefined)).toThrow(WorkflowValidationError);
    const db = freshDatabase();
    const created = await settled(DefaultRunner.create(db.url, { runnerId: huge }));
    expect(created).toBeInstanceOf(ConfigError);

    const runner = await createRunner({}, db.url);
    try {
      runner.register(workflow({ name: 'w', tasks: [noop] }));
      // A Trigger object written by hand, not through defineTrigger.
      const object: Trigger = {
        name: huge,
        pollInterval: '1h',
        allowConcurrent: false,
        poll: () => Promise.resolve(TriggerResult.skip()),
      };
      expect(await settled(runner.registerTrigger(object, 'w'))).toBeInstanceOf(ConfigError);
      const upserts = runner.dal().triggerSchedules;
      const rowName = await settled(
        upserts.upsert({ triggerName: huge, workflowName: 'w', pollInterval: '1h' }),
      );
      expect(rowName).toBeInstanceOf(ConfigError);
      expect((rowName as Error).message).toContain(`at most ${MAX_NAME_LENGTH} characters`);
      const rowWorkflow = await settled(
        upserts.upsert({ triggerName: 't', workflowName: huge, pollInterval: '1h' }),
      );
      expect(rowWorkflow).toBeInstanceOf(ConfigError);
      expect(await runner.listTriggerSchedules()).toEqual([]);
    } finally {
      await stopRunner(runner);
    }
  });

  it('treats a longer name given at run time as not found, never as a database error', async () => {
    const db = freshDatabase();
    const runner = await createRunner({}, db.url);
    await using client = await Client.connect(db.url);
    try {
      runner.register(workflow({ name: 'w', tasks: [noop] }));
      // Thunks, so each call starts only when it is awaited (no unhandled rejection meanwhile).
      const rejections: [string, () => Promise<unknown>, new (...args: never[]) => Error][] = [
        ['execute', () => runner.execute(huge), WorkflowNotFoundError],
        ['executeAsync', () => runner.executeAsync(huge), WorkflowNotFoundError],
        ['client.executeAsync', () => client.executeAsync(huge), WorkflowNotFoundError],
        ['setTriggerEnabled', () => runner.setTriggerEnabled(huge, false), NotFoundError],
        ['fireTrigger', () => runner.fireTrigger(huge), NotFoundError],
        ['client.fireTrigger', () => client.fireTrigger(huge), NotFoundError],
        [
          'registerCronWorkflow',
          () => runner.registerCronWorkflow(huge, '0 * * * *'),
          WorkflowNotFoundError,
        ],
        [
          'registerTrigger',
          () =>
            runner.registerTrigger(
              defineTrigger({ name: 't' }, () => false),
              huge,
            ),
          WorkflowNotFoundError,
        ],
      ];
      for (const [what, call, type] of rejections) {
        const error = await settled(call());
        expect(error, what).not.toBeInstanceOf(DatabaseError);
        expect(error, what).toBeInstanceOf(type);
      }
      expect(await runner.listExecutions({ workflowName: huge })).toEqual([]);
      expect(await client.listExecutions({ workflowName: huge })).toEqual([]);
      expect(await runner.getTriggerSchedule(huge)).toBeNull();
      expect(await runner.getTriggerExecutionHistory(huge)).toEqual([]);
      expect(await runner.deleteTrigger(huge)).toBe(false);
      expect(await client.getWorkflow(huge)).toBeNull();
      expect(await runner.listExecutions()).toEqual([]);
    } finally {
      await stopRunner(runner);
    }
  });
});
