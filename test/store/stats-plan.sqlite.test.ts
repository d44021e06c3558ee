/**
 * The plan of the execution statistics on SQLite: the active counts and the window's ended
 * executions are each a range of an index read alone, never a walk of the table. (PostgreSQL's
 * plans, which depend on its statistics, are recorded in `src/store/ops/stats.ts`.)
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { statsStatement } from '../../src/store/ops/stats.js';
import { openStore } from '../../src/store/open.js';
import { freshSqliteUrl } from '../helpers/backend.js';

describe('execution statistics plan on SQLite', () => {
  it('reads the active statuses and the window from covering indexes', async () => {
    const url = freshSqliteUrl();
    const store = await openStore(url);
    await store.migrate();
    await store.close();
    const db = new Database(url.slice('sqlite://'.length), { readonly: true });
    try {
      const { sql, params } = statsStatement({ fromMs: 0, toMs: 3_600_000, bucketMs: 60_000 });
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[])
        .map((row) => row.detail)
        .filter((step) => /^(SEARCH|SCAN) workflow_executions\b/.test(step));
      expect(plan).toEqual([
        'SEARCH workflow_executions USING COVERING INDEX workflow_executions_by_status (status=?)',
        'SEARCH workflow_executions USING COVERING INDEX workflow_executions_by_completed (completed_at_ms>? AND completed_at_ms<?)',
      ]);
    } finally {
      db.close();
    }
  });
});
