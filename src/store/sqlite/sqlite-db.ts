/**
 * The SQLite adapter (with the reader thread's modules, `reader*.ts`, the only code that imports
 * better-sqlite3).
 *
 * better-sqlite3 is synchronous and one connection writes at a time, so every transaction goes
 * through one queue. Transactions that arrive together share one `BEGIN IMMEDIATE … COMMIT`
 * (group commit), each inside its own savepoint so that one failing operation rolls back only
 * itself; every caller's promise settles after the shared commit, so durability is unchanged
 * while fsyncs per operation fall. Long reads (`TxOptions.longRead`) of a file in WAL mode go
 * to the reader thread instead (`reader.ts`), so that a scan does not hold up the event loop.
 */
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { DatabaseError, isCloacinaError } from '../../errors.js';
import { SqliteReader } from './reader.js';
import { SQLITE_ROW_LOCKS } from './sqlite-row-locks.js';
import { plannedOnce } from './planned-once.js';
import { SQLITE_SYNTAX } from './sqlite-syntax.js';
import { isReadOnly, isTransient, openError, readOnlyError, wrap } from './sqlite-errors.js';
import type {
  Capabilities,
  CommitNotice,
  Db,
  SqlValue,
  Tx,
  TxOptions,
  WakeChannel,
} from '../db.js';
import { GuardRefusedError } from '../db.js';
import { MIGRATIONS } from '../migrations.js';
import type { SqliteTableEdit } from '../migrations/migration.js';
import {
  eventInserts,
  readStatement,
  registerStatement,
  RunnerRefs,
  type RunnerRefRow,
} from '../ops/events.js';
import type { NewEvent } from '../rows.js';

/** How a SQLite database is opened. */
export interface SqliteOptions {
  /** File path, or `:memory:`. */
  readonly path: string;
  /** `full` (default) survives power loss; `normal` may lose the last transactions on power loss. */
  readonly synchronous: 'full' | 'normal';
  /** How long a writer waits for another process's lock. */
  readonly busyTimeoutMs: number;
}

interface Job {
  readonly fn: (tx: Tx) => Promise<unknown>;
  readonly readOnly: boolean;
  /** Maintenance that commits alone and lets work queued behind it go first. */
  readonly background: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  /** Work that must run outside any transaction (a checkpoint), alone, in queue order. */
  readonly outside?: (db: Database.Database) => unknown;
}

/**
 * Free pages one step of {@link SqliteDb.reclaimSpace} gives back (1 MiB of 4 KiB pages): a step
 * holds the process's only connection, so a transaction issued meanwhile waits for it; small
 * steps keep that wait short (docs/performance.md, "Space given back in small steps").
 */
const RECLAIM_PAGES = 256;

/** Bytes the write-ahead log keeps on disk after it restarts (`journal_size_limit`). */
const WAL_SIZE_LIMIT = 64 * 2 ** 20;

/**
 * KiB of database pages the writing connection keeps in memory (`cache_size`). With months of
 * history the indexes outgrow the driver's default of 16 MiB, and writes fetch their pages from
 * the file again; the cache only grows as pages are read, so a small file costs no more.
 */
const PAGE_CACHE_KIB = 64 * 1024;

/** Largest number of queued transactions folded into one commit. */
const MAX_GROUP = 256;

/** The error of a job whose work SQLite rolled back because another job of its group failed. */
function rolledBack(error: unknown): DatabaseError {
  const cause = isCloacinaError(error) ? (error.cause ?? error) : error;
  const message = error instanceof Error ? error.message : String(error);
  return new DatabaseError(
    `SQLite rolled back the transaction this write shared with another that failed: ${message}`,
    { retryable: error instanceof DatabaseError ? error.retryable : isTransient(error), cause },
  );
}

/** A read asked for at commit ({@link SqliteTx.readAtCommit}) and its caller. */
interface CommitRead {
  readonly sql: string;
  readonly params: readonly SqlValue[];
  readonly resolve: (rows: unknown[]) => void;
  readonly reject: (error: unknown) => void;
}

