/** The code-free Client against runners in this process: stored definitions and scheduling. */
import { describe, expect, it } from 'vitest';
import { Client, NotFoundError, WorkflowNotFoundError, task, workflow } from '../../src/index.js';
import { createRunner, freshDatabase, stopRunner } from '../helpers/backend.js';
import { waitFor } from '../helpers/processes.js';

const build = (description: string) =>
  workflow({
    name: 'versioned',
    description,
    tasks: [
      task({ id: 'a' }, async (ctx) => ctx.insert('ran', description)),
      task({ id: 'b', dependencies: ['a'] }, async () => undefined),
    ],
  });

describe('Client', () => {
  it('lists the latest registered version and schedules it for a runner with the code', async () => {
    const db = freshDatabase();
    const runner = await createRunner({}, db.url);
    const v1 = build('one');
    const v2 = build('two');
    await using client = await Client.connect(db.url);
    const latest = async (): Promise<string | undefined> =>
      (await client.getWorkflow('versioned'))?.version;

    runner.register(v1);
    await waitFor(async () => (await latest()) === v1.version, 10_000, 'v1 stored');
    runner.register(v2);
    await waitFor(async () => (await latest()) === v2.version, 10_000, 'v2 stored');
    // Registering an older version again makes it the latest again (a rollback).
    runner.register(v1);
    await waitFor(async () => (await latest()) === v1.version, 10_000, 'v1 latest again');

    const [listed] = await client.listWorkflows();
    expect(listed).toMatchObject({ name: 'versioned', version: v1.version, description: 'one' });
    expect(listed?.tasks).toEqual([
      { id: 'a', dependencies: [] },
      { id: 'b', dependencies: ['a'] },
    ]);

    const handle = await client.executeAsync('versioned', { from: 'client' });
    const result = await handle.wait('20s');
    expect(result).toMatchObject({ status: 'Completed', workflowVersion: v1.version });
    expect(result.finalContext.get('ran')).toBe('one');
    expect(
      (await client.listExecutions({ workflowName: 'versioned' })).map((r) => r.executionId),
    ).toEqual([handle.executionId]);
    expect((await client.getExecutionEvents(handle.executionId)).at(-1)?.type).toBe(
      'workflow_completed',
    );

    await expect(client.execute('unknown')).rejects.toBeInstanceOf(WorkflowNotFoundError);
    await expect(client.getExecutionStatus('nope')).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.executeAsync('versioned', [] as never)).rejects.toThrow(
      /plain JSON object/,
    );
    await stopRunner(runner);
  });

  it('times out a wait without cancelling, and can cancel and pause by id', async () => {
    const db = freshDatabase();
    // A runner stores the definition but is gone: nothing executes what the client schedules.
    const runner = await createRunner({}, db.url);
    runner.register(build('idle'));
    await stopRunner(runner);
    await using client = await Client.connect(db.url, { waitPollInterval: '20ms' });

    const handle = await client.executeAsync('versioned');
    await expect(handle.wait('100ms')).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(await handle.status()).toBe('Pending');
    await client.pauseExecution(handle.executionId, 'maintenance');
    expect(await handle.status()).toBe('Paused');
    await client.resumeExecution(handle.executionId);
    await client.cancelExecution(handle.executionId);
    expect((await handle.wait('5s')).status).toBe('Cancelled');
    await client.close();
    await expect(client.listWorkflows()).rejects.toMatchObject({ code: 'SHUTDOWN' });
  });
});
