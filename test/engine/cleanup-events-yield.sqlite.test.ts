/**
 * A cleanup of events on SQLite, whose statements run on the process's own thread, runs in
 * batches, and work asked for meanwhile commits between two of them: one DELETE of every old
 * event held up everything the process did until it ended (5.5 s for 2.5 million events).
 */
import { expect, it } from 'vitest';
import { BLOCKING_EVENT_BATCH_ROWS, cleanupEventsInBatches } from '../../src/engine/prune.js';
import { seededStore } from '../helpers/seed.js';

it('lets a write asked for meanwhile commit before the cleanup ends', async () => {
  // Three batches' worth of events.
  const store = await seededStore({
    prefix: 'old-',
    count: Math.ceil((3 * BLOCKING_EVENT_BATCH_ROWS) / 5),
    status: 'Completed',
    createdAtMs: 1_000,
    completedAtMs: 2_000,
  });
  try {
    const order: string[] = [];
    const cleanup = cleanupEventsInBatches(
      {
        capabilities: store.capabilities,
        cleanupEvents: (input) => {
          order.push('batch');
          return store.cleanupEvents(input);
        },
        reclaimSpace: () => store.reclaimSpace(),
      },
      5_000,
    );
    const write = store
      .recordTriggerError({
        triggerName: 'sensor',
        workflowName: 'w',
        errorMessage: 'offline',
        nowMs: 9_000,
      })
      .then(() => order.push('write'));
    expect(await cleanup).toBe(3 * BLOCKING_EVENT_BATCH_ROWS);
    await write;
    // The write committed between two batches, not after the last.
    expect(order.filter((step) => step === 'batch').length).toBeGreaterThanOrEqual(3);
    expect(order.indexOf('write')).toBeLessThan(order.lastIndexOf('batch'));
  } finally {
    await store.close();
  }
});
