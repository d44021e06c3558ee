/**
 * A wait for an execution this process has just created reads nothing first (`Waiters.creating`)
 * where another process's end would be announced (PostgreSQL): the end is still to come, and
 * comes as a terminal event or a wake-up that polls. The first read comes back when the end may
 * have happened unheard of: after a wake-up from another process, a terminal event, a failed or
 * de-duplicated start, and always on SQLite, where another process's commit announces nothing.
 * On a real store; the ends are written behind the waiters' back, as another process would.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BatchedReads } from '../../src/engine/batched-reads.js';
import { Waiters } from '../../src/engine/waiters.js';
import { openStore } from '../../src/store/open.js';
import type { EndedExecution, Store } from '../../src/store/store.js';
import { freshDatabaseUrl } from '../helpers/backend.js';
import { executionOf } from '../helpers/plan.js';
import { single } from '../store/fixtures/workflows.js';

/** The waiters' reads, counted. */
class CountedReads extends BatchedReads {
  count = 0;

  override ended(executionId: string): Promise<EndedExecution | null> {
    this.count += 1;
    return super.ended(executionId);
  }
}

/** Lets the reads asked for in this turn be sent and answered. */
async function turns(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

describe('waiters: executions this process has just created', () => {
  let store: Store;
  let waiters: Waiters;
  let reads: CountedReads;
  beforeEach(async () => {
    store = await openStore(freshDatabaseUrl());
    await store.migrate();
    reads = new CountedReads(store);
    waiters = new Waiters(store, reads);
  });
  afterEach(async () => {
    await store.close();
  });

  /** Creates a one-task execution, announced to the waiters first, and ends it unannounced. */
  async function createdAndEnded(): Promise<string> {
    const input = executionOf(single, { claimRoots: 1 });
    waiters.creating(input.id);
    const { claimed } = await store.scheduleExecution(input);
    await store.completeTasks({
      completions: [{ ...claimed[0]!, output: {} }],
      nowMs: 2_000,
      runnerId: 'elsewhere',
    });
    return input.id;
  }

  /** A wait for `id` until it resolves (a test that breaks times out here). */
  const waitFor = (id: string): Promise<EndedExecution | null> =>
    waiters.wait(id, new AbortController().signal);

  /** A wait for `id` given `turns()` to read; the caller's result, or null when it still waits. */
  async function waitBriefly(id: string): Promise<EndedExecution | null> {
    const stop = new AbortController();
    const wait = waiters.wait(id, stop.signal);
    await turns();
    stop.abort();
    return wait;
  }

  it('reads nothing first where ends are announced, and reads again once one may have gone unheard', async () => {
    const id = await createdAndEnded();
    const announced = store.capabilities.listenNotify;

    const first = await waitBriefly(id);

    if (announced) {
      // Its end can only come by event or wake-up, and neither came: nothing read, still waiting.
      expect([first, reads.count]).toEqual([null, 0]);
      waiters.remoteEnds();
    } else {
      // SQLite: the first read finds the end another process wrote.
      expect(first?.record.status).toBe('Completed');
    }
    const again = await waitFor(id);
    expect(again?.record.status).toBe('Completed');
    expect(reads.count).toBe(announced ? 1 : 2);
  });

  it('reads first again after the terminal event, or when the start wrote nothing new', async () => {
    const heard = await createdAndEnded();
    await waiters.notify(heard);
    expect((await waitFor(heard))?.record.status).toBe('Completed');

    const existing = await createdAndEnded();
    waiters.creating(existing);
    waiters.notCreated(existing);
    expect((await waitFor(existing))?.record.status).toBe('Completed');
    expect(reads.count).toBe(2);
  });
});
