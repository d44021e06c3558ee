/**
 * The PostgreSQL adapter sends batched statements with their values inlined as literals. No
 * value may break that SQL text: a NUL (which PostgreSQL text cannot hold) is refused before
 * anything is sent, a negative number never forms a comment, and a `?` inside a quoted string
 * of the SQL is not a placeholder. Hostile strings (quotes, backslashes, dollar quotes, comment
 * openers, placeholders, unicode) come back exactly as they went in, and a statement given the
 * wrong number of values is refused before anything is sent.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseError, SqlParameterError } from '../../src/index.js';
import { PgDb } from '../../src/store/postgres/pg-db.js';
import { freshDatabase } from '../helpers/backend.js';
import { PG_URL } from '../helpers/pg.js';

/** Characters and sequences that mean something in SQL text or its encodings. */
const HOSTILE_PARTS = [
  "'",
  "''",
  '"',
  '\\',
  "\\'",
  '$$',
  '$tag$',
  '$1',
  '?',
  ';',
  '--',
  '/*',
  '*/',
  '\n',
  '\r',
  '\t',
  "E'",
  "U&'",
  '\u00e9',
  '\u2028',
  '\u{1F600}',
  '\u202e',
  '\u00a0',
  '\\x00',
  '%',
  '_',
  'NULL',
  "'); DROP TABLE trigger_schedules; --",
  'a',
];

/** A deterministic pseudo-random generator (mulberry32), so a failure replays the same values. */
function randomSource(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` strings, each a few hostile parts joined, plus every part alone. */
function hostileStrings(count: number, seed: number): string[] {
  const random = randomSource(seed);
  const strings = [...HOSTILE_PARTS, ''];
  for (let i = 0; i < count; i += 1) {
    const length = 1 + Math.floor(random() * 6);
    let text = '';
    for (let j = 0; j < length; j += 1) {
      text += HOSTILE_PARTS[Math.floor(random() * HOSTILE_PARTS.length)]!;
    }
    strings.push(text);
  }
  return strings;
}

/** Rejects when `promise` has not settled within `ms` (a hung read would otherwise time out the file). */
function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

describe('PostgreSQL inlined values', () => {
  let db: PgDb;
  beforeEach(async () => {
    // One connection: a statement that broke it would break the next transaction too.
    db = new PgDb({ url: PG_URL, poolSize: 1, schema: freshDatabase().schema });
    await db.migrate();
  });
  afterEach(async () => {
    await db.close();
  });

  it('refuses a NUL in an inlined string with a DatabaseError that names it, and stays usable', async () => {
    const failing = db.transaction(async (tx) => {
      tx.write('UPDATE trigger_schedules SET last_error = ? WHERE trigger_name = ?', [
        'a\u0000b',
        'x',
      ]);
      return tx.get<{ one: number }>('SELECT 1 AS one');
    });
    const error: unknown = await settledWithin(failing, 5000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).retryable).toBe(false);
    expect((error as DatabaseError).message).toMatch(/NUL/);
    expect((error as DatabaseError).message).toMatch(/U\+0000/);
    const after = await db.transaction((tx) => tx.get<{ one: number }>('SELECT 1 AS one'));
    expect(after?.one).toBe(1);
  });

  it('rejects (never hangs) a read whose value cannot be inlined', async () => {
    const failing = db.transaction((tx) => tx.get('SELECT ? AS v', [Number.NaN]));
    await expect(settledWithin(failing, 5000)).rejects.toBeInstanceOf(DatabaseError);
  });

  it('inlines a negative number after a minus sign as a number, not a comment', async () => {
    const row = await db.transaction(async (tx) => {
      tx.write('SELECT 1');
      return tx.get<{ v: number }>('SELECT 5-? AS v', [-3]);
    });
    expect(Number(row?.v)).toBe(8);
  });

  it('leaves a ? inside a quoted string of the SQL alone', async () => {
    const row = await db.transaction(async (tx) => {
      tx.write('SELECT 1');
      return tx.get<{ q: string; v: string }>(`SELECT '?' AS q, ? AS v`, ['x']);
    });
    expect(row).toEqual({ q: '?', v: 'x' });
  });

  it('reports a statement with more parameters than a message holds as a refused value, not a lost connection', async () => {
    const count = 70_000;
    const failing = db.transaction(async (tx) => {
      await tx.get('SELECT 1'); // BEGIN is sent: the next lone read goes as a prepared statement
      return tx.all(
        `SELECT 1 WHERE 1 IN (${new Array<string>(count).fill('?').join(', ')})`,
        new Array<number>(count).fill(1),
      );
    });
    const error: unknown = await settledWithin(failing, 10_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).message).toMatch(/08P01/);
    expect((error as DatabaseError).retryable).toBe(false);
    expect((error as DatabaseError).refusedValue).toBe(true);
    expect((error as DatabaseError).message).not.toMatch(/connection failed/);
  });

  it('round-trips hostile strings through the inlined batch exactly', async () => {
    const values = hostileStrings(400, 20261205);
    // Written by queued statements (inlined at commit) and read back in the same batch.
    const rows = await db.transaction(async (tx) => {
      tx.write('CREATE TEMP TABLE fuzz (i integer, v text) ON COMMIT DROP');
      values.forEach((value, i) => tx.write('INSERT INTO fuzz (i, v) VALUES (?, ?)', [i, value]));
      return tx.all<{ i: number; v: string }>('SELECT i, v FROM fuzz ORDER BY i');
    });
    expect(rows.map((row) => row.v)).toEqual(values);
    // The schema's tables are untouched by the value that tries to drop one.
    const left = await db.transaction((tx) =>
      tx.get<{ n: string }>('SELECT count(*) AS n FROM trigger_schedules'),
    );
    expect(Number(left?.n)).toBe(0);
  });

  it('reads hostile strings inlined in a SELECT list as the same values', async () => {
    const values = hostileStrings(100, 7);
    const row = await db.transaction(async (tx) => {
      tx.write('SELECT 1');
      return tx.get<Record<string, string>>(
        `SELECT ${values.map((_, i) => `?::text AS v${i}`).join(', ')}`,
        values,
      );
    });
    expect(values.map((_, i) => row?.[`v${i}`])).toEqual(values);
  });

  it('refuses a statement given too few or too many values, on both paths, before sending it', async () => {
    const inlined = db.transaction(async (tx) => {
      tx.write('UPDATE trigger_schedules SET last_error = ? WHERE trigger_name = ?', ['x']);
      return tx.get('SELECT 1 AS one');
    });
    const error: unknown = await settledWithin(inlined, 5000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SqlParameterError);
    expect((error as SqlParameterError).code).toBe('SQL_PARAMETERS');
    expect((error as Error).message).toMatch(/2 placeholder\(s\) but was given 1 value/);

    const bound = db.transaction((tx) => tx.get('SELECT ?::int AS v', [1, 2]));
    const second: unknown = await settledWithin(bound, 5000).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(SqlParameterError);
    expect((second as Error).message).toMatch(/1 placeholder\(s\) but was given 2 value/);
    // The connection is still good.
    const after = await db.transaction((tx) => tx.get<{ one: number }>('SELECT 1 AS one'));
    expect(after?.one).toBe(1);
  });
});
