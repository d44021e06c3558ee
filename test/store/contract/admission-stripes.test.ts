/**
 * Store contract, roomy concurrency groups: a group whose limit leaves room for every stripe's
 * holders is locked on one stripe by a start far below the limit (PostgreSQL), and the count
 * stays exact when starts and ends race near the limit from two stores: never more places than
 * the limit, never a place left free while an execution waits.
 */
import { describe, expect } from 'vitest';
import { GROUP_STRIPES, STRIPE_STARTS } from '../../../src/store/ops/admission-core.js';
import type { Store } from '../../../src/store/store.js';
import { backend } from '../../helpers/backend.js';
import { rawQuery } from '../../helpers/raw.js';
import { RUNNER, schedule, test } from './harness.js';
import { single } from '../fixtures/workflows.js';

/** Just roomy: one stripe may do only while fewer than 20 + 1 places are taken. */
const LIMIT = GROUP_STRIPES * STRIPE_STARTS + 20;
const group = { key: 'roomy', limit: LIMIT };

/** Runs `work` for each of `items`, `width` at a time, alternating between `stores`. */
async function race<T>(
  items: readonly T[],
  stores: readonly Store[],
  width: number,
  work: (store: Store, item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async (_, lane) => {
      while (next < items.length) {
        const item = items[next++]!;
        await work(stores[lane % stores.length]!, item);
      }
    }),
  );
}

describe.concurrent('store contract: roomy concurrency groups', () => {
  test('a start far below the limit locks one stripe of its group', async ({ store, db }) => {
    const first = await schedule(store, single, { concurrency: group });
    expect(first.record.status).toBe('Pending');
    const rows = await rawQuery<{ n: number }>(
      db,
      'SELECT COUNT(*) AS n FROM concurrency_groups WHERE group_key = ?',
      ['roomy'],
    );
    // SQLite's single writer is the lock and writes no row; PostgreSQL created (and locked) one
    // stripe, where a whole-group lock creates all of them.
    expect(Number(rows[0]!.n)).toBe(backend === 'postgres' ? 1 : 0);
  });

  test('racing starts and ends near the limit keep the count exact', async ({
    store,
    another,
    db,
  }) => {
    const stores = [store, await another()];
    const counts = async (): Promise<Record<string, number>> => {
      const rows = await rawQuery<{ status: string; n: number }>(
        db,
        `SELECT status, COUNT(*) AS n FROM workflow_executions
         WHERE concurrency_key = 'roomy' GROUP BY status`,
      );
      return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
    };
    const pending = async (n: number): Promise<string[]> =>
      (
        await rawQuery<{ id: string }>(
          db,
          `SELECT id FROM workflow_executions WHERE concurrency_key = 'roomy' AND status = 'Pending'
           ORDER BY id LIMIT ?`,
          [n],
        )
      ).map((row) => row.id);
    const cancel = (s: Store, id: string): Promise<unknown> =>
      s.cancelExecution({ executionId: id, nowMs: 3_000, runnerId: RUNNER });
    const start = (s: Store, i: number): Promise<unknown> =>
      schedule(s, single, { concurrency: group, nowMs: 1_000 + i });

    // 1. Starts race past the limit: far below it on one stripe, near it whole.
    await race(
      Array.from({ length: LIMIT + 40 }, (_, i) => i),
      stores,
      16,
      start,
    );
    expect(await counts()).toEqual({ Pending: LIMIT, Queued: 40 });

    // 2. Ends race while executions wait: each end admits one, in order.
    await race(await pending(30), stores, 8, cancel);
    expect(await counts()).toEqual({ Pending: LIMIT, Queued: 10, Cancelled: 30 });

    // 3. Ends and starts race across the limit: the queue drains, then starts take the places.
    const ends = (await pending(60)).map((id) => ({ end: id }));
    const starts = Array.from({ length: 45 }, (_, i) => ({ start: 10_000 + i }));
    const mixed = ends.flatMap((end, i) => (i < starts.length ? [end, starts[i]!] : [end]));
    await race(mixed, stores, 12, (s, item) =>
      'end' in item ? cancel(s, item.end) : start(s, item.start),
    );
    // 60 ended, 10 + 45 more wanted a place: all of them fit.
    expect(await counts()).toEqual({ Pending: LIMIT - 5, Cancelled: 90 });
  });
});
