/**
 * The small driver contract each adapter implements. Semantic operations (`store/ops/`) are
 * written once against it, so both backends share one set of SQL and one set of semantics;
 * only connection handling, placeholders, row locks ({@link RowLocks}), a few pieces of syntax
 * ({@link DialectSyntax}) and the operations an adapter implements its own way (its event feed)
 * differ per adapter.
 */
import { DatabaseError } from '../errors.js';
import type { NewEvent } from './rows.js';

/** SQL dialect of an adapter. */
export type Dialect = 'sqlite' | 'postgres';

/**
 * What an adapter's database does, each named after the choice it gates, so that shared code
 * asks what it needs to know instead of which database it runs on.
 */
export interface Capabilities {
  /**
   * Write transactions run at the same time and wait on each other's row locks
   * ({@link RowLocks}), so what a guard read is checked again once the lock is held, and a lock
   * that many writers want is spread over stripes that each may take (with guessed places).
   * False where one writer runs at a time (SQLite), which needs neither the second look nor
   * the stripes.
   */
  readonly concurrentWriters: boolean;
  /**
   * A claim passes over rows other claimers hold (`SKIP LOCKED`): a row that looks Ready to a
   * plain read may be held by another claimer, so a full claim cannot learn by a second look
   * whether more are left.
   */
  readonly claimsSkipHeldRows: boolean;
  /**
   * A statement that writes can go on to write or read what it changed (a writable CTE), so an
   * operation chains its steps into one statement: one round trip where each statement costs
   * one. False where steps run as separate statements, which cost no round trip (SQLite).
   */
  readonly chainedWrites: boolean;
  /**
   * A read asked for at commit ({@link Tx.readAtCommit}) travels with the COMMIT, saving the
   * round trip a read after the commit would cost, so a write that ends executions brings
   * them to this process's waiters. False where a read costs no round trip: there the waiters
   * read an ended execution after its event as cheaply, and the commit's events are not held
   * up for it.
   */
  readonly readsRideWithCommit: boolean;
  /** Cross-process wake-ups through `LISTEN/NOTIFY`. */
  readonly listenNotify: boolean;
  /**
   * Batches of writes to the same executions (completions) go one at a time: concurrent ones
   * would queue on each other's row locks, each holding a connection while it waits. False
   * where concurrent write transactions share one commit (a single writer with group commit).
   */
  readonly serialWriteBatches: boolean;
  /**
   * Statements run on the process's own thread (SQLite's synchronous connection): while one
   * runs, every timer, request and task of the process waits. Background work that writes in
   * batches (pruning) keeps its batches small there, at some cost in total time.
   */
  readonly statementsBlockProcess: boolean;
}

/**
 * Pieces of SQL whose spelling differs per backend, written by the adapter, so that shared SQL
 * (`ops/`) never spells one dialect's syntax itself.
 */
export interface DialectSyntax {
  /**
   * Follows a text expression in a comparison or ORDER BY so that it compares by bytes,
   * whatever the database's collation, and lock orders agree: ` COLLATE "C"` on PostgreSQL;
   * empty on SQLite, whose default collation (BINARY) already compares bytes.
   */
  readonly byteOrder: string;
  /**
   * Ends a SELECT whose rows the transaction goes on to write, holding them until it ends:
   * ` FOR UPDATE` where writers run concurrently; empty where one writer runs at a time.
   */
  readonly forUpdate: string;
  /**
   * Ends a SELECT whose rows must not change until the transaction ends, while others may
   * read them: ` FOR SHARE`, or empty where one writer runs at a time.
   */
  readonly forShare: string;
  /**
   * Ends a SELECT that takes rows for the transaction to write and passes over rows other
   * transactions hold (a claim): ` FOR UPDATE SKIP LOCKED`, or empty where one writer runs at
   * a time and no row is ever held by another.
   */
  readonly forUpdateSkipLocked: string;
  /** {@link forUpdateSkipLocked} for the rows of one table (`alias`) of a join. */
  forUpdateOfSkipLocked(alias: string): string;
}

/** A table whose rows writers lock in id order. */
export type IdLockedTable = 'task_executions' | 'workflow_executions';

/** The stripes `first` to `last` (inclusive) of one concurrency group's lock. */
export interface StripeRange {
  readonly workflowName: string;
  readonly key: string;
  readonly first: number;
  readonly last: number;
}

/** A task whose attempts in flight are limited, named by its workflow. */
export interface LimitedTask {
  readonly workflowName: string;
  readonly taskId: string;
}

