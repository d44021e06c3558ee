/**
 * Per-minute counts of ended executions (`execution_stats_minutes`, migration 23), so that the
 * statistics of a long window sum a row per minute instead of counting every execution.
 *
 * Rolled up lazily: a read of the statistics first rolls up the minutes of its window that
 * ended at least {@link ROLLUP_MARGIN_MS} before its "now" and are not yet rolled up, each
 * summarized once from `workflow_executions_by_completed`. No transaction of a running
 * execution writes here, so completions never queue on a shared counter row.
 *
 * The minutes rolled up are one range, `[from_ms, to_ms)` of the state row
 * `execution_stats_rollup`; a minute of it without a row had no ended execution. The range
 * grows at its end as time passes and at its start for a longer window, at most a day of
 * minutes per transaction, and keeps {@link ROLLUP_KEEP_MS} before its end (no window reaches
 * further back).
 *
 * Concurrency: a rollup transaction holds the state row (PostgreSQL `FOR UPDATE`; SQLite's
 * single writer does the same), re-reads it and rolls up only minutes outside its range, so
 * processes rolling up at once never count a minute twice. A prune batch takes the state row
 * `FOR SHARE` before it deletes executions and subtracts what it deleted from the minutes
 * rolled up (see {@link subtractPruned}): a rollup either counted before the prune committed
 * (and the prune then subtracts) or counts after it (and sees the rows gone).
 */
import { DatabaseError } from '../../errors.js';
import type { Db, SqlValue, Tx } from '../db.js';
import { READ_ONE } from '../tx-kinds.js';

/** The rollup interval: a minute, which every bucket of a whole number of minutes divides. */
export const ROLLUP_MINUTE_MS = 60_000;

/**
 * How long after its end a minute is rolled up. An execution's `completed_at_ms` is its
 * runner's clock when the transaction that ended it began, so it can become visible after
 * a reader's "now" has passed it: by the time that transaction takes to commit (a queue of
 * writers, a lock wait: seconds) plus the difference between that runner's clock and the
 * reader's. Runners already need clocks that agree well within `staleClaimThreshold` (60 s by
 * default) for claims to work; five minutes leaves room for both. An execution whose end
 * commits later than that into a minute already rolled up is not counted by windows that read
 * that minute from its rollup (see `docs/http-api.md`).
 */
export const ROLLUP_MARGIN_MS = 5 * 60_000;

/**
 * How far back from its end the range is kept: the longest window (7 d) in its longest
 * buckets starts less than 14 days back, and a day more leaves room for readers whose clocks
 * differ. Older minutes are deleted when the range grows.
 */
export const ROLLUP_KEEP_MS = 15 * 86_400_000;

/** The most minutes one rollup transaction summarizes (a day), so none holds a lock long. */
export const ROLLUP_CHUNK_MS = 86_400_000;

/** Minutes rolled up: `[fromMs, toMs)`, both multiples of a minute; empty when equal. */
export interface RolledRange {
  readonly fromMs: number;
  readonly toMs: number;
}

/** No minute rolled up: a count with it reads the index alone. */
export const NOTHING_ROLLED: RolledRange = { fromMs: 0, toMs: 0 };

/** The start of the minute `ms` is in. */
export const floorMinute = (ms: number): number =>
  Math.floor(ms / ROLLUP_MINUTE_MS) * ROLLUP_MINUTE_MS;

/** The first minute start at or after `ms`. */
export const ceilMinute = (ms: number): number =>
  Math.ceil(ms / ROLLUP_MINUTE_MS) * ROLLUP_MINUTE_MS;

/** Reads the range rolled up (PostgreSQL returns BIGINT as text). */
export async function readRolledRange(tx: Tx, lock = ''): Promise<RolledRange> {
  const row = await tx.get<{ from_ms: number | string; to_ms: number | string }>(
    `SELECT from_ms, to_ms FROM execution_stats_rollup WHERE id = 1${lock}`,
  );
  // The migration writes the row; without it nothing was ever rolled up.
  return row === undefined
    ? { fromMs: 0, toMs: 0 }
    : { fromMs: Number(row.from_ms), toMs: Number(row.to_ms) };
}

