/**
 * Execution statistics over minute rollups, on both backends: whatever has been rolled up, the
 * counts equal a count of the executions themselves, for random histories and windows cut in
 * every kind of bucket (whole minutes or not, unaligned starts); an end committed late within
 * the margin is counted; two stores rolling up at once count every minute once; a prune leaves
 * the counts equal to what remains.
 */
import { describe, expect } from 'vitest';
import { totalPruned } from '../../src/core/retention.js';
import type { ExecutionCut } from '../../src/store/ops/prune.js';
import type { ExecutionStatsQuery, ExecutionStatsRecord } from '../../src/store/ops/stats.js';
import { ROLLUP_KEEP_MS, ROLLUP_MARGIN_MS } from '../../src/store/ops/stats-rollups.js';
import type { Store } from '../../src/store/store.js';
import type { FreshDatabase } from '../helpers/backend.js';
import { rawQuery, rawTransaction } from '../helpers/raw.js';
import { test } from './contract/harness.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** "Now" of the first reads: not on a minute, so every edge is partial. */
const NOW = Date.UTC(2026, 0, 15, 12, 34, 56, 789);

type Ended = 'Completed' | 'Failed' | 'Cancelled';
const ENDED: readonly Ended[] = ['Completed', 'Failed', 'Cancelled'];

/** An ended execution: when it ended and how. */
interface End {
  readonly atMs: number;
  readonly status: Ended;
}

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `count` ends spread over `[fromMs, toMs)`, some sharing a millisecond or a minute's edge. */
function randomEnds(seed: number, count: number, fromMs: number, toMs: number): End[] {
  const next = random(seed);
  return Array.from({ length: count }, () => {
    const roll = next();
    // A tenth exactly on a minute or an hour, where off-by-one mistakes would show.
    const raw = fromMs + Math.floor(next() * (toMs - fromMs));
    const atMs =
      roll < 0.05
        ? Math.floor(raw / MINUTE) * MINUTE
        : roll < 0.1
          ? Math.floor(raw / HOUR) * HOUR - 1
          : raw;
    return { atMs, status: ENDED[Math.floor(next() * 3)] ?? 'Completed' };
  });
}

let nextId = 0;

/** Writes ended executions (no tasks, no events) behind the store's back. */
async function insertEnds(db: FreshDatabase, ends: readonly End[]): Promise<void> {
  const statements = [];
  for (let i = 0; i < ends.length; i += 400) {
    const chunk = ends.slice(i, i + 400);
    statements.push({
      sql: `INSERT INTO workflow_executions
        (id, workflow_name, workflow_version, status, initial_context, open_tasks,
         created_at_ms, started_at_ms, completed_at_ms, updated_at_ms)
        VALUES ${chunk.map(() => "(?, 'stats', 'v1', ?, '{}', 0, ?, ?, ?, ?)").join(', ')}`,
      params: chunk.flatMap((end) => {
        nextId += 1;
        const started = end.atMs - 1_000;
        return [`stats-${nextId}`, end.status, started, started, end.atMs, end.atMs];
      }),
    });
  }
  await rawTransaction(db, statements);
}

/** The ends still in the database, read behind the store's back. */
async function storedEnds(db: FreshDatabase): Promise<End[]> {
  const rows = await rawQuery<{ completed_at_ms: number | string; status: Ended }>(
    db,
    'SELECT completed_at_ms, status FROM workflow_executions WHERE completed_at_ms IS NOT NULL',
  );
  return rows.map((row) => ({ atMs: Number(row.completed_at_ms), status: row.status }));
}

