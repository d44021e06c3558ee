/**
 * A wait for an execution this process has just created reads nothing first (`Waiters.creating`)
 * where another process's end would be announced (PostgreSQL): the end is still to come, and
 * comes as a terminal event or a wake-up that polls. The first read comes back when the end may
 * have happened unheard of: after a wake-up from another process, a terminal event, a failed or
 * de-duplicated start, and always on SQLite, where another process's commit announces nothing.
 * On a real store; the ends are written behind the waiters' back, as another process would.
 */
import { describe, expect, it } from 'vitest';
import type { EndedExecution } from '../../src/store/store.js';
import { executionOf } from '../helpers/plan.js';
import { waitersPerTest } from '../helpers/waiters.js';
import { single } from '../store/fixtures/workflows.js';

/** Lets the reads asked for in this turn be sent and answered. */
async function turns(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

describe('waiters: executions this process has just created', () => {
  const under = waitersPerTest();

  /** Creates a one-task execution, announced to the waiters first, and ends it unannounced. */
  async function createdAndEnded(): Promise<string> {
    const input = executionOf(single, { claimRoots: 1 });
    under.waiters.creating(input.id);
    const { claimed } = await under.store.scheduleExecution(input);
    await under.store.completeTasks({
      completions: [{ ...claimed[0]!, output: {} }],
      nowMs: 2_000,
      runnerId: 'elsewhere',
    });
    return input.id;
  }

  /** A wait for `id` until it resolves (a test that breaks times out here). */
  const waitFor = (id: string): Promise<EndedExecution | null> =>
    under.waiters.wait(id, new AbortController().signal);

  /** A wait for `id` given `turns()` to read; the caller's result, or null when it still waits. */
  async function waitBriefly(id: string): Promise<EndedExecution | null> {
    const stop = new AbortController();
    const wait = under.waiters.wait(id, stop.signal);
    await turns();
    stop.abort();
    return wait;
  }

  it('reads nothing first where ends are announced, and reads again once one may have gone unheard', async () => {
    const id = await createdAndEnded();
    const announced = under.store.capabilities.listenNotify;

    const first = await waitBriefly(id);

    if (announced) {
      // Its end can only come by event or wake-up, and neither came: nothing read, still waiting.
      expect([first, under.reads.count]).toEqual([null, 0]);
      under.waiters.remoteEnds();
    } else {
      // SQLite: the first read finds the end another process wrote.
      expect(first?.record.status).toBe('Completed');
    }
    const again = await waitFor(id);
    expect(again?.record.status).toBe('Completed');
    expect(under.reads.count).toBe(announced ? 1 : 2);
  });

  it('reads first again after the terminal event, or when the start wrote nothing new', async () => {
    const heard = await createdAndEnded();
    await under.waiters.notify(heard);
    expect((await waitFor(heard))?.record.status).toBe('Completed');

    const existing = await createdAndEnded();
    under.waiters.creating(existing);
    under.waiters.notCreated(existing);
    expect((await waitFor(existing))?.record.status).toBe('Completed');
    expect(under.reads.count).toBe(2);
  });
});
