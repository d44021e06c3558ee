/**
 * The messages between the SQLite readers (`reader.ts`, on the main thread) and the reader
 * thread (`reader-thread.ts`). Types only: the thread imports nothing else of the library.
 */
import type { SqlValue } from '../db.js';

/**
 * A request to the thread; the thread handles them in the order they are sent. `conn` names
 * one connection of the thread: one per SQLite file this process reads off the event loop.
 */
export type ReaderRequest =
  /** Opens connection `conn`, read-only. Not answered: its statements fail if it failed. */
  | {
      readonly kind: 'open';
      readonly conn: number;
      /** The database file (never `:memory:`, which another connection cannot see). */
      readonly path: string;
      /** How long a read waits for a lock (only a checkpoint's brief one can get in its way). */
      readonly busyTimeoutMs: number;
    }
  | {
      readonly kind: 'statement';
      /** Answered by the reply of the same id. */
      readonly id: number;
      readonly conn: number;
      readonly sql: string;
      readonly params: readonly SqlValue[];
      /** Opens a transaction first unless one is open: its statements share one snapshot. */
      readonly begin: boolean;
      /** Reply with the number of rows (a `run`) instead of the rows. */
      readonly count: boolean;
    }
  /** Ends the open transaction of `conn`, if any. Not answered. */
  | { readonly kind: 'end'; readonly conn: number }
  /** Closes connection `conn`; answered (by id) once it is closed. */
  | { readonly kind: 'close'; readonly id: number; readonly conn: number };

/** An error as it crosses threads: what the typed error is built from. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  /** SQLite's extended result code (`SQLITE_BUSY`, …), when SQLite raised it. */
  readonly code?: string;
}

/** A message from the thread: the answer to request `id`. */
export type ReaderReply =
  | { readonly kind: 'result'; readonly id: number; readonly value: unknown }
  | {
      readonly kind: 'error';
      readonly id: number;
      readonly error: WireError;
      /** The connection could not be opened (rather than the statement failing). */
      readonly opening: boolean;
    };
