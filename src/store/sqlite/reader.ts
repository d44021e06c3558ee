/**
 * Long reads of a SQLite file off the event loop. better-sqlite3 runs every statement on the
 * calling thread, so a listing that scans a large history would hold up every timer, claim and
 * heartbeat of the process while it runs. A {@link SqliteReader} sends the statements of the
 * transactions it is given to the reader thread (`reader-link.ts`), where a read-only
 * connection to the same file runs them (WAL mode lets it read while the main connection
 * writes), and awaits their rows.
 *
 * The transaction function itself runs on the main thread; only its statements cross, one
 * message each way per statement. A reader's transactions run one at a time, each in one
 * transaction of the thread's connection, so its statements share one snapshot.
 */
import { DatabaseError } from '../../errors.js';
import type { Capabilities, SqlValue, Tx, WakeChannel } from '../db.js';
import type { NewEvent } from '../rows.js';
import { SQLITE_ROW_LOCKS } from './sqlite-row-locks.js';
import { SQLITE_SYNTAX } from './sqlite-syntax.js';
import {
  connectionClosed,
  connectionOpened,
  readerThread,
  type ReaderThread,
} from './reader-link.js';

/** One transaction waiting for its turn. */
interface ReaderJob {
  readonly fn: (tx: Tx) => Promise<unknown>;
  /** Its statements need no shared snapshot (see `TxOptions.autocommit`). */
  readonly autocommit: boolean;
  /** Settles once every transaction issued on the main connection before this one committed. */
  readonly after: Promise<void>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** Tells connections of the reader thread apart. */
let nextConnection = 1;

/** The error of a closed database, as the main connection gives it. */
function closedError(): DatabaseError {
  return new DatabaseError('The SQLite database is closed.');
}

/** A transaction of a {@link SqliteReader}: its statements run in the reader thread. */
class ReaderTx implements Tx {
  readonly syntax = SQLITE_SYNTAX;
  readonly locks = SQLITE_ROW_LOCKS;
  /** The thread of the snapshot, once the first statement opened it. */
  thread: ReaderThread | null = null;

  constructor(
    private readonly reader: SqliteReader,
    readonly capabilities: Capabilities,
    /** Whether the statements share one snapshot (a transaction in the thread). */
    private readonly snapshot: boolean,
  ) {}

  all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.send(sql, params, false) as Promise<T[]>;
  }

  async get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    const rows = await this.all<T>(sql, params);
    return rows[0];
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.send(sql, params, true) as Promise<number>;
  }

  /** A read-only transaction commits nothing: the read is taken now. */
  readAtCommit<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.all<T>(sql, params);
  }

  write(sql: string): void {
    throw this.readOnly(sql);
  }

  guard(condition: string): void {
    throw this.readOnly(`guard ${condition}`);
  }

  writeExactly(sql: string): void {
    throw this.readOnly(sql);
  }

  announce(event: NewEvent): void {
    throw this.readOnly(`event ${event.type}`);
  }

  signal(channel: WakeChannel): void {
    throw this.readOnly(`signal ${channel}`);
  }

  private send(sql: string, params: readonly SqlValue[], count: boolean): Promise<unknown> {
    const thread = this.reader.thread();
    // A snapshot does not outlive its thread: a new thread would read a newer one.
    if (this.snapshot && this.thread !== null && this.thread !== thread) {
      return Promise.reject(
        new DatabaseError('The SQLite reader thread stopped in the middle of a read transaction.', {
          retryable: true,
        }),
      );
    }
    const begin = this.snapshot && this.thread === null;
    if (this.snapshot) this.thread = thread;
    return this.reader.statement(thread, { sql, params, begin, count });
  }

  private readOnly(what: string): DatabaseError {
    return new DatabaseError(
      `A long read runs on a read-only connection of the SQLite reader thread and cannot write (${what}).`,
    );
  }
}

/**
 * Runs read-only transactions on the reader thread's connection to one SQLite file. Each sees
 * every transaction issued on the main connection before it (`after` of
 * {@link SqliteReader.transaction}). Never for `:memory:`, which no other connection can open.
 */
export class SqliteReader {
  readonly #conn = nextConnection++;
  /** The thread this reader's connection is open on, if any. */
  #opened: ReaderThread | null = null;
  readonly #queue: ReaderJob[] = [];
  #draining: Promise<void> | null = null;
  #closed = false;

  constructor(
    private readonly path: string,
    private readonly busyTimeoutMs: number,
    private readonly capabilities: Capabilities,
  ) {}

  /**
   * Runs `fn` once every earlier transaction of this reader ended and `after` settled. With
   * `autocommit`, each statement reads its own snapshot (one statement: the same thing).
   */
  transaction<T>(
    fn: (tx: Tx) => Promise<T>,
    options: { autocommit: boolean; after: Promise<void> },
  ): Promise<T> {
    if (this.#closed) return Promise.reject(closedError());
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({
        fn,
        autocommit: options.autocommit,
        after: options.after,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      this.#draining ??= this.#drain();
    });
  }

  /**
   * Waits for the transactions already asked for, then closes this file's connection in the
   * thread (before the main connection closes: the last connection to a file checkpoints its
   * log and removes it, which a read-only one cannot). Idempotent.
   */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#draining !== null) await this.#draining;
    const thread = this.#opened;
    this.#opened = null;
    if (thread === null) return;
    try {
      await thread.close(this.#conn, this.path);
    } catch {
      // The thread died: its connections went with it.
    } finally {
      connectionClosed(thread);
    }
  }

  /** The thread with this file's connection open on it, opened there first if need be. */
  thread(): ReaderThread {
    const thread = readerThread();
    if (this.#opened !== thread) {
      if (this.#opened !== null) connectionClosed(this.#opened);
      thread.post({
        kind: 'open',
        conn: this.#conn,
        path: this.path,
        busyTimeoutMs: this.busyTimeoutMs,
      });
      connectionOpened(thread);
      this.#opened = thread;
    }
    return thread;
  }

  /** Sends one statement of this file's connection. */
  statement(
    thread: ReaderThread,
    request: { sql: string; params: readonly SqlValue[]; begin: boolean; count: boolean },
  ): Promise<unknown> {
    return thread.statement(this.#conn, this.path, request);
  }

  async #drain(): Promise<void> {
    try {
      for (let job = this.#queue.shift(); job !== undefined; job = this.#queue.shift()) {
        await job.after;
        const tx = new ReaderTx(this, this.capabilities, !job.autocommit);
        try {
          job.resolve(await job.fn(tx));
        } catch (error) {
          job.reject(error);
        } finally {
          tx.thread?.post({ kind: 'end', conn: this.#conn });
        }
      }
    } finally {
      this.#draining = null;
    }
  }
}
