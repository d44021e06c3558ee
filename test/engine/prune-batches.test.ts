/**
 * The size of pruning's batches follows the backend: where statements run on the process's own
 * thread (SQLite), every batch holds up everything else, so batches are small; elsewhere they
 * are larger. Each batch stays within its size and the run deletes everything due.
 */
import { describe, expect, it } from 'vitest';
import { totalPruned } from '../../src/core/retention.js';
import {
  BLOCKING_PRUNE_BATCH_ROWS,
  PRUNE_BATCH_ROWS,
  pruneBatchRows,
  runPrune,
} from '../../src/engine/prune.js';
import { backend } from '../helpers/backend.js';
import { seededStore } from '../helpers/seed.js';

describe('prune batches', () => {
  it('are small where statements block the process, and each stays within its size', async () => {
    // 300 ended executions of 3 tasks and 5 events each: 2,700 rows.
    const store = await seededStore({
      prefix: 'old-',
      count: 300,
      status: 'Completed',
      createdAtMs: 1_000,
      completedAtMs: 2_000,
    });
    try {
      const limit = pruneBatchRows(store);
      expect(limit).toBe(backend === 'sqlite' ? BLOCKING_PRUNE_BATCH_ROWS : PRUNE_BATCH_ROWS);
      const batches: number[] = [];
      const total = await runPrune({
        store,
        plan: { executions: [{ status: 'Completed', ageMs: 0 }], historyMs: null },
        nowMs: 10_000,
        onBatch: (counts) => batches.push(totalPruned(counts)),
      });
      expect(total.executions).toBe(300);
      expect(Math.max(...batches)).toBeLessThanOrEqual(limit);
      expect(batches.length).toBeGreaterThanOrEqual(Math.ceil(totalPruned(total) / limit));
    } finally {
      await store.close();
    }
  });
});