/** The minutes a read of `[windowFromMs, nowMs]` wants rolled up (empty when `fromMs >= toMs`). */
export function rollupTarget(windowFromMs: number, nowMs: number): RolledRange {
  const toMs = floorMinute(nowMs - ROLLUP_MARGIN_MS);
  return { fromMs: Math.max(ceilMinute(windowFromMs), toMs - ROLLUP_KEEP_MS), toMs };
}

/**
 * The next step towards `target` from `range`, or null when `range` already covers it: the
 * range that step leaves and the minutes it summarizes. A range older than the target's keep
 * restarts at the target; one that does not reach the target's end grows at its end first.
 * A target that ends before the range starts (a window read with a past "now") is left to the
 * index: growing backwards towards it would roll up minutes no current window reads.
 */
export function nextRollupStep(
  range: RolledRange,
  target: RolledRange,
): { range: RolledRange; keepFromMs: number; rollFromMs: number; rollToMs: number } | null {
  if (target.fromMs >= target.toMs) return null;
  const keepFromMs = target.toMs - ROLLUP_KEEP_MS;
  let { fromMs, toMs } = range;
  if (fromMs === toMs || toMs < keepFromMs) {
    // Nothing rolled up yet, or all of it too old to be read again: start at the target.
    fromMs = target.fromMs;
    toMs = target.fromMs;
  } else if (fromMs < keepFromMs) {
    fromMs = keepFromMs;
  }
  if (toMs < target.toMs) {
    const end = Math.min(target.toMs, toMs + ROLLUP_CHUNK_MS);
    return { range: { fromMs, toMs: end }, keepFromMs, rollFromMs: toMs, rollToMs: end };
  }
  if (target.fromMs < fromMs && target.toMs >= fromMs) {
    const start = Math.max(target.fromMs, fromMs - ROLLUP_CHUNK_MS);
    return { range: { fromMs: start, toMs }, keepFromMs, rollFromMs: start, rollToMs: fromMs };
  }
  return fromMs === range.fromMs && toMs === range.toMs
    ? null
    : { range: { fromMs, toMs }, keepFromMs, rollFromMs: toMs, rollToMs: toMs };
}

/**
 * One rollup transaction towards `target`: locks the state row, re-reads the range (another
 * process may have grown it), deletes the minutes before the range's keep and summarizes at
 * most a day of minutes not yet rolled up. Returns whether it did anything (call again until
 * it does not).
 */
export async function rollUpStep(tx: Tx, target: RolledRange): Promise<boolean> {
  const current = await readRolledRange(tx, tx.syntax.forUpdate);
  const step = nextRollupStep(current, target);
  if (step === null) return false;
  const { range } = step;
  // Rows before the new range: it restarted, or lost minutes older than its keep. None lies
  // after it: a range only restarts later than it was, and grows at its end into empty minutes.
  if (range.fromMs > current.fromMs || current.fromMs === current.toMs) {
    await tx.run(`DELETE FROM execution_stats_minutes WHERE minute_ms < ?`, [range.fromMs]);
  }
  if (step.rollFromMs < step.rollToMs) {
    await tx.run(
      `INSERT INTO execution_stats_minutes (minute_ms, completed, failed, cancelled)
       SELECT completed_at_ms / ${ROLLUP_MINUTE_MS} * ${ROLLUP_MINUTE_MS},
              SUM(CASE WHEN status = 'Completed' THEN 1 ELSE 0 END),
              SUM(CASE WHEN status = 'Failed' THEN 1 ELSE 0 END),
              SUM(CASE WHEN status = 'Cancelled' THEN 1 ELSE 0 END)
       FROM workflow_executions
       WHERE completed_at_ms >= CAST(? AS BIGINT) AND completed_at_ms < CAST(? AS BIGINT)
       GROUP BY 1`,
      [step.rollFromMs, step.rollToMs],
    );
  }
  await tx.run(`UPDATE execution_stats_rollup SET from_ms = ?, to_ms = ? WHERE id = 1`, [
    range.fromMs,
    range.toMs,
  ]);
  return true;
}

