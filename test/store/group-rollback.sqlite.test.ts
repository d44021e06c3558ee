/**
 * SQLite's group commit runs several callers' transactions as savepoints of one transaction.
 * Some errors (a full database, an I/O error) make SQLite roll the whole transaction back by
 * itself, savepoints and all: the callers whose work was in it must all be told, with a
 * transient error, and none may be left waiting (nor the process crash on "no such savepoint").
 */
import { describe, expect, it } from 'vitest';
import { DatabaseError } from '../../src/errors.js';
import { SqliteDb } from '../../src/store/sqlite/sqlite-db.js';
import { freshSqliteUrl } from '../helpers/backend.js';

/** Resolves with how a promise settled, or 'pending' if it has not within `ms`. */
function settled(promise: Promise<unknown>, ms: number): Promise<unknown> {
  return Promise.race([
    promise.then(
      () => 'resolved',
      (error: unknown) => error,
    ),
    new Promise((resolve) => setTimeout(() => resolve('pending'), ms)),
  ]);
}

describe('a group commit that SQLite rolls back by itself', () => {
  it('fails every transaction of the group with a transient error, and the next one works', async () => {
    const db = new SqliteDb({
      path: freshSqliteUrl().slice('sqlite://'.length),
      synchronous: 'full',
      busyTimeoutMs: 1_000,
    });
    try {
      await db.transaction((tx) => tx.run('CREATE TABLE t (x TEXT)'));
      const pages = await db.transaction((tx) =>
        tx.all<{ page_count: number }>('PRAGMA page_count'),
      );
      // Room for the small writes, not for a megabyte.
      await db.transaction((tx) => tx.all(`PRAGMA max_page_count = ${pages[0]!.page_count + 20}`));
      // Issued in one turn: one group, the big write in the middle.
      const small = db.transaction((tx) => tx.run('INSERT INTO t VALUES (?)', ['small']));
      const big = db.transaction((tx) => tx.run('INSERT INTO t VALUES (?)', ['x'.repeat(1 << 20)]));
      const later = db.transaction((tx) => tx.run('INSERT INTO t VALUES (?)', ['later']));
      const outcomes = await Promise.all([small, big, later].map((p) => settled(p, 3_000)));
      for (const outcome of outcomes) {
        expect(outcome).toBeInstanceOf(DatabaseError);
        expect((outcome as DatabaseError).retryable).toBe(true);
      }
      const rows = await db.transaction((tx) => tx.all<{ x: string }>('SELECT x FROM t'));
      expect(rows).toEqual([]);
      await db.transaction((tx) => tx.run('INSERT INTO t VALUES (?)', ['after']));
      expect(await db.transaction((tx) => tx.all('SELECT x FROM t'))).toEqual([{ x: 'after' }]);
    } finally {
      await db.close();
    }
  });
});
