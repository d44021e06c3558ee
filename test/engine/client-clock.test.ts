/**
 * A client given a clock reads "now" from it, never from the wall clock: the times it records,
 * the cut of `cleanupEvents` and `prune`, and the deadline of its waits.
 */
import { describe, expect, it } from 'vitest';
import {
  Client,
  ConfigError,
  ManualClock,
  TimeoutError,
  task,
  workflow,
  type Clock,
} from '../../src/index.js';
import { createRunner, freshDatabase, stopRunner } from '../helpers/backend.js';

const HOUR = 3_600_000;

/** A database holding the stored definition of `tick` and one Completed execution of it. */
async function databaseWithOneRun(): Promise<{ url: string; executionId: string }> {
  const db = freshDatabase();
  const runner = await createRunner({}, db.url);
  try {
    runner.register(workflow({ name: 'tick', tasks: [task({ id: 'noop' }, () => undefined)] }));
    await runner.definitionsStored();
    const result = await runner.execute('tick');
    expect(result.status).toBe('Completed');
    return { url: db.url, executionId: result.executionId };
  } finally {
    await stopRunner(runner);
  }
}

describe('a client with a clock', () => {
  it('cuts cleanupEvents and prune at the clock, not at the wall clock', async () => {
    const { url, executionId } = await databaseWithOneRun();
    const clock = new ManualClock(Date.now());
    const client = await Client.connect(url, { clock });
    try {
      const events = (await client.getExecutionEvents(executionId)).length;
      expect(events).toBeGreaterThan(0);
      expect(await client.cleanupEvents({ olderThan: '1h', dryRun: true })).toBe(0);
      expect(await client.prune({ olderThan: '1h', dryRun: true })).toMatchObject({
        executions: 0,
      });
      // Two hours later by the client's clock only: the wall clock would still find nothing.
      clock.advance(2 * HOUR);
      expect(await client.cleanupEvents({ olderThan: '1h', dryRun: true })).toBe(events);
      expect(await client.prune({ olderThan: '1h', dryRun: true })).toMatchObject({
        executions: 1,
        dryRun: true,
      });
      expect(await client.cleanupEvents({ olderThan: '1h' })).toBe(events);
      expect(await client.getExecutionEvents(executionId)).toEqual([]);
      expect(await client.prune({ olderThan: '1h' })).toMatchObject({ executions: 1 });
      expect(await client.listExecutions()).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('schedules and cancels at the clock', async () => {
    const { url } = await databaseWithOneRun();
    const at = Date.UTC(2031, 0, 2, 3, 4, 5);
    const clock = new ManualClock(at);
    const client = await Client.connect(url, { clock });
    try {
      // No runner is left: the execution stays as the client wrote it.
      const handle = await client.executeAsync('tick');
      expect((await client.getExecutionSummary(handle.executionId)).createdAt).toEqual(
        new Date(at),
      );
      clock.advance(60_000);
      await client.cancelExecution(handle.executionId);
      const cancelled = await client.getExecutionSummary(handle.executionId);
      expect(cancelled.status).toBe('Cancelled');
      expect(cancelled.completedAt).toEqual(new Date(at + 60_000));
    } finally {
      await client.close();
    }
  });

  it('ends a wait when the clock passes its deadline', async () => {
    const { url } = await databaseWithOneRun();
    const clock = new ManualClock(Date.now());
    const client = await Client.connect(url, { clock, waitPollInterval: '20ms' });
    const handle = await client.executeAsync('tick');
    // Nothing runs it; by the wall clock the wait would last an hour.
    const waiting = client.waitForExecution(handle.executionId, '1h');
    const ticking = setInterval(() => clock.advance(2 * HOUR), 20);
    try {
      await expect(waiting).rejects.toBeInstanceOf(TimeoutError);
    } finally {
      clearInterval(ticking);
      await client.cancelExecution(handle.executionId);
      await client.close();
    }
  });

  it('rejects a clock without now() with a ConfigError naming the option', async () => {
    const { url } = await databaseWithOneRun();
    const error = await Client.connect(url, { clock: {} as Clock }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('clock');
  });
});
