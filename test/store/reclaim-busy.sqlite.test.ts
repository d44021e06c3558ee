/**
 * Giving space back after a prune is best effort: while another process holds SQLite's write
 * lock, `reclaimSpace` leaves the free pages for a later call instead of failing, so a prune
 * whose deletes have committed is never reported as failed.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import { freshSqliteUrl } from '../helpers/backend.js';

describe('reclaimSpace under another process’s write lock', () => {
  it('resolves, keeps the free pages, and gives them back once the lock is gone', async () => {
    const url = freshSqliteUrl();
    const file = url.slice('sqlite://'.length);
    const store = await openStore(url);
    const other = new Database(file);
    try {
      await store.migrate();
      // Free pages: a table filled, then dropped (by the other connection, as another process).
      other.exec(`CREATE TABLE filler (x TEXT)`);
      other.exec(
        `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999)
         INSERT INTO filler SELECT hex(randomblob(2000)) FROM n`,
      );
      other.exec(`DROP TABLE filler`);
      const free = (): number => Number(other.pragma('freelist_count', { simple: true }));
      expect(free()).toBeGreaterThan(0);

      other.exec('BEGIN IMMEDIATE');
      await expect(store.reclaimSpace()).resolves.toBeUndefined();
      other.exec('ROLLBACK');
      expect(free()).toBeGreaterThan(0);

      await store.reclaimSpace();
      expect(free()).toBe(0);
    } finally {
      other.close();
      await store.close();
    }
  }, 30_000);
});