class SqliteTx implements Tx {
  readonly syntax = SQLITE_SYNTAX;
  readonly locks = SQLITE_ROW_LOCKS;
  readonly events: NewEvent[] = [];
  readonly channels = new Set<WakeChannel>();
  readonly #commitReads: CommitRead[] = [];
  constructor(
    private readonly owner: SqliteConnection,
    readonly capabilities: Capabilities,
  ) {}

  all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    try {
      return Promise.resolve(this.owner.statement(sql).all(...params) as T[]);
    } catch (error) {
      return Promise.reject(wrap(error, sql));
    }
  }

  async get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    const rows = await this.all<T>(sql, params);
    return rows[0];
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    try {
      const statement = this.owner.statement(sql);
      if (statement.reader) return Promise.resolve(statement.all(...params).length);
      return Promise.resolve(statement.run(...params).changes);
    } catch (error) {
      return Promise.reject(wrap(error, sql));
    }
  }

  write(sql: string, params: readonly SqlValue[] = []): void {
    // Synchronous here: an error throws at the call, inside the transaction function.
    try {
      const statement = this.owner.statement(sql);
      if (statement.reader) statement.all(...params);
      else statement.run(...params);
    } catch (error) {
      throw wrap(error, sql);
    }
  }

  readAtCommit<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const rows = new Promise<T[]>((resolve, reject) => {
      this.#commitReads.push({
        sql,
        params: [...params],
        resolve: resolve as (rows: unknown[]) => void,
        reject,
      });
    });
    // A read that fails after the commit rejects whether or not its caller awaits it.
    rows.catch(() => undefined);
    return rows;
  }

  /**
   * Takes the reads asked for at commit, once the group committed and its listeners were told:
   * nothing else writes on this connection meanwhile, so they read what this operation left,
   * and the commit's events are not held up for them.
   */
  readCommitted(): void {
    for (const read of this.#commitReads) {
      try {
        read.resolve(this.owner.statement(read.sql).all(...read.params));
      } catch (error) {
        read.reject(wrap(error, read.sql));
      }
    }
  }

  guard(condition: string, params: readonly SqlValue[] = []): void {
    let row: { ok: unknown } | undefined;
    try {
      row = this.owner.statement(`SELECT (${condition}) AS ok`).get(...params) as typeof row;
    } catch (error) {
      throw wrap(error, condition);
    }
    if (row?.ok !== 1) throw new GuardRefusedError();
  }

  writeExactly(sql: string, params: readonly SqlValue[], rows: number): void {
    let changes: number;
    try {
      changes = this.owner.statement(sql).run(...params).changes;
    } catch (error) {
      throw wrap(error, sql);
    }
    if (changes !== rows) throw new GuardRefusedError();
  }

  announce(event: NewEvent): void {
    this.events.push(event);
  }

  signal(channel: WakeChannel): void {
    this.channels.add(channel);
  }
}

/**
 * One connection to a SQLite file in WAL mode, shared by every {@link SqliteDb} of this process
 * that opens the same file.
 */
class SqliteConnection {
  readonly dialect = 'sqlite' as const;
  readonly capabilities: Capabilities = {
    concurrentWriters: false,
    claimsSkipHeldRows: false,
    chainedWrites: false,
    readsRideWithCommit: false,
    listenNotify: false,
    serialWriteBatches: false,
    statementsBlockProcess: true,
  };
  private readonly db: Database.Database;
  /** The file path (or `:memory:`), for messages. */
  private readonly path: string;
  private readonly statements = new Map<string, Database.Statement>();
  /** The numbers of event writers (migration 27) seen committed. */
  readonly #runnerRefs = new RunnerRefs();
  private readonly listeners = new Set<(notice: CommitNotice) => void>();
  private queue: Job[] = [];
  private draining = false;
  /** A background job waited while the last group of other work ran: it goes next. */
  private backgroundWaited = false;
  private closed = false;
  /** Runs long reads on a thread of their own; none for `:memory:`, private to this connection. */
  private readonly reader: SqliteReader | undefined;

