/**
 * A transaction whose inlined statements pass {@link MAX_ROUND_TRIP_CHARS} is sent in several
 * round trips, in order, each read still getting its own statement's result. Before, it went as
 * one string, which a wide fan-out copying a large output to each dependent could push past the
 * longest string JavaScript holds: the join threw, and so did the join that built the error
 * message, leaving the transaction open and its callers waiting forever.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseError } from '../../src/index.js';
import { chunksOf, MAX_ROUND_TRIP_CHARS, PgDb } from '../../src/store/postgres/pg-db.js';
import { freshDatabase } from '../helpers/backend.js';
import { PG_URL } from '../helpers/pg.js';

const BIG = Math.floor(MAX_ROUND_TRIP_CHARS * 0.6);

describe('PostgreSQL round trips of a large transaction', () => {
  let db: PgDb;
  beforeEach(async () => {
    db = new PgDb({ url: PG_URL, poolSize: 1, schema: freshDatabase().schema });
    await db.migrate();
    await db.transaction(async (tx) => {
      tx.write('CREATE TABLE big (n INTEGER, v TEXT)');
      await tx.get('SELECT 1');
    });
  });
  afterEach(async () => {
    await db.close();
  });

  it('cuts statements into round trips at the limit, in order, a longer one alone', () => {
    const small = 'x'.repeat(10);
    const large = 'y'.repeat(BIG);
    const chunks = chunksOf([small, large, large, small, 'z'.repeat(MAX_ROUND_TRIP_CHARS + 1)]);
    expect(chunks.map((c) => c.map((s) => s.length))).toEqual([
      [10, BIG],
      [BIG, 10],
      [MAX_ROUND_TRIP_CHARS + 1],
    ]);
  });

  it('sends writes past the limit in several round trips, each read getting its result', async () => {
    const lengths = await db.transaction(async (tx) => {
      tx.write('INSERT INTO big VALUES (?, ?)', [1, 'a'.repeat(BIG)]);
      const first = tx.get<{ n: number }>('SELECT COUNT(*)::int AS n FROM big');
      tx.write('INSERT INTO big VALUES (?, ?)', [2, 'b'.repeat(BIG)]);
      const second = tx.get<{ n: number }>('SELECT COUNT(*)::int AS n FROM big');
      const sizes = tx.all<{ n: number; l: number }>(
        'SELECT n, length(v) AS l FROM big ORDER BY n',
      );
      return Promise.all([first, second, sizes]);
    });
    expect(lengths).toEqual([
      { n: 1 },
      { n: 2 },
      [
        { n: 1, l: BIG },
        { n: 2, l: BIG },
      ],
    ]);
  });

  it('rejects every read, and keeps nothing, when a later round trip fails', async () => {
    let early: Promise<unknown> | undefined;
    const failing = db.transaction(async (tx) => {
      tx.write('INSERT INTO big VALUES (?, ?)', [1, 'a'.repeat(BIG)]);
      early = tx.get('SELECT COUNT(*) AS n FROM big').catch((error: unknown) => error);
      tx.write('INSERT INTO big VALUES (?, ?)', [2, 'b'.repeat(BIG)]);
      return tx.get('SELECT * FROM no_such_table');
    });
    await expect(failing).rejects.toBeInstanceOf(DatabaseError);
    expect(await early).toBeInstanceOf(DatabaseError);
    const rows = await db.transaction((tx) => tx.all('SELECT n FROM big'));
    expect(rows).toEqual([]);
  });
});
