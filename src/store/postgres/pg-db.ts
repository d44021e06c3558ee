/**
 * The PostgreSQL adapter: the only module (with its siblings) that imports pg.
 *
 * Every transaction runs on one pooled client under READ COMMITTED; the shared operations rely on
 * conditional UPDATEs and row locks, which that level makes safe across any number of processes.
 * A tenant's schema is the search_path of every connection, so the shared SQL never names it.
 * Wake-ups cross processes with NOTIFY, sent inside the transaction so that PostgreSQL delivers
 * them only if it commits.
 */
import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import { DatabaseError } from '../../errors.js';
import type {
  AloneStatement,
  Capabilities,
  CommitNotice,
  Db,
  SqlValue,
  Tx,
  TxOptions,
  WakeChannel,
} from '../db.js';
import {
  eventInserts,
  readStatement,
  registerStatement,
  RunnerRefs,
  type RunnerRefRow,
} from '../ops/events.js';
import { MIGRATIONS } from '../migrations.js';
import type { NewEvent } from '../rows.js';
import { encodePayload, PgListener, type ListenerLogger } from './pg-notify.js';
import { composeAlone } from './pg-alone.js';
import { PG_ROW_LOCKS } from './pg-row-locks.js';
import { PG_SYNTAX } from './pg-syntax.js';
import {
  channelFor,
  checkText,
  inlineParams,
  isConflict,
  isConnectionError,
  literal,
  placeholdersFor,
  migrationLockKey,
  quoteIdent,
  toPgPlaceholders,
  wrapPgError,
} from './pg-sql.js';

/** How a PostgreSQL database is opened. */
export interface PgOptions {
  /** `postgres://` or `postgresql://` connection URL. */
  readonly url: string;
  /** Largest number of pooled connections (the LISTEN connection comes on top). */
  readonly poolSize: number;
  /** Tenant schema; `public` when absent. Must already be validated. */
  readonly schema?: string | undefined;
  /** Receives connection-loss and reconnection messages. @default silent */
  readonly logger?: ListenerLogger | undefined;
}

/** Times a transaction is run again after a serialization failure or deadlock. */
const MAX_CONFLICT_RETRIES = 4;

const OID_INT8 = 20;
const OID_NUMERIC = 1700;

/**
 * BIGINT (epoch-ms times, COUNT(*)) and NUMERIC (SUM) arrive as strings by default because they
 * can exceed 2^53; ours are times and counts far below that, so parse them as numbers. The
 * override is per pool: the process-wide `pg.types` is left as other code expects it.
 */
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === OID_INT8 || oid === OID_NUMERIC) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * Moves an `options` URL parameter out of the URL: pg lets URL parameters override the config
 * object, so a user's `?options=...` would otherwise silently drop the search_path set here.
 */
function takeStartupOptions(url: string): { url: string; startupOptions: string } {
  const query = url.indexOf('?');
  if (query < 0) return { url, startupOptions: '' };
  const params = new URLSearchParams(url.slice(query + 1));
  const given = params.get('options');
  if (given === null) return { url, startupOptions: '' };
  params.delete('options');
  const rest = params.toString();
  return {
    url: url.slice(0, query) + (rest === '' ? '' : `?${rest}`),
    startupOptions: `${given} `,
  };
}

const silent: ListenerLogger = { info: () => undefined, warn: () => undefined };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Listens for 'error' on a client checked out of the pool, until the returned function is called.
 *
 * pg-pool listens for errors only on idle clients: it removes its listener when it hands a client
 * out and adds it back on release. When the server goes away while a client is checked out (a
 * restart: FATAL 57P01, then ECONNRESET), pg rejects the statement in flight *and* emits 'error'
 * on the client; with no listener that event is an uncaught exception that kills the process.
 * The statement's rejection already drives the retry, so the event only marks the client as
 * broken, and the pool discards it on release instead of handing it out again.
 */
function watchCheckedOut(client: pg.PoolClient, onError: (error: Error) => void): () => void {
  client.on('error', onError);
  return () => client.removeListener('error', onError);
}

/** Statement names by SQL text: the same text always gets the same name. */
const statementNames = new Map<string, { name: string; text: string }>();