  constructor(options: SqliteOptions) {
    this.path = options.path;
    let db: Database.Database | undefined;
    try {
      db = new Database(options.path, { timeout: options.busyTimeoutMs });
      // A new file keeps the pages deletes free in a list that `reclaimSpace` gives back to the
      // filesystem; the mode can only be chosen before the first table.
      const empty = db.prepare('SELECT COUNT(*) AS n FROM sqlite_schema').get() as { n: number };
      if (empty.n === 0) db.pragma('auto_vacuum = INCREMENTAL');
      if (options.path !== ':memory:') db.pragma('journal_mode = WAL');
      // A write-ahead log that a burst grew is cut back to this size when it restarts.
      db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
      db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
      db.pragma('foreign_keys = ON');
      db.pragma(`cache_size = -${PAGE_CACHE_KIB}`);
    } catch (error) {
      db?.close();
      throw openError(options.path, error);
    }
    this.db = db;
    // Only a write-ahead log lets another connection read while this one commits: under a
    // rollback journal a long read would hold this thread's commits in the busy wait.
    if (db.pragma('journal_mode', { simple: true }) === 'wal') {
      this.reader = new SqliteReader(
        resolve(options.path),
        options.busyTimeoutMs,
        this.capabilities,
      );
    }
  }

  /**
   * Fails with a read-only error unless this connection can write. better-sqlite3 opens a file
   * the process may not write in read-only mode without a word (its `readonly` flag stays
   * false), so without this a runner would start and fail at its first write. A write undone
   * at once asks SQLite itself, whatever the cause: file or folder modes, an immutable file, a
   * read-only mount. Runs inside the migration's write transaction, which every runner and
   * client opens at start-up, so it costs no extra lock.
   */
  private assertWritable(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    this.db.exec('SAVEPOINT write_probe');
    try {
      this.db.pragma(`user_version = ${version}`);
    } catch (error) {
      throw isReadOnly(error)
        ? readOnlyError(this.path, error)
        : wrap(error, 'PRAGMA user_version');
    } finally {
      // A failed write may have ended the whole transaction; then there is nothing to undo.
      if (this.db.inTransaction) {
        this.db.exec('ROLLBACK TO write_probe');
        this.db.exec('RELEASE write_probe');
      }
    }
  }

