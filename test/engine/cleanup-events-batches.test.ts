/**
 * `cleanupEvents` in batches: where statements run on the process's own thread (SQLite), a
 * cleanup deletes at most `BLOCKING_EVENT_BATCH_ROWS` events a transaction and lets other work
 * in between, so a big cleanup no longer freezes the runner; elsewhere it is one statement.
 * Either way it deletes exactly what one statement would.
 */
import { describe, expect, it } from 'vitest';
import { BLOCKING_EVENT_BATCH_ROWS, cleanupEventsInBatches } from '../../src/engine/prune.js';
import type { Store } from '../../src/store/store.js';
import { backend } from '../helpers/backend.js';
import { seededStore } from '../helpers/seed.js';

/** 500 ended executions with 5 events each, written at 1,000 ms, and 20 running ones. */
function seeded(): Promise<Store> {
  return seededStore(
    { prefix: 'old-', count: 500, status: 'Completed', createdAtMs: 1_000, completedAtMs: 2_000 },
    { prefix: 'open-', count: 20, status: 'Running', createdAtMs: 1_000, completedAtMs: null },
  );
}

describe('cleanupEvents in batches', () => {
  it('deletes every old event of ended executions, a batch at a time where statements block', async () => {
    const store = await seeded();
    try {
      const limits: (number | undefined)[] = [];
      const counting: Pick<Store, 'cleanupEvents' | 'reclaimSpace' | 'capabilities'> = {
        capabilities: store.capabilities,
        cleanupEvents: async (input) => {
          limits.push(input.limit);
          return store.cleanupEvents(input);
        },
        reclaimSpace: () => store.reclaimSpace(),
      };
      expect(await store.cleanupEvents({ olderThanMs: 5_000, dryRun: true })).toBe(2_500);

      expect(await cleanupEventsInBatches(counting, 5_000)).toBe(2_500);

      if (backend === 'sqlite') {
        expect(limits.every((limit) => limit === BLOCKING_EVENT_BATCH_ROWS)).toBe(true);
        // Full batches, then the one that finds fewer than a batch (none, when they divide).
        expect(limits.length).toBe(Math.floor(2_500 / BLOCKING_EVENT_BATCH_ROWS) + 1);
      } else {
        expect(limits).toEqual([undefined]);
      }
      expect(await store.cleanupEvents({ olderThanMs: 5_000, dryRun: true })).toBe(0);
      // The running executions keep their events, however old.
      expect((await store.getEvents('open-1')).length).toBe(5);
      expect(await store.getEvents('old-1')).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('deletes at most `limit` events a call', async () => {
    const store = await seeded();
    try {
      const deleted: number[] = [];
      for (;;) {
        const n = await store.cleanupEvents({ olderThanMs: 5_000, limit: 700 });
        deleted.push(n);
        if (n === 0) break;
      }
      expect(deleted).toEqual([700, 700, 700, 400, 0]);
      expect((await store.getEvents('open-20')).length).toBe(5);
    } finally {
      await store.close();
    }
  });
});