/**
 * The statements that make concurrent writers queue on the rows they share, written by the
 * adapter. Shared operations call them wherever another writer could interfere, and decide
 * what to lock and in which order; the adapter decides how. PostgreSQL locks rows (creating
 * the lock rows of groups and limits on first use); where one writer runs at a time (SQLite,
 * whose writer holds the whole database until it commits) each of them does nothing.
 */
export interface RowLocks {
  /**
   * A WHERE prefix (`… AND `) that locks the rows of `table` among `ids` (those meeting
   * `condition`, if given) in id order before the statement it begins updates them, with the
   * parameters it needs, which come before the statement's own; empty where nothing is locked.
   */
  idOrderPrefix(
    table: IdLockedTable,
    ids: readonly string[],
    condition?: string,
  ): { where: string; params: string[] };
  /**
   * Locks the rows of `table` among `ids` in id order, sent with the next statement. Every
   * writer that settles tasks locks their execution rows this way first, before it touches
   * their dependents and counters.
   */
  rowsInIdOrder(tx: Tx, table: IdLockedTable, ids: Iterable<string>): void;
  /** Locks the rate limit of `workflowName`, sent with the next statement. */
  rateLimit(tx: Tx, workflowName: string): void;
  /**
   * Locks the stripes of concurrency groups in `ranges`, given in lock order, with the
   * statement that follows; within the call, by workflow (byte order), key, then stripe.
   */
  groupStripes(tx: Tx, ranges: readonly StripeRange[]): void;
  /** Locks the limits of `tasks` in one fixed order, and waits for the locks. */
  taskLimits(tx: Tx, tasks: readonly LimitedTask[]): Promise<void>;
}

/** A parameter value: SQL text uses `?` placeholders, translated per dialect. */
export type SqlValue = string | number | null;

/**
 * One open transaction. Statements run in order; the transaction commits when the function
 * given to {@link Db.transaction} resolves and rolls back when it throws.
 */
export interface Tx {
  readonly capabilities: Capabilities;
  readonly syntax: DialectSyntax;
  /** How this backend keeps concurrent writers off the rows they share. */
  readonly locks: RowLocks;
  /** All rows of a query. */
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** The first row of a query, or undefined. */
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** Runs a statement; resolves to the number of rows changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /**
   * A statement whose result nobody reads. It takes effect in order with the others, but the
   * adapter may send it later, together with the next statement or with COMMIT (PostgreSQL:
   * one round trip for a transaction that only writes); an error surfaces there. Its SQL must
   * not contain `?` other than placeholders.
   */
  write(sql: string, params?: readonly SqlValue[]): void;
  /**
   * Checks an assumption the transaction made without reading: `condition`, an SQL boolean
   * expression, must hold when it runs, in order with the other statements; otherwise the
   * transaction fails with {@link GuardRefusedError} and nothing it wrote stays. Sent like a
   * `write` (PostgreSQL: with the next statement or COMMIT), so a guessed write costs no round
   * trip of its own.
   */
  guard(condition: string, params?: readonly SqlValue[]): void;
  /**
   * A {@link write} of a data-modifying statement (no RETURNING) that must change exactly
   * `rows` rows: a guessed write whose own WHERE holds what was assumed. Otherwise the
   * transaction fails with {@link GuardRefusedError} and nothing it wrote stays. One statement
   * where a write and a separate {@link guard} would be two to plan and run.
   */
  writeExactly(sql: string, params: readonly SqlValue[], rows: number): void;
  /**
   * A read of what the transaction leaves, settled once it committed: PostgreSQL sends it
   * with COMMIT (no round trip of its own; a failure fails the transaction); SQLite takes it
   * right after the commit, once the commit's listeners were told (a failure rejects the read
   * only). The caller awaits it after the transaction resolved, never inside the transaction
   * function (which would wait for itself), and not after a failed transaction, whose reads
   * may never settle. Meant for rows the transaction has just written and that change no more
   * (an ended execution).
   */
  readAtCommit<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /**
   * Records an event: the adapter writes its row in this transaction, together with the
   * transaction's other events just before commit, and announces it after commit.
   */
  announce(event: NewEvent): void;
  /** Records a wake-up to broadcast after commit (e.g. 'task_ready', 'schedule_changed'). */
  signal(channel: WakeChannel): void;
}

/**
 * Kinds of cross-process wake-ups. 'events' is sent by every transaction that appended events
 * (PostgreSQL adds it itself), for readers of the event feed; the engine ignores it.
 */
export type WakeChannel = 'tasks' | 'executions' | 'triggers' | 'cron' | 'events';

