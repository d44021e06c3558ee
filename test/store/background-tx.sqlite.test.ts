/**
 * Background transactions on SQLite (a prune's or a cleanup's batches): each commits alone, and
 * work queued behind it goes first, so a start asked for while a batch runs waits for that
 * batch only, not for the next one as well. Under a steady load a background transaction
 * still gets its turn: it alternates with the groups of other work.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKGROUND } from '../../src/store/tx-kinds.js';
import type { SqliteDb } from '../../src/store/sqlite/sqlite-db.js';
import { openSqliteWithTable } from '../helpers/db.js';

describe('background transactions of a SQLite connection', () => {
  let db: SqliteDb;
  /** What ran, in order: each transaction's label, and `|` for each commit. */
  const ran: string[] = [];
  beforeEach(async () => {
    db = await openSqliteWithTable();
    ran.length = 0;
    db.onCommit(() => ran.push('|'));
  });
  afterEach(async () => {
    await db.close();
  });

  /** A write labelled `label`; every commit with one tells its listeners once. */
  const write = (label: string, background = false): Promise<number> =>
    db.transaction(
      (tx) => {
        ran.push(label);
        tx.signal('tasks');
        return tx.run('INSERT INTO t VALUES (?)', [label]);
      },
      background ? BACKGROUND : {},
    );

  it('commit alone, after the other work queued with them', async () => {
    await Promise.all([write('b1', true), write('f1'), write('b2', true), write('f2')]);

    expect(ran).toEqual(['f1', 'f2', '|', 'b1', '|', 'b2', '|']);
  });

  it('take turns with the groups of a steady load', async () => {
    // Each foreground commit asks for the next foreground write: the queue is never without one.
    const chain = async (n: number): Promise<void> => {
      for (let i = 1; i <= n; i++) await write(`f${i}`);
    };
    await Promise.all([chain(3), write('b1', true), write('b2', true)]);

    expect(ran).toEqual(['f1', '|', 'b1', '|', 'f2', '|', 'b2', '|', 'f3', '|']);
  });

  it('run alone when nothing else waits', async () => {
    await write('b1', true);
    await write('b2', true);

    expect(ran).toEqual(['b1', '|', 'b2', '|']);
  });
});