/**
 * A named (prepared) query: each pooled connection parses and plans a statement once and then
 * only binds and executes it, which saves the server most of its work per statement.
 */
function prepared(sql: string, params: readonly SqlValue[]): pg.QueryConfig {
  let entry = statementNames.get(sql);
  if (entry === undefined) {
    entry = {
      name: `cloacina_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`,
      text: toPgPlaceholders(sql),
    };
    statementNames.set(sql, entry);
  }
  // Refused here as when inlined, so both paths fail alike and before anything is sent.
  placeholdersFor(sql, params);
  const values = params.map((value) => (typeof value === 'string' ? checkText(value) : value));
  return { name: entry.name, text: entry.text, values };
}

/** Errors of autocommit functions that had already committed a statement: never retried. */
const PARTIAL = new WeakSet<object>();
const isPartial = (error: unknown): boolean => error instanceof Object && PARTIAL.has(error);

class PgTx implements Tx {
  readonly syntax = PG_SYNTAX;
  readonly locks = PG_ROW_LOCKS;
  readonly events: NewEvent[] = [];
  readonly channels = new Set<WakeChannel>();
  /** Statements that finished; under autocommit each one is committed. */
  completed = 0;
  /** Whether BEGIN has reached the server (a rollback is needed on failure). */
  begun = false;
  /** BEGIN (or BEGIN READ ONLY) until it is sent; null under autocommit. */
  #begin: string | null;
  /**
   * Statements not sent yet, in the order they were issued: `write()`s, and reads issued in the
   * current turn. They go out with BEGIN as one simple query when the turn's synchronous work
   * is done (a microtask), or with COMMIT: a transaction that only writes costs one round trip,
   * and reads issued together (`Promise.all`) share one.
   */
  readonly #queue: Queued[] = [];
  #flushQueued = false;
  /** Reads sent with COMMIT ({@link readAtCommit}), after everything else the body queued. */
  readonly #atCommit: Queued[] = [];

  /** @param begin `BEGIN` (or `BEGIN READ ONLY`), or null under autocommit. */
  constructor(
    private readonly client: pg.PoolClient,
    readonly capabilities: Capabilities,
    begin: string | null,
    private readonly runnerRefs: RunnerRefs,
  ) {
    this.#begin = begin;
  }

  async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return (await this.#query(sql, params)).rows as T[];
  }

  async get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    const rows = await this.all<T>(sql, params);
    return rows[0];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return (await this.#query(sql, params)).rowCount ?? 0;
  }

