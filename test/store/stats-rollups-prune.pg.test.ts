/**
 * A prune against a rollup in progress on PostgreSQL, where both run at once on different
 * connections: the prune waits for the rollup to commit, then takes the executions it deletes
 * off the minutes the rollup counted them in. (On SQLite both are write transactions, which
 * its single writer runs one after the other.)
 */
import pg from 'pg';
import { describe, expect } from 'vitest';
import { totalPruned } from '../../src/core/retention.js';
import { PG_URL, pgAdmin } from '../helpers/pg.js';
import { rawQuery } from '../helpers/raw.js';
import { seedExecutions } from '../helpers/seed.js';
import { test } from './contract/harness.js';

const MINUTE = 60_000;
/** When the seeded executions ended. */
const ENDED_AT = Date.UTC(2026, 0, 10, 12, 0, 30);
/** The minutes the rollup in progress covers. */
const ROLLED = { fromMs: ENDED_AT - 30_000 - 10 * MINUTE, toMs: ENDED_AT - 30_000 + 10 * MINUTE };

/**
 * Resolves once a connection of `schema`'s test waits for a lock, or once `gaveUp()` (the
 * operation expected to wait ended without waiting: the caller's assertions then fail).
 */
async function waitingOnLock(schema: string, gaveUp: () => boolean): Promise<void> {
  while (!gaveUp()) {
    const [row] = await pgAdmin<{ n: string }>(
      `SELECT COUNT(*) AS n FROM pg_stat_activity
       WHERE application_name = $1 AND wait_event_type = 'Lock'`,
      [schema],
    );
    if (Number(row?.n) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('execution statistics rollups and a prune at once on PostgreSQL', () => {
  test('a prune waits for a rollup in progress and takes its executions off it', async ({
    db,
    store,
  }) => {
    const schema = db.schema ?? '';
    await seedExecutions(db, {
      prefix: 'ended-',
      count: 100,
      status: 'Completed',
      createdAtMs: ENDED_AT - MINUTE,
      completedAtMs: ENDED_AT,
      tasks: 1,
      events: 1,
    });
    // A rollup in progress on another connection: the state row held, the executions counted
    // into their minute, the range moved, nothing committed yet.
    const rollup = new pg.Client({
      connectionString: PG_URL,
      options: `-c search_path="${schema}"`,
    });
    await rollup.connect();
    try {
      await rollup.query('BEGIN');
      await rollup.query('SELECT from_ms FROM execution_stats_rollup WHERE id = 1 FOR UPDATE');
      await rollup.query(
        `INSERT INTO execution_stats_minutes (minute_ms, completed, failed, cancelled)
         SELECT completed_at_ms / 60000 * 60000, COUNT(*), 0, 0 FROM workflow_executions
         WHERE completed_at_ms >= $1 AND completed_at_ms < $2 GROUP BY 1`,
        [ROLLED.fromMs, ROLLED.toMs],
      );
      await rollup.query('UPDATE execution_stats_rollup SET from_ms = $1, to_ms = $2', [
        ROLLED.fromMs,
        ROLLED.toMs,
      ]);
      const prune = (async () => {
        let pruned = 0;
        for (;;) {
          const batch = await store.pruneExecutions({
            cuts: [{ status: 'Completed', beforeMs: ENDED_AT + 1 }],
            limit: 1_000,
          });
          if (totalPruned(batch) === 0) return pruned;
          pruned += batch.executions;
        }
      })();
      // The prune must not finish before the rollup commits: it waits for the state row.
      let ended = false;
      void prune.finally(() => (ended = true)).catch(() => undefined);
      await Promise.race([prune, waitingOnLock(schema, () => ended)]);
      await rollup.query('COMMIT');
      expect(await prune).toBe(100);
    } finally {
      await rollup.end();
    }
    const [minutes] = await rawQuery<{ n: number | string | null }>(
      db,
      'SELECT SUM(completed) AS n FROM execution_stats_minutes',
    );
    expect(Number(minutes?.n)).toBe(0);
    const stats = await store.getExecutionStats({
      fromMs: ROLLED.fromMs,
      toMs: ROLLED.toMs + 6 * MINUTE,
      bucketMs: MINUTE,
    });
    expect(stats.ended).toEqual([]);
  });
});