/**
 * Holds the state row for a prune batch until it commits, so no rollup summarizes the minutes
 * it deletes from while it runs; returns the range rolled up. Called before the batch deletes
 * any execution.
 */
export function holdRolledRange(tx: Tx): Promise<RolledRange> {
  return readRolledRange(tx, tx.syntax.forShare);
}

/** One row of the values {@link subtractPruned} subtracts: a minute and its three counts. */
const MINUTE_DELTA =
  '(CAST(? AS BIGINT), CAST(? AS INTEGER), CAST(? AS INTEGER), CAST(? AS INTEGER))';

/** An ended execution a prune deleted. */
export interface PrunedExecution {
  readonly completed_at_ms: number | string | null;
  readonly status: string;
}

/**
 * Subtracts executions a prune batch deleted from the minutes rolled up (`range`, read by
 * {@link holdRolledRange} in the same transaction), so the rollups keep counting exactly the
 * executions left. Executions outside the range are only in the index, which the delete
 * already changed.
 */
export async function subtractPruned(
  tx: Tx,
  range: RolledRange,
  pruned: readonly PrunedExecution[],
): Promise<void> {
  const byMinute = new Map<number, [number, number, number]>();
  for (const row of pruned) {
    if (row.completed_at_ms === null) continue;
    const at = Number(row.completed_at_ms);
    if (at < range.fromMs || at >= range.toMs) continue;
    const minute = floorMinute(at);
    const counts = byMinute.get(minute) ?? [0, 0, 0];
    if (row.status === 'Completed') counts[0] += 1;
    else if (row.status === 'Failed') counts[1] += 1;
    else if (row.status === 'Cancelled') counts[2] += 1;
    byMinute.set(minute, counts);
  }
  if (byMinute.size === 0) return;
  const params: SqlValue[] = [];
  // In minute order, so concurrent prunes lock shared minutes in one order.
  for (const minute of [...byMinute.keys()].sort((a, b) => a - b)) {
    params.push(minute, ...(byMinute.get(minute) ?? [0, 0, 0]));
  }
  await tx.run(
    `UPDATE execution_stats_minutes
     SET completed = completed - v.column2, failed = failed - v.column3,
         cancelled = cancelled - v.column4
     FROM (VALUES ${new Array<string>(byMinute.size).fill(MINUTE_DELTA).join(', ')}) AS v
     WHERE minute_ms = v.column1`,
    params,
  );
}

/** The range of minutes a store counts with, rolled up on demand (see {@link statsRollups}). */
export interface StatsRollups {
  /**
   * Rolls up what a read of `[windowFromMs, nowMs]` wants (see {@link rollupTarget}) when the
   * range last seen does not cover it, a transaction per step, and returns the range to count
   * with: the one last seen, which the count checks is still rolled up (see
   * `ops/stats.ts`).
   */
  rangeFor(windowFromMs: number, nowMs: number): Promise<RolledRange>;
  /** Drops the range last seen (a count found it no longer rolled up): the next call reads it. */
  forget(): void;
}

/**
 * The rollups of one store. The range last seen is kept between reads, so a read that needs
 * no rollup (all but about one a minute) costs no statement more than the count; another
 * process only ever grows the range at its end, which leaves the one seen here valid. A rollup
 * that fails on a transient error (a busy writer, a lock timeout) leaves the counting to the
 * index: the result is the same, only slower; any other error is the read's.
 */
export function statsRollups(db: Db): StatsRollups {
  let seen: RolledRange | null = null;
  const read = (): Promise<RolledRange> => db.transaction((tx) => readRolledRange(tx), READ_ONE);
  return {
    async rangeFor(windowFromMs, nowMs) {
      const target = rollupTarget(windowFromMs, nowMs);
      seen ??= await read();
      if (nextRollupStep(seen, target) === null) return seen;
      try {
        while (await db.transaction((tx) => rollUpStep(tx, target))) {
          // One step per transaction; the loop ends when the range covers the target.
        }
      } catch (error) {
        if (error instanceof DatabaseError && error.retryable) return seen;
        throw error;
      }
      seen = await read();
      return seen;
    },
    forget() {
      seen = null;
    },
  };
}