/** What is announced after a transaction commits. */
export interface CommitNotice {
  readonly events: readonly NewEvent[];
  readonly channels: ReadonlySet<WakeChannel>;
  /** True when the notice comes from another process (Postgres `NOTIFY`); `events` is then empty. */
  readonly remote: boolean;
}

/** Options of one transaction. */
export interface TxOptions {
  /** A read-only transaction never takes the write lock. */
  readonly readOnly?: boolean;
  /**
   * The function's statements need no atomicity together (one statement, or independent
   * ones), so each may commit on its own: PostgreSQL then skips BEGIN and COMMIT, two of the
   * three round trips of a one-statement operation. Wake-ups (`signal`) are sent after the
   * function, not with its writes. SQLite ignores it (its group commit is cheaper still).
   */
  readonly autocommit?: boolean;
  /**
   * A read (with `readOnly`) that may take long: a listing, statistics, a history or a feed
   * page that scans much of the database. Where statements block the process (SQLite), the
   * adapter may run it on a connection of another thread; it still sees every transaction
   * issued before it. Reads on the engine's hot path (claims, waiters' status reads) leave it
   * unset: handing a statement to another thread costs more than they take.
   */
  readonly longRead?: boolean;
  /**
   * Maintenance that may wait (a batch of a prune or an event cleanup). Where the process has
   * one connection (SQLite), it commits alone, never in a group with other work, and work
   * queued behind it goes first: a start asked for meanwhile waits for the batch already
   * running at most, not for the next one too. Other adapters ignore it.
   */
  readonly background?: boolean;
}

/**
 * One data-modifying statement that is a transaction of its own, with the event rows it records
 * and its wake-ups folded in (see {@link Db.writeAlone}). `ctes` are the statement's `WITH`
 * items (`name AS (UPDATE … RETURNING …)`, comma-separated); `select` is what its final
 * `SELECT` returns; `exactly` names a CTE that must return exactly `rows` rows, or the whole
 * statement rolls back with a {@link GuardRefusedError}.
 */
export interface AloneStatement {
  readonly ctes: string;
  readonly cteParams: readonly SqlValue[];
  readonly select: string;
  readonly selectParams: readonly SqlValue[];
  readonly exactly: { readonly cte: string; readonly rows: number };
  readonly events: readonly NewEvent[];
  readonly channels: readonly WakeChannel[];
}

/** A database handle owned by one adapter. */
export interface Db {
  readonly dialect: Dialect;
  readonly capabilities: Capabilities;
  /** Runs `fn` in one transaction and, after commit, announces what it recorded. */
  transaction<T>(fn: (tx: Tx) => Promise<T>, options?: TxOptions): Promise<T>;
  /**
   * Runs `statement` as one round trip that commits alone: its CTEs, its event rows, its
   * wake-ups and its check, in one statement the server parses once per connection; after the
   * commit, its events and wake-ups are announced as a transaction's are. Returns the final
   * `SELECT`'s rows, or undefined when this adapter cannot take the statement now (a writer of
   * its events not numbered yet); absent where statements cannot be folded so (SQLite).
   */
  readonly writeAlone?: <T>(statement: AloneStatement) => Promise<T[] | undefined>;
  /** Subscribes to commit notices of this process (and of others, where the backend can). */
  onCommit(listener: (notice: CommitNotice) => void): () => void;
  /** Applies migrations; safe when several processes start at once. */
  migrate(): Promise<void>;
  /**
   * The ids of the migrations the database has applied, read without creating or changing
   * anything; null when it holds no Cloacina schema. Then starts what `migrate()` starts
   * (PostgreSQL's LISTEN connection), so the handle serves like a migrated one.
   */
  appliedMigrations(): Promise<number[] | null>;
  /**
   * Gives disk space that deletes freed back to the filesystem, in small steps that let other
   * transactions in between: SQLite truncates its write-ahead log and returns free pages
   * (incremental vacuum); PostgreSQL's autovacuum does its own, so there it does nothing.
   */
  reclaimSpace(): Promise<void>;
  /** Closes connections. Idempotent. */
  close(): Promise<void>;
}

/** The SQLSTATE of a refused guard on PostgreSQL (raised by `cloacina_guard`, migration 22). */
export const GUARD_SQLSTATE = 'CL001';

/**
 * A {@link Tx.guard} found its condition false: the transaction rolled back. The operation that
 * guessed runs again without guessing (see `ops/admission.ts`); a caller never sees this error.
 */
export class GuardRefusedError extends DatabaseError {
  constructor(cause?: unknown) {
    super('A guarded assumption of the transaction did not hold; it was rolled back.', {
      retryable: true,
      cause,
    });
  }
}
