/**
 * NUL characters outside the free text of outcomes: a workflow's description is free text and is
 * stored with U+FFFD on both backends (PostgreSQL refused it, so the definition silently went
 * unstored); a runner name and a list filter are names, and are refused where they are given.
 */
import { describe, expect, it } from 'vitest';
import { Client, ConfigError, task, workflow } from '../../src/index.js';
import { createRunner, freshDatabaseUrl, stopRunner } from '../helpers/backend.js';
import { waitFor } from '../helpers/wait.js';

describe('NUL characters', () => {
  it("in a workflow's description are stored as U+FFFD", async () => {
    const url = freshDatabaseUrl();
    const runner = await createRunner({}, url);
    runner.register(
      workflow({
        name: 'described',
        description: 'before\u0000after',
        tasks: [task({ id: 'only' }, () => undefined)],
      }),
    );
    const client = await Client.connect(url);
    try {
      const stored = await waitFor(() => client.getWorkflow('described'), 5_000, 'the definition');
      expect(stored.description).toBe('before\uFFFDafter');
    } finally {
      await client.close();
      await stopRunner(runner);
    }
  });

  it('in a runner name are refused at create', async () => {
    await expect(createRunner({ runnerName: 'runner\u0000one' })).rejects.toThrow(ConfigError);
    await expect(createRunner({ runnerId: 'id\u0007' })).rejects.toThrow(/control characters/);
  });

  it('in a workflowName filter are refused with a ConfigError', async () => {
    const runner = await createRunner();
    await expect(runner.listExecutions({ workflowName: 'a\u0000b' })).rejects.toThrow(
      /workflowName must be a string without NUL characters/,
    );
    await stopRunner(runner);
  });
});
