/**
 * Long reads on SQLite run on the reader thread's own read-only connection: while one scans,
 * the event loop stays free (timers fire, the main connection commits); a read sees every
 * transaction issued before it; its errors are the typed errors the main connection gives; a
 * snapshot spans a read transaction; closing waits for reads in flight and closes the thread's
 * connection with the store; an in-memory database reads on its one connection.
 */
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, DatabaseError } from '../../src/errors.js';
import type { Db, Tx, TxOptions } from '../../src/store/db.js';
import { openStore } from '../../src/store/open.js';
import { readerThread } from '../../src/store/sqlite/reader-link.js';
import { SqliteDb } from '../../src/store/sqlite/sqlite-db.js';
import { freshSqliteUrl } from '../helpers/backend.js';

const LONG: TxOptions = { readOnly: true, longRead: true };
const LONG_ONE: TxOptions = { readOnly: true, longRead: true, autocommit: true };

/** A read of `n` rows SQLite makes up one at a time: as long as `n` says, on any table. */
const COUNT_TO = `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?)
  SELECT COUNT(*) AS n FROM c`;

const open: Db[] = [];

/** A fresh SQLite file (or `:memory:`) with a table `t (x)`. */
async function freshDb(path = freshSqliteUrl().slice('sqlite://'.length)): Promise<SqliteDb> {
  const db = new SqliteDb({ path, synchronous: 'full', busyTimeoutMs: 1_000 });
  open.push(db);
  await db.transaction((tx) => tx.run('CREATE TABLE t (x INTEGER)'));
  return db;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((db) => db.close()));
});

