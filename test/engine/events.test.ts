import { describe, expect, it } from 'vitest';
import { TaskError, task, workflow } from '../../src/index.js';
import { createRunner, stopRunner } from '../helpers/backend.js';

describe('execution events', () => {
  it('stores event data exactly, whatever characters it holds', async () => {
    const runner = await createRunner();
    const message = `it's a \\ back'slash, $$ dollars $$, "quotes", ü, 😀, ? marks ?\nand a newline`;
    runner.register(
      workflow({
        name: 'odd_message',
        tasks: [
          task({ id: 'boom' }, () => {
            throw new TaskError(message, { retryable: false });
          }),
        ],
      }),
    );
    const result = await runner.execute('odd_message');
    expect(result.status).toBe('Failed');
    const events = await runner.getExecutionEvents(result.executionId);
    expect(events.map((e) => e.type)).toEqual([
      'task_ready',
      'workflow_started',
      'task_started',
      'task_failed',
      'workflow_failed',
    ]);
    expect(events.find((e) => e.type === 'task_failed')?.data?.error).toBe(message);
    // Ids grow in the order the events happened.
    const ids = events.map((e) => e.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    await stopRunner(runner);
  });
});