  /** Queues a statement whose result is read; it is sent at the end of the turn. */
  #query(sql: string, params: readonly SqlValue[]): Promise<pg.QueryResult> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ sql, params: [...params], read: { resolve, reject } });
      if (this.#flushQueued) return;
      this.#flushQueued = true;
      queueMicrotask(() => {
        this.#flushQueued = false;
        this.#flush().catch(() => undefined); // each read got the error
      });
    });
  }

  write(sql: string, params: readonly SqlValue[] = []): void {
    // A copy: the values are inlined when the statement is sent, not now.
    this.#queue.push({ sql, params: [...params], read: undefined });
  }

  readAtCommit<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const rows = new Promise<T[]>((resolve, reject) => {
      this.#atCommit.push({
        sql,
        params: [...params],
        read: { resolve: (result) => resolve(result.rows as T[]), reject },
      });
    });
    // A COMMIT that fails rejects it, and nobody awaits the reads of a failed transaction.
    rows.catch(() => undefined);
    return rows;
  }

  guard(condition: string, params: readonly SqlValue[] = []): void {
    // `cloacina_guard` (migration 22) raises GUARD_SQLSTATE when its argument is not true,
    // which aborts the transaction; `wrapPgError` names it.
    this.write(`SELECT cloacina_guard((${condition})) AS ok`, params);
  }

  writeExactly(sql: string, params: readonly SqlValue[], rows: number): void {
    this.write(
      `WITH changed AS (${sql} RETURNING 1)
       SELECT cloacina_guard((SELECT COUNT(*) FROM changed) = ?) AS ok`,
      [...params, rows],
    );
  }

  announce(event: NewEvent): void {
    this.events.push(event);
  }

  signal(channel: WakeChannel): void {
    this.channels.add(channel);
  }

  /**
   * Sends what is pending, the reads at commit, the event rows and `tail` (NOTIFY, COMMIT) as
   * one simple query. Values are inlined as literals, which `standard_conforming_strings=on` (a
   * startup option of every connection) makes exact: inside '…' only a doubled quote is special.
   */
  async finish(tail: readonly string[]): Promise<void> {
    // A writer of events without a number yet is numbered before the event rows, which read
    // the number themselves; its number is learnt with COMMIT. No round trip of its own.
    const missing = this.runnerRefs.missing(this.events);
    let numbering: Promise<RunnerRefRow[]> | undefined;
    if (missing.length > 0) {
      const register = registerStatement(missing);
      this.write(register.sql, register.params);
      const read = readStatement(missing);
      numbering = this.readAtCommit<RunnerRefRow>(read.sql, read.params);
    }
    this.#queue.push(...this.#atCommit.splice(0));
    const events = eventInserts(this.events, this.runnerRefs.known).map(({ sql, params }) =>
      inlineParams(sql, params),
    );
    // A transaction that ran nothing and has nothing to tell needs no round trip at all.
    const idle =
      this.#begin !== null &&
      this.#queue.length === 0 &&
      events.length === 0 &&
      tail.every((statement) => statement === 'COMMIT');
    if (idle) return;
    await this.#flush([...events, ...tail]);
    if (numbering !== undefined) this.runnerRefs.learn(await numbering);
  }

  /**
   * Sends BEGIN if not sent yet, the queued statements in order and `more` (already inlined).
   * A lone read with nothing else to send runs as a prepared statement; anything more goes as
   * one simple query, values inlined, and each read gets its own statement's result. A failure
   * rejects every read of the batch (the transaction is lost anyway) and, when `more` was
   * given, is thrown.
   */
  async #flush(more: readonly string[] = []): Promise<void> {
    const queued = this.#queue.splice(0);
    const begin = this.#begin;
    const lone = queued[0];
    if (begin === null && more.length === 0 && queued.length === 1 && lone?.read !== undefined) {
      try {
        const result = await this.client.query(prepared(lone.sql, lone.params));
        this.completed += 1;
        lone.read.resolve(result);
      } catch (error) {
        lone.read.reject(wrapPgError(error, lone.sql));
      }
      return;
    }
    let statements: string[];
    try {
      statements = [
        ...(begin === null ? [] : [begin]),
        ...queued.map(({ sql, params }) => inlineParams(sql, params)),
        ...more,
      ];
    } catch (error) {
      // A value that cannot be inlined: nothing was sent, and every read waiting hears why.
      for (const entry of queued) entry.read?.reject(error);
      throw error;
    }
    if (begin !== null) {
      this.#begin = null;
      this.begun = true;
    }
    if (statements.length === 0) return;
    let sending = statements[0]!;
    try {
      const list: pg.QueryResult[] = [];
      for (const chunk of chunksOf(statements)) {
        sending = chunk[0]!;
        const results = (await this.client.query(chunk.join(';\n'))) as
          pg.QueryResult | pg.QueryResult[];
        const got = Array.isArray(results) ? results : [results];
        if (got.length !== chunk.length) {
          throw new Error(
            `expected ${chunk.length} results from one simple query, got ${got.length}: a queued statement held more than one statement`,
          );
        }
        list.push(...got);
      }
      this.completed += statements.length;
      const offset = begin === null ? 0 : 1;
      queued.forEach((entry, i) => entry.read?.resolve(list[offset + i]!));
    } catch (error) {
      // Named by the first statement of the round trip that failed: joining them all again
      // for the message could itself pass the longest string JavaScript can hold.
      const wrapped = wrapPgError(error, sending);
      for (const entry of queued) entry.read?.reject(wrapped);
      throw wrapped;
    }
  }
}

/**
 * Most characters of inlined SQL sent in one round trip. A transaction's statements usually go
 * in one; past this (a wide fan-out copying a large output to each dependent) they go in
 * several, in order, so the joined text never nears the longest string JavaScript can hold.
 */
export const MAX_ROUND_TRIP_CHARS = 32 * 1024 * 1024;

