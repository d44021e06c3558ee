/**
 * The writing SQLite connection keeps 64 MiB of pages in memory, so the indexes of a long
 * history stay cached (see `PAGE_CACHE_KIB` in `sqlite-db.ts`).
 */
import { describe, expect, it } from 'vitest';
import { openSqliteWithTable } from '../helpers/db.js';

describe('the SQLite page cache', () => {
  it('is 64 MiB on the writing connection', async () => {
    const db = await openSqliteWithTable();
    try {
      const rows = await db.transaction((tx) =>
        tx.all<{ cache_size: number }>('PRAGMA cache_size'),
      );
      expect(rows).toEqual([{ cache_size: -64 * 1024 }]);
    } finally {
      await db.close();
    }
  });
});
