/**
 * The hand-over of ended executions from the write that ends them to the callers waiting here
 * (`Waiters.expect` / `handOver`), on a real store: while a write is expected to bring an
 * execution, its terminal event reads nothing; when the write does not bring it (another
 * transaction ended it, or the write failed), that event is read after all, so no caller is
 * left to the slow backstop poll.
 */
import { describe, expect, it } from 'vitest';
import type { EndedExecution } from '../../src/store/store.js';
import { executionOf } from '../helpers/plan.js';
import { waitersPerTest } from '../helpers/waiters.js';
import { single } from '../store/fixtures/workflows.js';

/** Whether `promise` has settled, after the reads in flight had every chance to finish. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('waiters: executions handed over by the write that ends them', () => {
  const under = waitersPerTest();

  /** A scheduled one-task execution with a caller registered on it (nothing ended yet). */
  async function waited(): Promise<{ id: string; wait: Promise<EndedExecution | null> }> {
    const { record } = await under.store.scheduleExecution(executionOf(single, { claimRoots: 0 }));
    const wait = under.waiters.wait(record.id, new AbortController().signal);
    // Its first read found nothing ended; an end from here on comes by event or hand-over.
    await under.reads.read;
    expect(under.waiters.expect([record.id, 'nobody-waits'])).toEqual([record.id]);
    return { id: record.id, wait };
  }

  it('an end the write brings wakes the caller with what the write read', async () => {
    const { id, wait } = await waited();
    await under.store.cancelExecution({ executionId: id, nowMs: 2_000, runnerId: 'runner-1' });
    const [ended] = await under.store.getEndedExecutions([id]);
    await under.waiters.notify(id);
    expect(await settled(wait)).toBe(false);

    under.waiters.handOver([id], [ended!]);

    expect(await wait).toBe(ended);
  });

  it('an end the write did not bring is read once its hold ends', async () => {
    const { id, wait } = await waited();
    // Another transaction ends it while the write is in flight; its event comes meanwhile.
    await under.store.cancelExecution({ executionId: id, nowMs: 2_000, runnerId: 'runner-1' });
    await under.waiters.notify(id);
    expect(await settled(wait)).toBe(false);

    // The write failed, or ended nothing: it brings nothing.
    under.waiters.handOver([id], []);

    expect((await wait)?.record.status).toBe('Cancelled');
  });

  it('a hold of two writes ends with the second; without a terminal event nothing is read', async () => {
    const { id, wait } = await waited();
    expect(under.waiters.expect([id])).toEqual([id]);
    await under.store.cancelExecution({ executionId: id, nowMs: 2_000, runnerId: 'runner-1' });
    await under.waiters.notify(id);

    under.waiters.handOver([id], []);
    expect(await settled(wait)).toBe(false);
    under.waiters.handOver([id], []);
    expect((await wait)?.record.status).toBe('Cancelled');

    // No event, nothing brought: the caller is left to the backstop poll, which finds it.
    const other = await waited();
    await under.store.cancelExecution({
      executionId: other.id,
      nowMs: 3_000,
      runnerId: 'runner-1',
    });
    under.waiters.handOver([other.id], []);
    expect(await settled(other.wait)).toBe(false);
    await under.waiters.poll();
    expect((await other.wait)?.record.status).toBe('Cancelled');
  });
});