/** `statements` in order, cut where the joined text would pass {@link MAX_ROUND_TRIP_CHARS}. */
export function chunksOf(statements: readonly string[]): string[][] {
  const chunks: string[][] = [];
  let chunk: string[] = [];
  let size = 0;
  for (const statement of statements) {
    if (chunk.length > 0 && size + statement.length > MAX_ROUND_TRIP_CHARS) {
      chunks.push(chunk);
      chunk = [];
      size = 0;
    }
    chunk.push(statement);
    size += statement.length + 2;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

/** A statement waiting to be sent; a read carries the callbacks of its caller. */
interface Queued {
  readonly sql: string;
  readonly params: readonly SqlValue[];
  readonly read:
    { resolve: (result: pg.QueryResult) => void; reject: (error: unknown) => void } | undefined;
}

/** A pooled PostgreSQL database, optionally confined to one tenant schema. */
export class PgDb implements Db {
  readonly dialect = 'postgres' as const;
  readonly capabilities: Capabilities = {
    concurrentWriters: true,
    claimsSkipHeldRows: true,
    chainedWrites: true,
    readsRideWithCommit: true,
    listenNotify: true,
    serialWriteBatches: true,
    statementsBlockProcess: false,
  };
  /** The schema every connection works in. */
  readonly schema: string;
  private readonly pool: pg.Pool;
  private readonly listener: PgListener;
  private readonly channel: string;
  /** Identifies this handle's NOTIFY payloads, so it ignores its own (already announced) commits. */
  private readonly senderId = randomUUID();
  private readonly listeners = new Set<(notice: CommitNotice) => void>();
  private readonly logger: ListenerLogger;
  /** The numbers of event writers (migration 27) seen committed, shared by every connection. */
  readonly #runnerRefs = new RunnerRefs();
  private closed = false;
  private closing: Promise<void> | undefined;

  constructor(options: PgOptions) {
    this.schema = options.schema ?? 'public';
    this.channel = channelFor(this.schema);
    this.logger = options.logger ?? silent;
    // search_path as a startup parameter: set before the first statement of every connection,
    // including ones the pool opens after a reconnect. Only the tenant schema is on it, so one
    // tenant can never read another's tables by accident (pg_catalog is always searched).
    const { url, startupOptions } = takeStartupOptions(options.url);
    const config: pg.ClientConfig = {
      connectionString: url,
      // standard_conforming_strings: relied on by the literals of the commit query.
      // enable_bitmapscan=off (first, so a user's `options` can turn it back on): the claim and
      // the other hot statements fetch a few rows through an index, and the task rows churn
      // fast. A bitmap scan, which the planner picks for such small estimates, visits every
      // index entry of rows that left the Ready state but are not vacuumed yet (thousands, under
      // load) and sorts afterwards; a plain index scan reads in claim order, stops at the limit
      // and marks the dead entries it meets so later scans skip them (figures in
      // docs/performance.md, "Measurements behind the code").
      // enable_seqscan=off (also overridable): every engine statement reaches its rows through
      // an index, but tables that grow fast are not analyzed yet (autovacuum waits a minute),
      // so the planner sizes them from stale figures and picks sequential scans whose cost grows
      // with the table: the counter update joined its VALUES to a scan of every execution.
      // The setting only makes a sequential scan the last resort; a query with no index path still
      // gets one.
      // jit=off (overridable): that last resort is priced 10^10, far above jit_above_cost, so
      // PostgreSQL would compile the statement to machine code (tens of milliseconds, more
      // under load) to read a few rows.
      options: `-c enable_bitmapscan=off -c enable_seqscan=off -c jit=off ${startupOptions}-c search_path=${quoteIdent(this.schema)} -c standard_conforming_strings=on -c plan_cache_mode=force_custom_plan`,
      types,
      connectionTimeoutMillis: 10_000,
    };
    this.pool = new pg.Pool({ ...config, max: options.poolSize });
    // An idle client whose connection drops (server restart, terminated backend) emits 'error' on
    // the pool; unhandled, that would crash the process. The pool discards the client itself.
    this.pool.on('error', (error) => {
      this.logger.warn(
        { err: error },
        'an idle PostgreSQL connection failed; the pool replaces it',
      );
    });
    this.listener = new PgListener({
      config,
      channel: this.channel,
      ownId: this.senderId,
      onWake: (channels) => this.emit({ events: [], channels, remote: true }),
      logger: this.logger,
    });
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>, options: TxOptions = {}): Promise<T> {
    return this.#settleThenAnnounce(this.runWithRetries(fn, options), ({ value, tx }) => ({
      value,
      events: tx.events,
      channels: tx.channels,
    }));
  }

  readonly writeAlone = <T>(statement: AloneStatement): Promise<T[] | undefined> => {
    const composed = composeAlone(statement, this.#runnerRefs.known, (channels) => [
      this.channel,
      encodePayload(this.senderId, channels),
    ]);
    if (composed === undefined) return Promise.resolve(undefined);
    // One statement under autocommit: a lone read, sent as a named statement. Its events were
    // written by the statement itself, so they are announced here, not by the transaction.
    const run = this.runWithRetries((tx) => tx.all<T>(composed.sql, composed.params), {
      autocommit: true,
    });
    return this.#settleThenAnnounce(run, ({ value }) => ({
      value,
      events: statement.events,
      channels: new Set(statement.channels),
    }));
  };

  /**
   * Settles the caller with what `run` committed first, then tells this process's listeners,
   * as the SQLite adapter does: a caller's continuation (e.g. the executor registering the
   * tasks it just claimed) runs before the reactions of listeners to the events of that commit.
   */
  #settleThenAnnounce<R, T>(
    run: Promise<R>,
    committed: (result: R) => { value: T } & Omit<CommitNotice, 'remote'>,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      run.then((result) => {
        const { value, events, channels } = committed(result);
        resolve(value);
        if (events.length > 0 || channels.size > 0) {
          this.emit({ events, channels, remote: false });
        }
      }, reject);
    });
  }

  private async runWithRetries<T>(
    fn: (tx: Tx) => Promise<T>,
    options: TxOptions,
  ): Promise<{ value: T; tx: PgTx }> {
    for (let attempt = 1; ; attempt += 1) {
      if (this.closed) throw new DatabaseError('The PostgreSQL database handle is closed.');
      try {
        return await (options.autocommit === true
          ? this.runAutocommit(fn)
          : this.runOnce(fn, options.readOnly ?? false));
      } catch (error) {
        if (attempt <= MAX_CONFLICT_RETRIES && isConflict(error) && !isPartial(error)) {
          // Rows were locked in a different order by a concurrent transaction; nothing was
          // committed, so running the whole function again is safe.
          await sleep(Math.round(5 * 2 ** attempt * (0.5 + Math.random())));
          continue;
        }
        throw wrapPgError(error, 'transaction');
      }
    }
  }

  private async runOnce<T>(
    fn: (tx: Tx) => Promise<T>,
    readOnly: boolean,
  ): Promise<{ value: T; tx: PgTx }> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    const stopWatching = watchCheckedOut(client, (error) => (broken ??= error));
    const tx = new PgTx(
      client,
      this.capabilities,
      readOnly ? 'BEGIN READ ONLY' : 'BEGIN',
      this.#runnerRefs,
    );
    try {
      const value = await fn(tx);
      // Delivered by PostgreSQL at commit, and only if the transaction commits.
      const tail = readOnly ? [] : this.notification(tx);
      tail.push('COMMIT');
      await tx.finish(tail);
      return { value, tx };
    } catch (error) {
      if (tx.begun) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          // The connection is unusable: tell the pool to discard it rather than hand it out again.
          broken =
            rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        }
      }
      if (broken === undefined && isConnectionError(error)) broken = error as Error;
      throw error;
    } finally {
      stopWatching();
      client.release(broken);
    }
  }

  /** Runs `fn` without BEGIN/COMMIT: each statement commits on its own. */
  private async runAutocommit<T>(fn: (tx: Tx) => Promise<T>): Promise<{ value: T; tx: PgTx }> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    const stopWatching = watchCheckedOut(client, (error) => (broken ??= error));
    const tx = new PgTx(client, this.capabilities, null, this.#runnerRefs);
    try {
      const value = await fn(tx);
      await tx.finish(this.notification(tx));
      return { value, tx };
    } catch (error) {
      if (broken === undefined && isConnectionError(error)) broken = error as Error;
      // Statements before the failing one are committed: running `fn` again would repeat them.
      if (tx.completed > 0 && error instanceof Object) PARTIAL.add(error);
      throw error;
    } finally {
      stopWatching();
      client.release(broken);
    }
  }

  /**
   * The NOTIFY of what `tx` did, as a statement list (empty when there is nothing to tell). A
   * transaction that appended events also names 'events', so that readers of the event feed in
   * other processes hear of every append; runners ignore that channel.
   */
  private notification(tx: PgTx): string[] {
    const channels: ReadonlySet<WakeChannel> =
      tx.events.length > 0 ? new Set([...tx.channels, 'events']) : tx.channels;
    if (channels.size === 0) return [];
    return [
      `SELECT pg_notify(${literal(this.channel)}, ${literal(
        encodePayload(this.senderId, channels),
      )})`,
    ];
  }

  onCommit(listener: (notice: CommitNotice) => void): () => void {
    this.listeners.add(listener);
    if (!this.closed) void this.listener.start();
    return () => this.listeners.delete(listener);
  }

  private emit(notice: CommitNotice): void {
    for (const listener of this.listeners) {
      try {
        listener(notice);
      } catch {
        // A listener never breaks the store; listeners guard their own errors.
      }
    }
  }

  /**
   * Creates the schema if needed and applies missing migrations, serialized across processes by a
   * transaction-scoped advisory lock. Then starts the LISTEN connection and waits for it, so that
   * a runner created after `migrate()` resolves hears every commit made from then on.
   */
  async migrate(): Promise<void> {
    if (this.closed) throw new DatabaseError('The PostgreSQL database handle is closed.');
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw wrapPgError(error, 'connect for migrations');
    }
    let broken: Error | undefined;
    const stopWatching = watchCheckedOut(client, (error) => (broken ??= error));
    let step = 'BEGIN';
    try {
      await client.query('BEGIN');
      step = 'advisory lock';
      // Several processes starting together queue here; the first applies, the others find
      // nothing left to do. CREATE SCHEMA / CREATE TABLE IF NOT EXISTS alone would race.
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [
        migrationLockKey(this.schema),
      ]);
      if (this.schema !== 'public') {
        step = 'create schema';
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(this.schema)}`);
      }
      step = 'schema_migrations';
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms BIGINT NOT NULL)',
      );
      const applied = new Set(
        (await client.query<{ id: number }>('SELECT id FROM schema_migrations')).rows.map(
          (row) => row.id,
        ),
      );
      for (const migration of MIGRATIONS) {
        if (applied.has(migration.id)) continue;
        for (const sql of migration.postgres) {
          step = `migration ${migration.id}: ${sql}`;
          await client.query(sql);
        }
        await client.query(
          'INSERT INTO schema_migrations (id, name, applied_at_ms) VALUES ($1, $2, $3)',
          [migration.id, migration.name, Date.now()],
        );
      }
      step = 'COMMIT';
      await client.query('COMMIT');
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      }
      throw wrapPgError(error, step);
    } finally {
      stopWatching();
      client.release(broken);
    }
    await this.listener.start();
  }

  async appliedMigrations(): Promise<number[] | null> {
    const applied = await this.transaction(
      async (tx) => {
        // The search_path is the tenant's schema: a missing schema or table both read as null.
        const [table] = await tx.all<{ found: string | null }>(
          "SELECT to_regclass('schema_migrations')::text AS found",
        );
        if (table?.found == null) return null;
        const rows = await tx.all<{ id: number }>('SELECT id FROM schema_migrations ORDER BY id');
        return rows.map((row) => Number(row.id));
      },
      { readOnly: true },
    );
    if (applied !== null) await this.listener.start();
    return applied;
  }

  /** Stops the listener and ends the pool. Idempotent. */
  /** Nothing to do: autovacuum returns the space of deleted rows to the tables. */
  reclaimSpace(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    this.closing ??= (async () => {
      await this.listener.stop();
      await this.pool.end();
    })();
    return this.closing;
  }
}
