/**
 * `Tx.guard` and `Tx.writeExactly` on both backends: a check that holds lets the transaction commit; one that does
 * not fails it with `GuardRefusedError` and leaves nothing of it, whatever was written before.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GuardRefusedError, type Db } from '../../src/store/db.js';
import { openFreshDb } from '../helpers/db.js';

/** The names in `rate_limit_locks`, the table these tests write. */
async function lockNames(db: Db): Promise<string[]> {
  const rows = await db.transaction((tx) =>
    tx.all<{ workflow_name: string }>(
      'SELECT workflow_name FROM rate_limit_locks ORDER BY workflow_name',
    ),
  );
  return rows.map((row) => row.workflow_name);
}

describe('Tx.guard', () => {
  let db: Db;
  beforeEach(async () => {
    db = openFreshDb();
    await db.migrate();
  });
  afterEach(async () => {
    await db.close();
  });

  const names = (): Promise<string[]> => lockNames(db);

  it('lets the transaction commit when its condition holds when it runs', async () => {
    await db.transaction(async (tx) => {
      tx.write('INSERT INTO rate_limit_locks (workflow_name) VALUES (?)', ['a']);
      // Runs after the insert: it sees it.
      tx.guard('(SELECT COUNT(*) FROM rate_limit_locks WHERE workflow_name = ?) = 1', ['a']);
      tx.write('INSERT INTO rate_limit_locks (workflow_name) VALUES (?)', ['b']);
    });
    expect(await names()).toEqual(['a', 'b']);
  });

  it('fails the transaction, writes before it included, when its condition is false', async () => {
    await db.transaction(async (tx) => {
      tx.write('INSERT INTO rate_limit_locks (workflow_name) VALUES (?)', ['kept']);
    });

    const attempt = db.transaction(async (tx) => {
      tx.write('INSERT INTO rate_limit_locks (workflow_name) VALUES (?)', ['lost']);
      tx.guard('(SELECT COUNT(*) FROM rate_limit_locks) > ?', [5]);
      tx.write('INSERT INTO rate_limit_locks (workflow_name) VALUES (?)', ['also lost']);
    });

    await expect(attempt).rejects.toBeInstanceOf(GuardRefusedError);
    expect(await names()).toEqual(['kept']);
  });

  it('treats NULL as false', async () => {
    const attempt = db.transaction(async (tx) => {
      tx.guard('(SELECT MAX(workflow_name) FROM rate_limit_locks) = ?', ['x']);
    });
    await expect(attempt).rejects.toBeInstanceOf(GuardRefusedError);
  });
});

describe('Tx.writeExactly', () => {
  let db: Db;
  beforeEach(async () => {
    db = openFreshDb();
    await db.migrate();
    await db.transaction(async (tx) => {
      for (const name of ['a', 'b', 'c']) {
        tx.write('INSERT INTO rate_limit_locks (workflow_name) VALUES (?)', [name]);
      }
    });
  });
  afterEach(async () => {
    await db.close();
  });

  const names = (): Promise<string[]> => lockNames(db);

  const rename = `UPDATE rate_limit_locks SET workflow_name = workflow_name || '2'
     WHERE workflow_name IN (?, ?)`;

  it('lets the transaction commit when the statement changes exactly the rows expected', async () => {
    await db.transaction(async (tx) => {
      tx.writeExactly(rename, ['a', 'b'], 2);
      tx.write('INSERT INTO rate_limit_locks (workflow_name) VALUES (?)', ['d']);
    });
    expect(await names()).toEqual(['a2', 'b2', 'c', 'd']);
  });

  it('fails the transaction, writes before it included, when it changes fewer or more rows', async () => {
    for (const [params, rows] of [
      [['a', 'missing'], 2],
      [['a', 'b'], 1],
    ] as const) {
      const attempt = db.transaction(async (tx) => {
        tx.write('DELETE FROM rate_limit_locks WHERE workflow_name = ?', ['c']);
        tx.writeExactly(rename, params, rows);
      });
      await expect(attempt).rejects.toBeInstanceOf(GuardRefusedError);
    }
    expect(await names()).toEqual(['a', 'b', 'c']);
  });
});
