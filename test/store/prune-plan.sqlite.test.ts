/**
 * The plan of a prune batch's window on SQLite, which keeps no statistics: the oldest ended
 * executions are read along the index of end times, never by reading every execution of the
 * status and sorting them (which made each batch cost the whole history).
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { PRUNE_WINDOW } from '../../src/store/ops/prune.js';
import { openStore } from '../../src/store/open.js';
import { plannedOnce } from '../../src/store/sqlite/planned-once.js';
import { freshSqliteUrl } from '../helpers/backend.js';

describe('the prune window on SQLite', () => {
  it('walks the index of end times in order, with no sort', async () => {
    const url = freshSqliteUrl();
    const store = await openStore(url);
    await store.migrate();
    await store.close();
    const db = new Database(url.slice('sqlite://'.length), { readonly: true });
    try {
      const plan = (
        db
          .prepare(`EXPLAIN QUERY PLAN ${plannedOnce(PRUNE_WINDOW)}`)
          .all(1_000, 'Completed', 250) as { detail: string }[]
      ).map((row) => row.detail);
      expect(plan[0]).toMatch(
        /^SEARCH e USING (COVERING )?INDEX workflow_executions_by_completed \(completed_at_ms<\?\)/,
      );
      expect(plan.join('\n')).not.toMatch(/TEMP B-TREE|workflow_executions_by_status/);
    } finally {
      db.close();
    }
  });
});
