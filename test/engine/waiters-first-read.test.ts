/**
 * A terminal event that comes while a wait's first read is in flight waits for that read
 * instead of reading again. A commit tells its listeners before the continuations of the reads
 * of the same group run, so that read may already hold the end (on SQLite, where a wait of this
 * process reads first, this was a second read transaction for every `execute()`). When the
 * first read came too early to see the end, the event still reads. On a real store.
 */
import { describe, expect, it } from 'vitest';
import type { ClaimedTask, EndedExecution } from '../../src/store/store.js';
import { executionOf } from '../helpers/plan.js';
import { waitersPerTest } from '../helpers/waiters.js';
import { single } from '../store/fixtures/workflows.js';

describe('waiters: a terminal event during the first read', () => {
  const under = waitersPerTest();

  /** A one-task execution with its root claimed; its id and the claimed task. */
  async function started(): Promise<{ id: string; task: ClaimedTask }> {
    const input = executionOf(single, { claimRoots: 1 });
    const { claimed } = await under.store.scheduleExecution(input);
    return { id: input.id, task: claimed[0]! };
  }

  async function end(task: ClaimedTask): Promise<void> {
    await under.store.completeTasks({
      completions: [{ ...task, output: {} }],
      nowMs: 2_000,
      runnerId: 'here',
    });
  }

  const waitFor = (id: string): Promise<EndedExecution | null> =>
    under.waiters.wait(id, new AbortController().signal);

  it('takes the end from the first read in flight, for every waiter of the execution', async () => {
    const { id, task } = await started();
    // A caller that read before the end, and waits.
    const early = waitFor(id);
    await under.reads.read;
    expect(under.reads.count).toBe(1);
    await end(task);
    // A second caller's first read is asked for after the end; the terminal event comes before
    // that read has answered.
    const late = waitFor(id);
    const heard = under.waiters.notify(id);

    const [first, second] = await Promise.all([early, late, heard]);
    expect(first?.record.status).toBe('Completed');
    expect(second?.record.status).toBe('Completed');
    // The two first reads, and none for the event.
    expect(under.reads.count).toBe(2);
  });

  it('reads again when the first read in flight came before the end', async () => {
    const { id, task } = await started();
    // The first read answers before the end is written, and its answer is held back.
    let release = (): void => undefined;
    under.reads.hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    const waiting = waitFor(id);
    under.reads.hold = undefined;
    await under.reads.read;
    await end(task);
    const heard = under.waiters.notify(id);
    release();

    const [ended] = await Promise.all([waiting, heard]);
    expect(ended?.record.status).toBe('Completed');
    // The first read saw no end, so the event read again.
    expect(under.reads.count).toBe(2);
  });
});
