/**
 * The PostgreSQL adapter sends batched statements with their values inlined as literals. No
 * value may break that SQL text: a NUL (which PostgreSQL text cannot hold) is refused before
 * anything is sent, a negative number never forms a comment, and a `?` inside a quoted string
 * of the SQL is not a placeholder.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseError } from '../../src/index.js';
import { PgDb } from '../../src/store/postgres/pg-db.js';
import { freshDatabase } from '../helpers/backend.js';
import { PG_URL } from '../helpers/pg.js';

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
    console.log('ERR', (error as Error).message.slice(0, 300));
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
});
