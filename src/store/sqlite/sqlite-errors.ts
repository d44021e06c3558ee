/**
 * How errors of better-sqlite3 become the library's typed errors, shared by the main connection
 * and the reader thread's so that a failed statement reads the same on either.
 */
import { DatabaseError, isCloacinaError } from '../../errors.js';

/**
 * Whether the same statement may succeed later: another connection holds the lock, or the disk
 * is full (SQLite rolls the transaction back cleanly and works again once space is freed).
 */
export function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    typeof code === 'string' &&
    (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || code === 'SQLITE_FULL')
  );
}

/** True for SQLite's "attempt to write a readonly database" family of errors. */
export function isReadOnly(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_READONLY');
}

/** The error of a database this process may not write, saying what to do about it. */
export function readOnlyError(path: string, cause: unknown): DatabaseError {
  return new DatabaseError(
    `SQLite database '${path}' is read-only for this process, and a runner or client writes to ` +
      'its database (migrations, executions, claims). Make the file and the folder that holds it ' +
      "writable by this process's user (SQLite creates its '-wal' and '-shm' files beside the " +
      'database), or work on a writable copy of the file.',
    { cause },
  );
}

/** Why a database could not be opened: read-only, or anything else. */
export function openError(path: string, error: unknown): DatabaseError {
  if (isReadOnly(error)) return readOnlyError(path, error);
  return new DatabaseError(
    `Cannot open SQLite database '${path}': ${(error as Error).message}. Check that the folder exists and is writable.`,
    { cause: error },
  );
}

/** A statement's error as a {@link DatabaseError} that names the statement; typed errors pass. */
export function wrap(error: unknown, sql: string): Error {
  if (isCloacinaError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new DatabaseError(
    `SQLite statement failed: ${message} (in: ${sql.slice(0, 120).replace(/\s+/g, ' ')})`,
    {
      retryable: isTransient(error),
      refusedValue: isRefusedValue(error),
      cause: error,
    },
  );
}

/**
 * Whether SQLite refused a value of the statement: a constraint, a value too big, a datatype
 * mismatch, or one better-sqlite3 cannot bind (a TypeError or RangeError before SQLite sees it).
 */
function isRefusedValue(error: unknown): boolean {
  if (error instanceof TypeError || error instanceof RangeError) return true;
  const code = (error as { code?: unknown }).code;
  return (
    typeof code === 'string' &&
    (code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_TOOBIG' || code === 'SQLITE_MISMATCH')
  );
}
