/**
 * SQLite's group commit takes every transaction asked for by the continuations of a commit
 * into the next group, however many promise steps each continuation takes before it asks:
 * the queue waits a turn of the event loop after each group, as it does before the first. A
 * runner's completion that ends in a deep promise chain still shares its commit.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommitNotice } from '../../src/store/db.js';
import type { SqliteDb } from '../../src/store/sqlite/sqlite-db.js';
import { openSqliteWithTable } from '../helpers/db.js';

/** Resolves after `steps` promise steps (microtasks), no turn of the event loop. */
async function steps(count: number): Promise<void> {
  for (let i = 0; i < count; i += 1) await Promise.resolve();
}

describe('the next group of a SQLite group commit', () => {
  let db: SqliteDb;
  const notices: CommitNotice[] = [];
  beforeEach(async () => {
    db = await openSqliteWithTable();
    notices.length = 0;
    db.onCommit((notice) => notices.push(notice));
  });
  afterEach(async () => {
    await db.close();
  });

  /** A write that announces itself: each group commit with one tells its listeners once. */
  const write = (value: string): Promise<number> =>
    db.transaction((tx) => {
      tx.signal('tasks');
      return tx.run('INSERT INTO t VALUES (?)', [value]);
    });

  it('holds what continuations of one commit ask for, after a few steps or after many', async () => {
    // Two writes of one group; each continuation asks for its next write after a different
    // number of promise steps.
    const [first, second] = [write('a'), write('b')];
    const shallow = first.then(() => write('a2'));
    const deep = second.then(async () => {
      await steps(50);
      return write('b2');
    });
    await Promise.all([shallow, deep]);

    // One commit for the first two, one for both continuations' writes.
    expect(notices).toHaveLength(2);
    const rows = await db.transaction((tx) => tx.all<{ x: string }>('SELECT x FROM t'));
    expect(rows.map((r) => r.x).sort()).toEqual(['a', 'a2', 'b', 'b2']);
  });
});
