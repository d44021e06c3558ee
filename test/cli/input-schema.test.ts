/**
 * A Client without the task code checks contexts against the stored JSON Schema form of a
 * workflow's input schema: on execute, on a manual trigger fire and on cron registration, as a
 * runner checks them against the schema object.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  Client,
  InputValidationError,
  defineTrigger,
  task,
  workflow,
  type DefaultRunner,
  type JsonObject,
} from '../../src/index.js';
import { createRunner, freshDatabase, stopRunner } from '../helpers/backend.js';
import { waitFor } from '../helpers/wait.js';
import { cli, json } from './cli-harness.js';

const signupInput = z.object({
  email: z.email(),
  plan: z.enum(['free', 'pro']).default('free'),
  seats: z.number().int().min(1).optional(),
  tags: z.array(z.string()).optional(),
});

/** A one-task workflow that copies what it received to `seen`. */
const recording = (name: string, input?: z.ZodType) =>
  workflow({
    name,
    tasks: [task({ id: 'seen' }, (ctx) => ctx.set('seen', ctx.toJSON()))],
    ...(input !== undefined ? { input } : {}),
  });

/** A runner with the workflows of this file, and a client that sees all of them stored. */
async function setUp(): Promise<{ runner: DefaultRunner; client: Client; url: string }> {
  const db = freshDatabase();
  const runner = await createRunner({}, db.url);
  runner.register(recording('signup', signupInput));
  runner.register(recording('plain'));
  runner.register(
    recording(
      'refined',
      z.object({ n: z.number() }).refine((v) => v.n > 1),
    ),
  );
  runner.register(recording('dated', z.object({ at: z.date() })));
  const client = await Client.connect(db.url);
  await waitFor(async () => (await client.listWorkflows()).length === 4, 10_000, 'definitions');
  return { runner, client, url: db.url };
}

/** Rejects with the InputValidationError `promise` settles with. */
async function inputError(promise: Promise<unknown>): Promise<InputValidationError> {
  const error = await promise.then(
    () => new Error('expected an InputValidationError, the call succeeded'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputValidationError);
  return error as InputValidationError;
}

describe('Client: the input JSON Schema of stored workflows', () => {
  it('shows the input schema, rejects a bad context writing nothing, applies defaults', async () => {
    const { runner, client } = await setUp();
    const signup = await client.getWorkflow('signup');
    expect(signup?.inputSchema).toMatchObject({
      type: 'object',
      properties: { plan: { enum: ['free', 'pro'], default: 'free' } },
      required: ['email'],
    });
    const listed = Object.fromEntries(
      (await client.listWorkflows()).map((w) => [w.name, w.inputSchema]),
    );
    expect(listed['signup']).toEqual(signup?.inputSchema);
    expect(listed['plain']).toBeNull();
    // zod cannot express a Date in JSON Schema: the workflow registers, with no JSON form.
    expect(listed['dated']).toBeNull();

    const bad = await inputError(
      client.executeAsync('signup', { email: 'nope', seats: 0, tags: ['a', 3], plan: 'gold' }),
    );
    expect(bad.code).toBe('INPUT_VALIDATION');
    expect(bad.workflowName).toBe('signup');
    expect(bad.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining([['email'], ['plan'], ['seats'], ['tags', 1]]),
    );
    expect(bad.issues.find((i) => i.path[0] === 'seats')?.message).toBe(
      'must be >= 1 (received 0)',
    );
    expect(bad.issues.find((i) => i.path[0] === 'plan')?.message).toBe(
      "must be one of 'free', 'pro' (received 'gold')",
    );
    expect(bad.message).toMatch(/nothing was scheduled/);
    const missing = await inputError(client.execute('signup', {}));
    expect(missing.issues).toEqual([
      { path: ['email'], message: 'is required (received nothing)' },
    ]);
    expect(await client.listExecutions()).toHaveLength(0);

    const context = { email: 'ada@example.com' };
    const result = await client.execute('signup', context, { timeout: '20s' });
    expect(result.status).toBe('Completed');
    expect(result.finalContext.get('seen')).toEqual({ email: 'ada@example.com', plan: 'free' });
    expect(context).toEqual({ email: 'ada@example.com' });
    await client.close();
    await stopRunner(runner);
  });

  it('checks what JSON Schema can express; refinements run only where the code is', async () => {
    const { runner, client } = await setUp();
    await inputError(client.executeAsync('refined', { n: 'two' }));
    // The refinement (n > 1) has no JSON Schema form: the client lets n = 0 through, the runner,
    // which has the schema object, does not.
    await expect(client.executeAsync('refined', { n: 0 })).resolves.toBeDefined();
    await inputError(runner.executeAsync('refined', { n: 0 }));
    // No JSON form at all: nothing to check.
    await expect(client.executeAsync('dated', { at: 'whenever' })).resolves.toBeDefined();
    await expect(client.executeAsync('plain', { anything: [1] })).resolves.toBeDefined();
    expect(await client.listExecutions()).toHaveLength(3);
    await client.close();
    await stopRunner(runner);
  });

  it('checks a manually fired trigger context and a cron context, as a runner does', async () => {
    const { runner, client } = await setUp();
    const idle = defineTrigger({ name: 'signups', pollInterval: '1h' }, () => false);
    await runner.registerTrigger(idle, 'signup');
    await runner.setTriggerEnabled('signups', false);

    await inputError(client.fireTrigger('signups', { email: 'nope' }));
    expect(await client.getTriggerExecutionHistory('signups')).toHaveLength(0);
    expect(await client.listExecutions()).toHaveLength(0);
    const fired = await client.fireTrigger('signups', { email: 'ada@example.com' });
    expect(fired.status).toBe('fired');

    const cron = await inputError(
      client.registerCronWorkflow('signup', '0 0 * * *', 'UTC', { context: { email: 7 } }),
    );
    expect(cron.issues.map((i) => i.path)).toEqual([['email']]);
    expect(await client.listCronSchedules()).toHaveLength(0);
    await client.registerCronWorkflow('signup', '0 0 * * *', 'UTC', {
      context: { email: 'ada@example.com' },
    });
    expect(await client.listCronSchedules()).toHaveLength(1);

    const executionId = fired.status === 'fired' ? fired.executionId : '';
    const result = await client.waitForExecution(executionId, '20s');
    expect(result.status).toBe('Completed');
    expect((result.finalContext.get('seen') as JsonObject)['email']).toBe('ada@example.com');
    await client.close();
    await stopRunner(runner);
  });

  it('cloacinactl shows the input schema and reports every issue of a bad context on one line', async () => {
    const { runner, client, url } = await setUp();
    const shown = await json<{ inputSchema: unknown }>(url, ['workflows', 'show', 'signup']);
    expect(shown.inputSchema).toEqual((await client.getWorkflow('signup'))?.inputSchema);
    const run = await cli(url, ['run', 'signup', '--context', '{"email":"nope","seats":0}']);
    expect(run.code).not.toBe(0);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(
      /^cloacinactl: INPUT_VALIDATION: Input for workflow 'signup' is invalid; nothing was scheduled: email: .*; seats: must be >= 1 \(received 0\)$/m,
    );
    expect(await client.listExecutions()).toHaveLength(0);
    await client.close();
    await stopRunner(runner);
  });
});
