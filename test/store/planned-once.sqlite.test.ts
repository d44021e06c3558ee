/**
 * SQLite statements with a bound row limit are prepared in a spelling whose plan SQLite keeps
 * (see `planned-once.ts`), and they mean what they meant.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { plannedOnce } from '../../src/store/sqlite/planned-once.js';
import { openSqliteWithTable } from '../helpers/db.js';

describe('bound row limits on SQLite', () => {
  it('spells every bound LIMIT and OFFSET as a cast, and leaves the rest of the text alone', () => {
    const sql = `SELECT id FROM (SELECT id FROM t ORDER BY id LIMIT ?) s
      WHERE name <> 'LIMIT' ORDER BY id limit ?  OFFSET ? -- LIMIT 1 stays
      UNION ALL SELECT id FROM u LIMIT 1 OFFSET 2`;
    expect(plannedOnce(sql))
      .toBe(`SELECT id FROM (SELECT id FROM t ORDER BY id LIMIT CAST(? AS INTEGER)) s
      WHERE name <> 'LIMIT' ORDER BY id limit CAST(? AS INTEGER)  OFFSET CAST(? AS INTEGER) -- LIMIT 1 stays
      UNION ALL SELECT id FROM u LIMIT 1 OFFSET 2`);
    expect(plannedOnce('SELECT 1')).toBe('SELECT 1');
  });

  it('keeps what a limit and an offset select, a negative limit included', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY)');
    const insert = db.prepare('INSERT INTO t (id) VALUES (?)');
    for (let id = 1; id <= 6; id += 1) insert.run(id);
    const sql = 'SELECT id FROM t ORDER BY id LIMIT ? OFFSET ?';
    for (const [limit, offset] of [
      [2, 0],
      [3, 2],
      [-1, 4],
      [0, 0],
      [10, 5],
    ] as const) {
      expect(db.prepare(plannedOnce(sql)).all(limit, offset)).toEqual(
        db.prepare(sql).all(limit, offset),
      );
    }
    db.close();
  });

  it('is the text the adapter prepares, with the rows the limit asks for', async () => {
    const db = await openSqliteWithTable();
    const prepared: string[] = [];
    type Prepare = typeof Database.prototype.prepare;
    const prepare: Prepare = Reflect.get(Database.prototype, 'prepare');
    // Observes the real driver: every statement still runs as prepared.
    Database.prototype.prepare = function (this: Database.Database, source: string) {
      prepared.push(source);
      return prepare.call(this, source);
    } as Prepare;
    try {
      await db.transaction(async (tx) => {
        for (const x of ['a', 'b', 'c']) await tx.run('INSERT INTO t (x) VALUES (?)', [x]);
      });
      const rows = await db.transaction((tx) =>
        tx.all<{ x: string }>('SELECT x FROM t ORDER BY x LIMIT ? OFFSET ?', [1, 1]),
      );
      expect(rows).toEqual([{ x: 'b' }]);
      expect(prepared).toContain(
        'SELECT x FROM t ORDER BY x LIMIT CAST(? AS INTEGER) OFFSET CAST(? AS INTEGER)',
      );
      expect(prepared.filter((sql) => /(LIMIT|OFFSET) \?/.test(sql))).toEqual([]);
    } finally {
      Database.prototype.prepare = prepare;
      await db.close();
    }
  });
});
