/**
 * The plan of the waiters' read on SQLite: the terminal records of a list of ids are read by
 * primary key, never by a walk of every ended execution in the status index. (PostgreSQL, with
 * its statistics, takes the primary key for the same statement.)
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { READ_CHUNK } from '../../src/engine/batched-reads.js';
import { terminalStatement } from '../../src/store/ops/queries.js';
import { openStore } from '../../src/store/open.js';
import { freshSqliteUrl } from '../helpers/backend.js';

describe('terminal records plan on SQLite', () => {
  it('reads the ids by primary key', async () => {
    const url = freshSqliteUrl();
    const store = await openStore(url);
    await store.migrate();
    await store.close();
    const db = new Database(url.slice('sqlite://'.length), { readonly: true });
    try {
      // As many ids as a waiters' read holds: the more ids, the more the status index tempts.
      const ids = Array.from({ length: READ_CHUNK }, (_, i) => `id-${i}`);
      const plan = (
        db.prepare(`EXPLAIN QUERY PLAN ${terminalStatement('sqlite', ids.length)}`).all(...ids) as {
          detail: string;
        }[]
      ).map((row) => row.detail);
      expect(plan).toEqual([
        'SEARCH workflow_executions USING INDEX sqlite_autoindex_workflow_executions_1 (id=?)',
      ]);
    } finally {
      db.close();
    }
  });
});
