/**
 * Waiters on a real store for the waiters' tests: a fresh, migrated database per test, and the
 * waiters' reads counted (and, on request, held back).
 */
import { afterEach, beforeEach } from 'vitest';
import { BatchedReads } from '../../src/engine/batched-reads.js';
import { Waiters } from '../../src/engine/waiters.js';
import { openStore } from '../../src/store/open.js';
import type { EndedExecution, Store } from '../../src/store/store.js';
import { freshDatabaseUrl } from './backend.js';

/**
 * The waiters' reads of ended executions, counted as they are asked for; `read` is the database
 * read of the last one. While `hold` is set, a read asked for keeps its answer from the waiters
 * until `hold` settles.
 */
export class CountedReads extends BatchedReads {
  count = 0;
  hold: Promise<void> | undefined;
  read: Promise<unknown> = Promise.resolve();

  override async ended(executionId: string): Promise<EndedExecution | null> {
    this.count += 1;
    const hold = this.hold;
    const read = super.ended(executionId);
    this.read = read.catch(() => undefined);
    const answer = await read;
    await hold;
    return answer;
  }
}

/** What {@link waitersPerTest} sets up for the running test. */
export interface WaitersUnderTest {
  readonly store: Store;
  readonly waiters: Waiters;
  readonly reads: CountedReads;
}

/** Registers hooks that give each test of the file its own store and waiters. */
export function waitersPerTest(): WaitersUnderTest {
  const current = {} as { store: Store; waiters: Waiters; reads: CountedReads };
  beforeEach(async () => {
    current.store = await openStore(freshDatabaseUrl());
    await current.store.migrate();
    current.reads = new CountedReads(current.store);
    current.waiters = new Waiters(current.store, current.reads);
  });
  afterEach(async () => {
    await current.store.close();
  });
  return current;
}