/** The row count of `t`, as a long read. */
function countLong(db: Db, options: TxOptions = LONG_ONE): Promise<number> {
  return db.transaction(
    async (tx) => (await tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM t'))!.n,
    options,
  );
}

/**
 * Runs `work` while a timer re-arms itself every millisecond; resolves with the longest gap
 * between two firings (how long the event loop was held) and how long `work` took.
 */
async function loopHeldDuring(
  work: () => Promise<unknown>,
): Promise<{ gapMs: number; workMs: number }> {
  let last = performance.now();
  let gapMs = 0;
  let ticking = true;
  const tick = (): void => {
    const now = performance.now();
    gapMs = Math.max(gapMs, now - last);
    last = now;
    if (ticking) setTimeout(tick, 1);
  };
  setTimeout(tick, 1);
  const started = performance.now();
  try {
    await work();
  } finally {
    ticking = false;
  }
  const workMs = performance.now() - started;
  // The gap up to the end of the work counts too.
  gapMs = Math.max(gapMs, performance.now() - last);
  return { gapMs, workMs };
}

/** How many rows {@link COUNT_TO} needs to take about `ms` on this machine, as measured now. */
async function rowsFor(ms: number): Promise<number> {
  const probe = new Database(':memory:');
  try {
    const rows = 200_000;
    const started = performance.now();
    probe.prepare(COUNT_TO).get(rows);
    const perRow = (performance.now() - started) / rows;
    return Math.ceil(ms / perRow);
  } finally {
    probe.close();
  }
}

describe('long reads on the SQLite reader thread', () => {
  it('leave the event loop free while they scan, and the main connection commits meanwhile', async () => {
    const db = await freshDb();
    // The thread's start (tsx compiles it from the sources) is not what is measured.
    await countLong(db);
    // Long enough that timer granularity and the machine's noise are small beside it.
    const rows = await rowsFor(800);
    let committedDuringRead = false;
    const { gapMs, workMs } = await loopHeldDuring(async () => {
      const read = db.transaction((tx) => tx.get<{ n: number }>(COUNT_TO, [rows]), LONG_ONE);
      let readDone = false;
      void read.finally(() => (readDone = true));
      await db.transaction((tx) => tx.run('INSERT INTO t VALUES (1)'));
      committedDuringRead = !readDone;
      expect((await read)!.n).toBe(rows);
    });
    // On the main thread the loop would be held for the whole read.
    expect(workMs).toBeGreaterThan(100);
    expect(gapMs).toBeLessThan(workMs / 4);
    expect(committedDuringRead).toBe(true);
  });

  it("keep a store's listing and statistics off the event loop", async () => {
    const url = freshSqliteUrl();
    const store = await openStore(url);
    try {
      await store.migrate();
      const seeded = new Database(url.slice('sqlite://'.length));
      const nowMs = Date.now();
      try {
        seeded
          .prepare(
            `INSERT INTO workflow_executions (id, workflow_name, workflow_version, status,
               initial_context, final_context, open_tasks, failed_tasks,
               created_at_ms, started_at_ms, completed_at_ms, updated_at_ms)
             WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ?)
             SELECT printf('%08x-0000-4000-8000-000000000000', i), 'w', 'v1', 'Completed',
               '{}', '{}', 0, 0, ? - i, ? - i, ? - i + 1, ? - i + 1 FROM s`,
          )
          .run(150_000, nowMs, nowMs, nowMs, nowMs);
      } finally {
        seeded.close();
      }
      await store.getExecutionStats({ fromMs: 0, toMs: 1, bucketMs: 1 });
      const stats = await loopHeldDuring(() =>
        store.getExecutionStats({ fromMs: nowMs - 200_000, toMs: nowMs + 1, bucketMs: 1_000 }),
      );
      const listing = await loopHeldDuring(() =>
        store.listExecutions({ limit: 1, offset: 149_000 }),
      );
      for (const { gapMs, workMs } of [stats, listing]) {
        expect(gapMs).toBeLessThan(Math.max(workMs / 2, 5));
      }
    } finally {
      await store.close();
    }
  });

  it('see every transaction issued before them, committed or queued', async () => {
    const db = await freshDb();
    for (let i = 1; i <= 20; i += 1) {
      // Not awaited: the read is issued after the write, so it must see it.
      const write = db.transaction((tx) => tx.run('INSERT INTO t VALUES (?)', [i]));
      expect(await countLong(db, i % 2 === 0 ? LONG : LONG_ONE)).toBe(i);
      await write;
    }
  });

  it('read one snapshot in a read transaction, a fresh one per statement otherwise', async () => {
    const db = await freshDb();
    const twoCounts = (options: TxOptions): Promise<number[]> =>
      db.transaction(async (tx) => {
        const before = await tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM t');
        // Commits on the main connection between the two statements.
        await db.transaction((write) => write.run('INSERT INTO t VALUES (1)'));
        const after = await tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM t');
        return [before!.n, after!.n];
      }, options);
    expect(await twoCounts(LONG)).toEqual([0, 0]);
    expect(await twoCounts(LONG_ONE)).toEqual([1, 2]);
  });

  it('fail with the typed errors of the main connection', async () => {
    const db = await freshDb();
    const failure = (options: TxOptions, fn: (tx: Tx) => Promise<unknown>): Promise<unknown> =>
      db.transaction(fn, options).then(
        () => 'resolved',
        (error: unknown) => error,
      );
    // A missing table, and a value SQLite cannot bind.
    const cases: ((tx: Tx) => Promise<unknown>)[] = [
      (tx) => tx.all('SELECT * FROM missing'),
      (tx) => tx.all('SELECT ?', [{} as never]),
    ];
    for (const fn of cases) {
      const onMain = (await failure({ readOnly: true }, fn)) as DatabaseError;
      const onThread = (await failure(LONG, fn)) as DatabaseError;
      expect(onMain).toBeInstanceOf(DatabaseError);
      expect(onThread).toBeInstanceOf(DatabaseError);
      expect([onThread.message, onThread.retryable, onThread.refusedValue]).toEqual([
        onMain.message,
        onMain.retryable,
        onMain.refusedValue,
      ]);
    }
    // The thread's connection is read-only.
    const write = await failure(LONG, (tx) => tx.run('INSERT INTO t VALUES (1)'));
    expect(write).toBeInstanceOf(DatabaseError);
    expect((write as DatabaseError).message).toMatch(/readonly database.*INSERT INTO t/);
    const own = new ConfigError('limit must be positive, received -1.');
    expect(await failure(LONG, () => Promise.reject(own))).toBe(own);
    // The connection reads on after its errors.
    await db.transaction((tx) => tx.run('INSERT INTO t VALUES (1)'));
    expect(await countLong(db)).toBe(1);
  });

  it('fail with a transient error, not a hang, when the thread dies mid-read, then read on', async () => {
    const db = await freshDb();
    await countLong(db);
    const rows = await rowsFor(1_000);
    const read = db.transaction((tx) => tx.get(COUNT_TO, [rows]), LONG_ONE);
    const queued = countLong(db);
    // Once the read has been sent: the thread dies while it runs.
    await new Promise((resolve) => setImmediate(resolve));
    await readerThread().crash();
    const outcome = await read.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    expect(outcome).toBeInstanceOf(DatabaseError);
    expect((outcome as DatabaseError).retryable).toBe(true);
    // The read queued behind it runs on a new thread.
    expect(await queued).toBe(0);
    expect(await countLong(db)).toBe(0);
  });

  it('finish before the store closes, close its connection with it, and fail after', async () => {
    const path = freshSqliteUrl().slice('sqlite://'.length);
    const db = await freshDb(path);
    await db.transaction((tx) => tx.run('INSERT INTO t VALUES (1)'));
    const rows = await rowsFor(100);
    const inFlight = db.transaction((tx) => tx.get<{ n: number }>(COUNT_TO, [rows]), LONG_ONE);
    await db.close();
    expect((await inFlight)!.n).toBe(rows);
    // The main connection closed last: it checkpointed the log and removed it. Had the
    // thread's connection stayed open, the log would be left.
    expect(existsSync(`${path}-wal`)).toBe(false);
    await expect(countLong(db)).rejects.toThrow(/closed/);
  });

  it('read an in-memory database on its one connection', async () => {
    const db = await freshDb(':memory:');
    await db.transaction((tx) => tx.run('INSERT INTO t VALUES (1)'));
    expect(await countLong(db)).toBe(1);
    expect(await countLong(db, LONG)).toBe(1);
  });
});