/** What the statistics must say about `ends`: counted one by one. */
function expected(ends: readonly End[], query: ExecutionStatsQuery): ExecutionStatsRecord['ended'] {
  const counts = new Map<string, number>();
  for (const { atMs, status } of ends) {
    if (atMs < query.fromMs || atMs >= query.toMs) continue;
    const key = `${Math.floor((atMs - query.fromMs) / query.bucketMs)} ${status}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return inOrder(
    [...counts].map(([key, count]) => {
      const [bucket, status] = key.split(' ') as [string, Ended];
      return { bucket: Number(bucket), status, count };
    }),
  );
}

/** Rows in a fixed order: the contract says what is counted, not in which order. */
function inOrder(rows: ExecutionStatsRecord['ended']): ExecutionStatsRecord['ended'] {
  return [...rows].sort((a, b) => a.bucket - b.bucket || a.status.localeCompare(b.status));
}

/** The query `getExecutionStats({ window, bucket })` makes at `nowMs` (see the engine). */
function windowQuery(nowMs: number, windowMs: number, bucketMs: number): ExecutionStatsQuery {
  const count = Math.ceil(windowMs / bucketMs);
  const fromMs = (Math.floor(nowMs / bucketMs) - (count - 1)) * bucketMs;
  return { fromMs, toMs: nowMs + 1, bucketMs };
}

/** Windows and buckets the API allows, in whole minutes or not. */
const SHAPES: readonly [windowMs: number, bucketMs: number][] = [
  [7 * DAY, HOUR],
  [7 * DAY, 7 * MINUTE],
  [7 * DAY, 421_000],
  [7 * DAY, 6 * DAY],
  [7 * DAY, 7 * DAY],
  [3 * DAY, HOUR + 1_000],
  [2 * DAY, 187_000],
  [DAY, MINUTE],
  [DAY, 90_000],
  [6 * HOUR, 15_000],
  [HOUR, 10_000],
  [HOUR, MINUTE],
  [HOUR, 7 * MINUTE],
];

/** Every shape at `nowMs` equals a count of `ends`; also one start on no boundary at all. */
async function expectExact(store: Store, ends: readonly End[], nowMs: number): Promise<void> {
  const queries = SHAPES.map(([w, b]) => windowQuery(nowMs, w, b));
  queries.push({ fromMs: nowMs - 5 * DAY + 12_345, toMs: nowMs - HOUR + 777, bucketMs: HOUR });
  for (const query of queries) {
    const stats = await store.getExecutionStats(query);
    expect(inOrder(stats.ended), JSON.stringify(query)).toEqual(expected(ends, query));
  }
}

/** The minutes rolled up and the sum of their rows, by outcome, read behind the store's back. */
async function rollups(db: FreshDatabase): Promise<{ fromMs: number; toMs: number; rows: number }> {
  const [state] = await rawQuery<{ from_ms: number | string; to_ms: number | string }>(
    db,
    'SELECT from_ms, to_ms FROM execution_stats_rollup',
  );
  const [count] = await rawQuery<{ n: number | string }>(
    db,
    'SELECT COUNT(*) AS n FROM execution_stats_minutes',
  );
  return { fromMs: Number(state?.from_ms), toMs: Number(state?.to_ms), rows: Number(count?.n) };
}

/** The rolled-up counts, minute by minute, against a count of `ends` in the same minutes. */
async function expectRollupsEqual(db: FreshDatabase, ends: readonly End[]): Promise<void> {
  const { fromMs, toMs } = await rollups(db);
  const rows = await rawQuery<{
    minute_ms: number | string;
    completed: number | string;
    failed: number | string;
    cancelled: number | string;
  }>(db, 'SELECT minute_ms, completed, failed, cancelled FROM execution_stats_minutes');
  const stored = new Map<number, number[]>();
  for (const row of rows) {
    const counts = [Number(row.completed), Number(row.failed), Number(row.cancelled)];
    if (counts.some((n) => n !== 0)) stored.set(Number(row.minute_ms), counts);
  }
  const counted = new Map<number, number[]>();
  for (const { atMs, status } of ends) {
    if (atMs < fromMs || atMs >= toMs) continue;
    const minute = Math.floor(atMs / MINUTE) * MINUTE;
    const counts = counted.get(minute) ?? [0, 0, 0];
    counted.set(
      minute,
      counts.map((n, i) => (ENDED[i] === status ? n + 1 : n)),
    );
  }
  const sorted = (map: Map<number, number[]>): [number, number[]][] =>
    [...map].sort((a, b) => a[0] - b[0]);
  expect(sorted(stored)).toEqual(sorted(counted));
}

/** Prunes `cuts` batch after batch until nothing is left. */
async function pruneAll(store: Store, cuts: readonly ExecutionCut[]): Promise<number> {
  let pruned = 0;
  for (;;) {
    const batch = await store.pruneExecutions({ cuts, limit: 150 });
    if (totalPruned(batch) === 0) return pruned;
    pruned += batch.executions;
  }
}

describe.concurrent('execution statistics over minute rollups', () => {
  for (const seed of [1, 2]) {
    test(`equal a count of the executions for random histories, windows and buckets (seed ${seed})`, async ({
      db,
      store,
    }) => {
      const ends = randomEnds(seed, 3_000, NOW - 16 * DAY, NOW + 2 * DAY);
      await insertEnds(db, ends);
      // Reads move on in time: the range grows at its end and loses what is older than its
      // keep (ten days on), and a read with a past "now" grows it back at its start.
      const nows = [NOW, NOW + 3 * HOUR + 17_000, NOW + DAY + 1, NOW + 10 * DAY, NOW - 2 * DAY];
      for (const nowMs of nows) {
        await expectExact(store, ends, nowMs);
        await expectRollupsEqual(db, ends);
        if (nowMs === NOW + 10 * DAY) {
          const keep = Math.floor((nowMs - ROLLUP_MARGIN_MS) / MINUTE) * MINUTE - ROLLUP_KEEP_MS;
          expect((await rollups(db)).fromMs).toBe(keep);
          const [older] = await rawQuery<{ n: number | string }>(
            db,
            'SELECT COUNT(*) AS n FROM execution_stats_minutes WHERE minute_ms < ?',
            [keep],
          );
          expect(Number(older?.n)).toBe(0);
        }
      }
      await expectRollupsEqual(db, ends);
      const { fromMs, toMs, rows } = await rollups(db);
      // Rolled up to five minutes (and a part) before the latest "now", back to the start of
      // the week before the past "now".
      expect(toMs).toBe(Math.floor((NOW + 10 * DAY - ROLLUP_MARGIN_MS) / MINUTE) * MINUTE);
      expect(fromMs).toBeLessThanOrEqual(NOW - 9 * DAY + HOUR);
      expect(rows).toBeGreaterThan(1_000);
    });
  }

  test('sum the rollups for the minutes rolled up, and count the recent edge itself', async ({
    db,
    store,
  }) => {
    await insertEnds(db, randomEnds(3, 500, NOW - 8 * DAY, NOW));
    const query = windowQuery(NOW, 7 * DAY, HOUR);
    const before = await store.getExecutionStats(query);
    const total = (stats: ExecutionStatsRecord): number =>
      stats.ended.reduce((sum, row) => sum + row.count, 0);
    // An end deleted behind the store's back three days ago is still counted (its minute is
    // read from its rollup); one in the last minutes is not (the index is read there).
    await insertEnds(db, [{ atMs: NOW - 3 * DAY, status: 'Failed' }]);
    const old = await rawQuery<{ id: string }>(
      db,
      'SELECT id FROM workflow_executions WHERE completed_at_ms < ? ORDER BY completed_at_ms DESC LIMIT 1',
      [NOW - 3 * DAY - MINUTE],
    );
    await rawQuery(db, 'DELETE FROM workflow_executions WHERE id = ?', [old[0]?.id ?? '']);
    await insertEnds(db, [{ atMs: NOW - MINUTE, status: 'Completed' }]);
    const after = await store.getExecutionStats(query);
    expect(total(after)).toBe(total(before) + 1);
  });

  test('count an end committed late within the margin', async ({ db, store }) => {
    const ends = randomEnds(4, 300, NOW - 2 * DAY, NOW);
    await insertEnds(db, ends);
    const query = windowQuery(NOW, DAY, MINUTE);
    await store.getExecutionStats(query);
    // Ended (by its runner's clock) just inside the margin, committed after the read above.
    const late: End = { atMs: NOW - ROLLUP_MARGIN_MS + 1, status: 'Cancelled' };
    await insertEnds(db, [late]);
    const all = await storedEnds(db);
    for (const nowMs of [NOW, NOW + MINUTE, NOW + ROLLUP_MARGIN_MS + 2 * MINUTE]) {
      const later = windowQuery(nowMs, DAY, MINUTE);
      const stats = await store.getExecutionStats(later);
      expect(inOrder(stats.ended)).toEqual(expected(all, later));
      // …which the late end is part of.
      expect(expected(all, later)).not.toEqual(expected(ends, later));
    }
    await expectRollupsEqual(db, all);
  });

  test('count every minute once when two stores roll up at once', async ({
    db,
    store,
    another,
  }) => {
    const ends = randomEnds(5, 4_000, NOW - 15 * DAY, NOW);
    await insertEnds(db, ends);
    const other = await another();
    const shapes = [windowQuery(NOW, 7 * DAY, HOUR), windowQuery(NOW, 7 * DAY, 421_000)];
    const results = await Promise.all(
      [store, other, store, other].flatMap((s) => shapes.map((q) => s.getExecutionStats(q))),
    );
    results.forEach((stats, i) => {
      const query = shapes[i % shapes.length] as ExecutionStatsQuery;
      expect(inOrder(stats.ended)).toEqual(expected(ends, query));
    });
    await expectRollupsEqual(db, ends);
    expect((await rollups(db)).fromMs).toBeLessThanOrEqual(NOW - 7 * DAY + HOUR);
  });

  test('count again when the minutes a store last saw rolled up were dropped since', async ({
    db,
    store,
    another,
  }) => {
    const ends = randomEnds(7, 2_000, NOW - 8 * DAY, NOW);
    await insertEnds(db, ends);
    await expectExact(store, ends, NOW);
    // A reader three weeks later restarts the range there, deleting every minute `store` saw.
    const later = await another();
    await later.getExecutionStats(windowQuery(NOW + 21 * DAY, 7 * DAY, HOUR));
    expect((await rollups(db)).fromMs).toBeGreaterThan(NOW);
    await expectExact(store, ends, NOW);
  });

  test('equal a count of what remains after a prune', async ({ db, store }) => {
    await insertEnds(db, randomEnds(6, 3_000, NOW - 10 * DAY, NOW));
    await expectExact(store, await storedEnds(db), NOW);
    // A cut inside the rolled range for one outcome, another for a second outcome.
    const cuts: ExecutionCut[] = [
      { status: 'Completed', beforeMs: NOW - 3 * DAY - 17_000 },
      { status: 'Failed', beforeMs: NOW - 6 * DAY },
    ];
    expect(await pruneAll(store, cuts)).toBeGreaterThan(500);
    const remaining = await storedEnds(db);
    await expectRollupsEqual(db, remaining);
    await expectExact(store, remaining, NOW);
    await expectExact(store, remaining, NOW + 2 * HOUR);
  });
});