  /** A cached prepared statement. */
  statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(plannedOnce(sql));
      this.statements.set(sql, statement);
    }
    return statement;
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>, options: TxOptions = {}): Promise<T> {
    if (this.closed) return Promise.reject(new DatabaseError('The SQLite database is closed.'));
    if (this.reader !== undefined && options.readOnly === true && options.longRead === true) {
      return this.reader.transaction(fn, {
        autocommit: options.autocommit === true,
        after: this.queued(),
      });
    }
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        fn,
        readOnly: options.readOnly ?? false,
        background: options.background ?? false,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      if (!this.draining) {
        // Start on the next turn of the event loop, so every operation issued in this turn
        // (completions of several slots, a burst of executeAsync calls) shares one commit.
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  /**
   * Settles once every transaction queued so far has committed (or failed), so that a read on
   * the reader thread sees all of them, as a read queued behind them here would.
   */
  private queued(): Promise<void> {
    if (!this.draining && this.queue.length === 0) return Promise.resolve();
    // An empty transaction joins the next group and settles after its commit.
    return this.transaction(() => Promise.resolve(), { readOnly: true }).then(
      () => undefined,
      () => undefined,
    );
  }

  onCommit(listener: (notice: CommitNotice) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs `work` on the connection outside any transaction, in queue order. */
  outside<T>(work: (db: Database.Database) => T): Promise<T> {
    if (this.closed) return Promise.reject(new DatabaseError('The SQLite database is closed.'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        fn: () => Promise.resolve(undefined),
        readOnly: false,
        background: false,
        resolve: resolve as (value: unknown) => void,
        reject,
        outside: work,
      });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  /**
   * Takes the next group off the queue, from the jobs before the first outside one (which runs
   * alone, in queue order, once it heads the queue): every job that is not background, up to
   * {@link MAX_GROUP}; or the first background job alone, when no other job is queued or when
   * it already waited for one group. Background jobs thus alternate with groups of other work,
   * and never starve.
   */
  private nextGroup(): Job[] {
    const stop = this.queue.findIndex((job) => job.outside !== undefined);
    const end = stop < 0 ? this.queue.length : stop;
    const waiting = this.queue.findIndex((job, i) => i < end && job.background);
    if (waiting < 0) return this.queue.splice(0, Math.min(end, MAX_GROUP));
    const othersWait = this.queue.some((job, i) => i < end && !job.background);
    if (!othersWait || this.backgroundWaited) {
      this.backgroundWaited = false;
      return this.queue.splice(waiting, 1);
    }
    this.backgroundWaited = true;
    const group: Job[] = [];
    const kept: Job[] = [];
    for (const [i, job] of this.queue.entries()) {
      if (i < end && !job.background && group.length < MAX_GROUP) group.push(job);
      else kept.push(job);
    }
    this.queue = kept;
    return group;
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const first = this.queue[0]!;
        if (first.outside !== undefined) {
          this.queue.shift();
          try {
            first.resolve(first.outside(this.db));
          } catch (error) {
            first.reject(wrap(error, 'maintenance'));
          }
          continue;
        }
        const batch = this.nextGroup();
        try {
          await this.runGroup(batch);
        } catch (error) {
          // Bookkeeping of the group itself failed: no caller may be left waiting. (A job
          // already answered ignores a second answer.)
          if (this.db.inTransaction) this.db.exec('ROLLBACK');
          const wrapped = wrap(error, 'group commit');
          for (const job of batch) job.reject(wrapped);
        }
        // A turn before the next group, as before the first: what the continuations of this
        // commit ask for joins it, however many promise steps each takes before asking.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      this.draining = false;
    }
  }

  private async runGroup(batch: Job[]): Promise<void> {
    const readOnly = batch.every((job) => job.readOnly);
    try {
      this.db.exec(readOnly ? 'BEGIN' : 'BEGIN IMMEDIATE');
    } catch (error) {
      const wrapped = wrap(error, 'BEGIN IMMEDIATE');
      for (const job of batch) job.reject(wrapped);
      return;
    }
    const outcomes: { job: Job; ok: boolean; value: unknown; tx: SqliteTx }[] = [];
    for (const job of batch) {
      const tx = new SqliteTx(this, this.capabilities);
      this.db.exec('SAVEPOINT job');
      try {
        const value = await job.fn(tx);
        this.db.exec('RELEASE job');
        outcomes.push({ job, ok: true, value, tx });
      } catch (error) {
        if (!this.db.inTransaction) {
          // SQLite rolled the whole transaction back by itself (a full disk, an I/O error):
          // the work of every job before this one is gone too, and those after it never ran.
          const lost = rolledBack(error);
          for (const other of batch) other.reject(other === job ? error : lost);
          return;
        }
        this.db.exec('ROLLBACK TO job');
        this.db.exec('RELEASE job');
        outcomes.push({ job, ok: false, value: error, tx });
      }
    }
    let step = 'INSERT INTO execution_events';
    let numbered: RunnerRefRow[] = [];
    try {
      // The event rows of every successful job in one go (see `appendEvent`).
      const events = outcomes.flatMap((outcome) => (outcome.ok ? outcome.tx.events : []));
      // A writer without a number is numbered first, as on PostgreSQL (see `PgTx.finish`).
      const missing = this.#runnerRefs.missing(events);
      if (missing.length > 0) {
        const register = registerStatement(missing);
        this.statement(register.sql).run(...register.params);
      }
      for (const { sql, params } of eventInserts(events, this.#runnerRefs.known)) {
        this.statement(sql).run(...params);
      }
      if (missing.length > 0) {
        const read = readStatement(missing);
        numbered = this.statement(read.sql).all(...read.params) as RunnerRefRow[];
      }
      step = 'COMMIT';
      this.db.exec('COMMIT');
      this.#runnerRefs.learn(numbered);
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      const wrapped = wrap(error, step);
      for (const job of batch) job.reject(wrapped);
      return;
    }
    const events: NewEvent[] = [];
    const channels = new Set<WakeChannel>();
    for (const outcome of outcomes) {
      if (outcome.ok) {
        events.push(...outcome.tx.events);
        for (const channel of outcome.tx.channels) channels.add(channel);
        outcome.job.resolve(outcome.value);
      } else {
        outcome.job.reject(outcome.value);
      }
    }
    if (events.length > 0 || channels.size > 0) {
      const notice: CommitNotice = { events, channels, remote: false };
      for (const listener of this.listeners) {
        try {
          listener(notice);
        } catch {
          // A listener never breaks the store; listeners guard their own errors.
        }
      }
    }
    // The jobs' continuations run after this turn, so each finds its reads taken.
    for (const outcome of outcomes) if (outcome.ok) outcome.tx.readCommitted();
  }

  /** Applies missing migrations in one queued write transaction (BEGIN IMMEDIATE serializes processes). */
  migrate(): Promise<void> {
    return this.transaction(async (tx) => {
      this.assertWritable();
      await tx.run(
        'CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms INTEGER NOT NULL)',
      );
      const applied = new Set(
        (await tx.all<{ id: number }>('SELECT id FROM schema_migrations')).map((row) => row.id),
      );
      for (const migration of MIGRATIONS) {
        if (applied.has(migration.id)) continue;
        for (const step of migration.sqlite) {
          if (typeof step === 'string') this.db.exec(step);
          else this.editTableSql(step);
        }
        await tx.run('INSERT INTO schema_migrations (id, name, applied_at_ms) VALUES (?, ?, ?)', [
          migration.id,
          migration.name,
          Date.now(),
        ]);
      }
    });
  }

  /** Applies a {@link SqliteTableEdit} inside the migration's transaction. */
  private editTableSql(edit: SqliteTableEdit): void {
    const row = this.db
      .prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?")
      .get(edit.table) as { sql: string } | undefined;
    const sql = row?.sql ?? '';
    if (sql.split(edit.from).length !== 2) {
      throw new DatabaseError(
        `Migration cannot edit table '${edit.table}': its SQL does not hold ${JSON.stringify(edit.from)} exactly once.`,
      );
    }
    const version = Number(this.db.pragma('schema_version', { simple: true }));
    // Defensive mode (on by default in better-sqlite3) forbids writing the schema table; it is
    // lifted for this one statement only.
    this.db.unsafeMode(true);
    try {
      this.db.pragma('writable_schema = ON');
      this.db
        .prepare("UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = ?")
        .run(sql.replace(edit.from, edit.to), edit.table);
      this.db.pragma(`schema_version = ${version + 1}`);
    } finally {
      this.db.pragma('writable_schema = OFF');
      this.db.unsafeMode(false);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.draining || this.queue.length > 0) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    await this.reader?.close();
    this.statements.clear();
    this.db.close();
  }
}

/**
 * Checkpoints every frame of the write-ahead log and cuts the file to zero, unless readers of
 * other processes still use it: then it gives up at once (busy timeout 0) rather than block this
 * thread in SQLite's busy wait, and the log is cut at a later checkpoint.
 */
function truncateWal(db: Database.Database): void {
  const timeout = Number(db.pragma('busy_timeout', { simple: true }));
  db.pragma('busy_timeout = 0');
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.pragma(`busy_timeout = ${timeout}`);
  }
}

/**
 * Connections by resolved file path. Runners in one process that open the same file share one
 * connection and its queue: a second connection would wait for the first one's write lock with
 * SQLite's synchronous busy-wait, blocking the very thread that must release it.
 */
const connections = new Map<string, { connection: SqliteConnection; refs: number }>();

/** A handle on a shared SQLite connection; `close()` releases it. */
export class SqliteDb implements Db {
  readonly dialect = 'sqlite' as const;
  readonly capabilities: Capabilities;
  private readonly key: string;
  private readonly connection: SqliteConnection;
  private readonly subscriptions = new Set<() => void>();
  private closed = false;

  constructor(options: SqliteOptions) {
    // Every in-memory database is its own: never shared.
    this.key = options.path === ':memory:' ? `:memory:${Math.random()}` : resolve(options.path);
    const entry = connections.get(this.key);
    if (entry !== undefined) {
      entry.refs += 1;
      this.connection = entry.connection;
    } else {
      this.connection = new SqliteConnection(options);
      connections.set(this.key, { connection: this.connection, refs: 1 });
    }
    this.capabilities = this.connection.capabilities;
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>, options?: TxOptions): Promise<T> {
    if (this.closed) return Promise.reject(new DatabaseError('The SQLite database is closed.'));
    return this.connection.transaction(fn, options);
  }

  onCommit(listener: (notice: CommitNotice) => void): () => void {
    const off = this.connection.onCommit(listener);
    const unsubscribe = (): void => {
      off();
      this.subscriptions.delete(unsubscribe);
    };
    this.subscriptions.add(unsubscribe);
    return unsubscribe;
  }

  migrate(): Promise<void> {
    return this.connection.migrate();
  }

  /**
   * Truncates the write-ahead log (a checkpoint of every frame, then the file cut to zero), then
   * gives the database file's free pages back to the filesystem, {@link RECLAIM_PAGES} per step.
   * Each step is a job of the connection's queue, so transactions issued meanwhile run between
   * steps. A checkpoint that readers of other processes keep from finishing, or a step another
   * process's write lock holds up past the busy timeout, is left for a later call. A file
   * created before incremental vacuum was chosen keeps its size (see the docs on retention for
   * the one-off `VACUUM` that converts it).
   */
  async reclaimSpace(): Promise<void> {
    try {
      await this.connection.outside(truncateWal);
      // Until no free page is left, or a step gives none back.
      for (let left = Number.POSITIVE_INFINITY; ;) {
        const now = await this.connection.outside((db) => {
          if (Number(db.pragma('auto_vacuum', { simple: true })) !== 2) return 0;
          db.pragma(`incremental_vacuum(${RECLAIM_PAGES})`);
          return Number(db.pragma('freelist_count', { simple: true }));
        });
        if (now === 0 || now >= left) break;
        left = now;
        // A turn of the event loop before the next step: what was issued during this one (a
        // start, a claim) is queued first and runs before it, not behind step after step.
        await new Promise((resolve) => setImmediate(resolve));
      }
      // The vacuum's own frames.
      await this.connection.outside(truncateWal);
    } catch (error) {
      // Another process holds the write lock: the space is given back by a later call. The
      // deletes before it have committed, and must not be reported as failed.
      if (!(error instanceof DatabaseError && error.retryable)) throw error;
    }
  }

  appliedMigrations(): Promise<number[] | null> {
    return this.connection.transaction(
      async (tx) => {
        const table = await tx.all(
          "SELECT 1 AS found FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'",
        );
        if (table.length === 0) return null;
        const rows = await tx.all<{ id: number }>('SELECT id FROM schema_migrations ORDER BY id');
        return rows.map((row) => Number(row.id));
      },
      { readOnly: true },
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const unsubscribe of [...this.subscriptions]) unsubscribe();
    const entry = connections.get(this.key);
    if (entry === undefined) return;
    entry.refs -= 1;
    if (entry.refs === 0) {
      connections.delete(this.key);
      await entry.connection.close();
    }
  }
}
