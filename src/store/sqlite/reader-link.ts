/**
 * The main thread's side of the reader thread (`reader-thread.ts`): starts it at the first
 * request, sends requests and matches their replies, fails every request it owes if it dies,
 * and stops it once no connection has been open on it for {@link IDLE_MS}.
 *
 * One thread serves every SQLite file of the process, like the main thread does: it is started
 * once, not per store (from the TypeScript sources, with tsx compiling it, a start costs a few
 * hundred milliseconds of the thread's time).
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { DatabaseError } from '../../errors.js';
import type { SqlValue } from '../db.js';
import { openError, wrap } from './sqlite-errors.js';
import type { ReaderReply, ReaderRequest, WireError } from './reader-wire.js';

/** How long the thread stays up with no connection open, for the next store to use. */
const IDLE_MS = 10_000;

/** A request sent and not yet answered. */
interface Pending {
  /** The statement, for the message of its error. */
  readonly sql: string;
  /** The file of its connection, for the message of an error opening it. */
  readonly path: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** The part of tsx's package.json that says where its ESM API is. */
interface TsxManifest {
  readonly exports: { readonly './esm/api': { readonly import: { readonly default: string } } };
}

/**
 * The thread's entry module. Built, it is `reader-thread.js` next to this file. Run from the
 * TypeScript sources (tests, benchmarks), it is a small module that registers tsx in the thread
 * and then loads `reader-thread.ts`: tsx given to the process does not apply to threads on
 * Node 20.
 */
function entry(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL('./reader-thread.js', import.meta.url);
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const exports = (JSON.parse(readFileSync(manifest, 'utf8')) as TsxManifest).exports;
  const tsx = new URL(exports['./esm/api'].import.default, pathToFileURL(manifest)).href;
  const source = new URL('./reader-thread.ts', import.meta.url).href;
  const bootstrap =
    `import { register } from ${JSON.stringify(tsx)}; register();\n` +
    `await import(${JSON.stringify(source)});\n`;
  return new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`);
}

/** The error better-sqlite3 raised in the thread, rebuilt so that {@link wrap} reads it alike. */
function rebuild(error: WireError): Error {
  if (error.code !== undefined) return new Database.SqliteError(error.message, error.code);
  if (error.name === 'TypeError') return new TypeError(error.message);
  if (error.name === 'RangeError') return new RangeError(error.message);
  return Object.assign(new Error(error.message), { name: error.name });
}

/** One running reader thread and the requests it owes answers to. */
export class ReaderThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  /** Why it takes no more requests, once it failed, exited or was stopped. */
  #failure: DatabaseError | null = null;

  constructor() {
    this.#worker = new Worker(entry());
    // An idle thread does not keep the process alive; one that owes an answer does.
    this.#worker.unref();
    this.#worker.on('message', (reply: ReaderReply) => this.#answer(reply));
    this.#worker.on('error', (error) => {
      this.fail(
        new DatabaseError(`The SQLite reader thread failed: ${error.message}`, {
          retryable: true,
          cause: error,
        }),
      );
    });
    this.#worker.on('exit', (code) => {
      this.fail(
        new DatabaseError(`The SQLite reader thread stopped (exit code ${code}).`, {
          retryable: true,
        }),
      );
    });
  }

  /** Whether it still takes requests. */
  get alive(): boolean {
    return this.#failure === null;
  }

  /** Sends a request that is not answered. */
  post(request: Extract<ReaderRequest, { kind: 'open' | 'end' }>): void {
    if (this.#failure === null) this.#worker.postMessage(request);
  }

  /** Sends a statement of connection `conn` and resolves with its rows (or count of rows). */
  statement(
    conn: number,
    path: string,
    request: { sql: string; params: readonly SqlValue[]; begin: boolean; count: boolean },
  ): Promise<unknown> {
    return this.#ask(path, request.sql, (id) => ({ kind: 'statement', id, conn, ...request }));
  }

  /** Closes connection `conn`; resolves once the thread closed it. */
  close(conn: number, path: string): Promise<unknown> {
    return this.#ask(path, 'close', (id) => ({ kind: 'close', id, conn }));
  }

  /**
   * Fails every request it owes, and every later one, with `failure`, and stops the thread.
   * Also how it is stopped when idle (nothing is owed then).
   */
  fail(failure: DatabaseError): void {
    if (this.#failure !== null) return;
    this.#failure = failure;
    for (const pending of this.#pending.values()) pending.reject(failure);
    this.#pending.clear();
    if (current === this) current = null;
    void this.#worker.terminate();
  }

  /** Ends the thread as a crash would, without a word to it first. @internal For tests. */
  crash(): Promise<number> {
    return this.#worker.terminate();
  }

  #ask(path: string, sql: string, request: (id: number) => ReaderRequest): Promise<unknown> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      if (this.#pending.size === 0) this.#worker.ref();
      this.#pending.set(id, { sql, path, resolve, reject });
      this.#worker.postMessage(request(id));
    });
  }

  #answer(reply: ReaderReply): void {
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#worker.unref();
    if (reply.kind === 'result') pending.resolve(reply.value);
    else if (reply.opening) pending.reject(openError(pending.path, rebuild(reply.error)));
    else pending.reject(wrap(rebuild(reply.error), pending.sql));
  }
}

/** The running thread, if any. */
let current: ReaderThread | null = null;
/** Connections open on {@link current}. */
let users = 0;
/** Stops an idle thread; set while no connection is open. */
let idleTimer: NodeJS.Timeout | undefined;

/** The running reader thread, started if there is none (or the last one failed). */
export function readerThread(): ReaderThread {
  if (current === null || !current.alive) {
    current = new ReaderThread();
    users = 0;
  }
  return current;
}

/** Counts a connection opened on `thread`; the thread stays up while one is open. */
export function connectionOpened(thread: ReaderThread): void {
  if (thread !== current) return;
  users += 1;
  clearTimeout(idleTimer);
  idleTimer = undefined;
}

/** Counts a connection of `thread` closed; the last one starts the idle countdown. */
export function connectionClosed(thread: ReaderThread): void {
  if (thread !== current) return;
  users -= 1;
  if (users > 0) return;
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    idleTimer = undefined;
    if (thread === current && users === 0) {
      thread.fail(new DatabaseError('The SQLite reader thread stopped: it was idle.'));
    }
  }, IDLE_MS);
  idleTimer.unref();
}
