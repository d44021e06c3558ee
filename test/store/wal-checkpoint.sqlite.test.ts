/**
 * What a background transaction (a prune's or a cleanup's batch) writes is copied into the
 * database file by a checkpoint of its own, queued behind it, so SQLite's automatic checkpoint
 * does not fall on some later commit of other work. Seen in the write-ahead log: once copied,
 * the next write starts it again from its beginning.
 */
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { TxOptions } from '../../src/store/db.js';
import { BACKGROUND } from '../../src/store/tx-kinds.js';
import { openSqliteWithTable } from '../helpers/db.js';

const open: { close(): unknown }[] = [];

afterEach(async () => {
  for (const handle of open.splice(0).reverse()) await handle.close();
});

/** Frames in the write-ahead log of `path`, read by a checkpoint of another connection. */
function framesInLog(path: string): number {
  const other = new Database(path);
  open.push(other);
  const [row] = other.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
  return row!.log;
}

/**
 * Writes about 300 pages (a row of 3 KB each, fewer than SQLite's automatic threshold of
 * 1,000) in one transaction with `options`, then two small writes of other work, one after the
 * other; the frames left in the log.
 */
async function framesAfter(options: TxOptions): Promise<number> {
  const { db, path } = await openSqliteWithTable();
  open.push(db);
  await db.transaction(async (tx) => {
    for (let i = 0; i < 300; i++) await tx.run('INSERT INTO t VALUES (?)', ['x'.repeat(3_000)]);
  }, options);
  // Other work goes before the checkpoint, which waits its turn as the batch did.
  await db.transaction((tx) => tx.run('INSERT INTO t VALUES (?)', ['first after']));
  await db.transaction((tx) => tx.run('INSERT INTO t VALUES (?)', ['second after']));
  return framesInLog(path);
}

describe('checkpoints after background work', () => {
  it('copy what a background transaction wrote before other work writes again', async () => {
    // The log was copied, so the last write started it over: its few frames are all it holds.
    expect(await framesAfter(BACKGROUND)).toBeLessThan(10);
  });

  it('are not taken after other work, which SQLite checkpoints by itself', async () => {
    expect(await framesAfter({})).toBeGreaterThan(300);
  });
});
