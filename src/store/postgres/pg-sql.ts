/**
 * What the PostgreSQL adapter does to the shared SQL and to driver errors: `?` placeholders become
 * `$1..$n` or inlined literals, identifiers are quoted, and driver failures become `DatabaseError`s that say whether
 * trying again can help.
 */
import { createHash } from 'node:crypto';
import { DatabaseError, isCloacinaError, SqlParameterError } from '../../errors.js';
import { GUARD_SQLSTATE, GuardRefusedError, type SqlValue } from '../db.js';

/** SQL texts cut at their placeholders; the ops use a bounded set of texts, so this stays small. */
const split = new Map<string, readonly string[]>();
/** Guards against unbounded growth if a caller builds SQL with ever-changing text. */
const MAX_CACHED = 2000;

/**
 * Cuts `sql` at its `?` placeholders, leaving `?` inside string literals, quoted identifiers and
 * comments alone: n placeholders give n + 1 pieces. The result is cached per SQL text.
 */
export function splitAtPlaceholders(sql: string): readonly string[] {
  const cached = split.get(sql);
  if (cached !== undefined) return cached;
  const pieces: string[] = [];
  let piece = '';
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === "'" || ch === '"') {
      // Quoted text runs to the matching quote; a doubled quote is an escaped quote.
      let end = i + 1;
      while (end < sql.length) {
        if (sql[end] === ch) {
          if (sql[end + 1] === ch) {
            end += 2;
            continue;
          }
          break;
        }
        end += 1;
      }
      piece += sql.slice(i, end + 1);
      i = end + 1;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      piece += sql.slice(i, stop);
      i = stop;
    } else if (ch === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      piece += sql.slice(i, stop);
      i = stop;
    } else if (ch === '?') {
      pieces.push(piece);
      piece = '';
      i += 1;
    } else {
      piece += ch;
      i += 1;
    }
  }
  pieces.push(piece);
  if (split.size >= MAX_CACHED) split.clear();
  split.set(sql, pieces);
  return pieces;
}

/**
 * `sql` cut at its placeholders, after checking that `params` fills each of them exactly once:
 * a value too few would otherwise go as NULL, and one too many would be dropped, silently.
 */
export function placeholdersFor(sql: string, params: readonly SqlValue[]): readonly string[] {
  const pieces = splitAtPlaceholders(sql);
  if (pieces.length - 1 !== params.length) {
    const shown = sql.length > 120 ? `${sql.slice(0, 120)}…` : sql;
    throw new SqlParameterError(
      `The statement "${shown}" has ${pieces.length - 1} placeholder(s) but was given ` +
        `${params.length} value(s). Pass one value per "?" placeholder.`,
    );
  }
  return pieces;
}

/** Rewrites `?` placeholders to `$1..$n` (see {@link splitAtPlaceholders}). */
export function toPgPlaceholders(sql: string): string {
  return splitAtPlaceholders(sql).reduce((out, piece, i) => `${out}$${i}${piece}`);
}

/**
 * Refuses a string PostgreSQL cannot store: its text types hold no NUL (U+0000). Checked before
 * anything is sent, on both paths: inlined, a NUL would cut the query text short (the server
 * answers with a protocol error, 08P01, and drops the statement batch); bound, it fails with
 * 22021. Either way the value is the problem, not the connection, so the error is final.
 */
export function checkText(value: string): string {
  if (!value.includes('\u0000')) return value;
  const shown = JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  throw new DatabaseError(
    `Cannot send ${shown} to PostgreSQL: it holds a NUL character (U+0000), which PostgreSQL ` +
      'text cannot store. Remove or replace the NUL in this value (free text the engine ' +
      'records, such as error messages and reasons, has it replaced by U+FFFD already).',
    { refusedValue: true },
  );
}

/**
 * A SQL literal for a simple (unparameterized) query; needs `standard_conforming_strings=on`,
 * under which only a doubled quote is special inside '…'.
 */
export function literal(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new DatabaseError(
        `Cannot send the number ${value} to PostgreSQL: only finite numbers can be stored.`,
        { refusedValue: true },
      );
    }
    // Parenthesized: after a minus sign in the SQL, a bare `-3` would start a `--` comment.
    return value < 0 ? `(${value})` : String(value);
  }
  return `'${checkText(value).replace(/'/g, "''")}'`;
}

/**
 * `sql` with each `?` placeholder replaced by its parameter as a literal. Used only where several
 * statements travel in one simple-query round trip (the extended protocol carries one statement
 * per message); `test/store/pg-literals.pg.test.ts` round-trips hostile strings through it.
 */
export function inlineParams(sql: string, params: readonly SqlValue[]): string {
  return placeholdersFor(sql, params).reduce(
    (out, piece, i) => out + literal(params[i - 1]!) + piece,
  );
}

/** Quotes an identifier (schema and channel names are validated, quoting keeps their case). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The NOTIFY channel of a schema; long names are hashed to stay under the 63-byte limit. */
export function channelFor(schema: string): string {
  const plain = `cloacina_${schema}`;
  if (plain.length <= 63) return plain;
  return `cloacina_${createHash('sha256').update(schema).digest('hex').slice(0, 40)}`;
}

/**
 * The advisory-lock key serializing migrations of one schema: a 64-bit constant derived from the
 * schema name, so tenants migrate independently while processes of one tenant queue up.
 */
export function migrationLockKey(schema: string): string {
  const hex = createHash('sha256').update(`cloacina:migrate:${schema}`).digest('hex').slice(0, 16);
  return BigInt.asIntN(64, BigInt(`0x${hex}`)).toString();
}

/** SQLSTATE (or Node error code) of a driver error. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** Serialization failure or deadlock: the transaction can simply run again. */
export function isConflict(error: unknown): boolean {
  const code = errorCode(isCloacinaError(error) ? error.cause : error);
  return code === '40001' || code === '40P01';
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown: the server is restarting or the backend was terminated
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: the server is starting up
]);

/**
 * The connection (not the statement) failed, or the server or pool lacked the resources to take
 * the work (SQLSTATE class 53: too many connections, disk full, out of memory; every pooled
 * connection busy past the pool's timeout): the same work can succeed once that passes.
 */
export function isConnectionError(error: unknown): boolean {
  const code = errorCode(error);
  // 08P01 (protocol violation) is what the server says of a statement it cannot parse off the
  // wire, e.g. more bind parameters than a message holds: the same statement fails again.
  if (code === '08P01') return false;
  if (
    code !== undefined &&
    (CONNECTION_CODES.has(code) || code.startsWith('08') || code.startsWith('53'))
  ) {
    return true;
  }
  // pg reports a dropped socket, and pg-pool a connection it could not hand out, without a code.
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
    message,
  );
}

/** Wraps a driver error as a `DatabaseError`; Cloacina errors thrown by operations pass through. */
export function wrapPgError(error: unknown, what: string): unknown {
  if (isCloacinaError(error)) return error;
  if (errorCode(error) === GUARD_SQLSTATE) return new GuardRefusedError(error);
  const message = error instanceof Error ? error.message : String(error);
  const code = errorCode(error);
  const retryable = isConnectionError(error) || isConflict(error);
  const hint = isConnectionError(error)
    ? ' The database connection failed; the runner retries, check that PostgreSQL is reachable.'
    : '';
  return new DatabaseError(
    `PostgreSQL statement failed${code === undefined ? '' : ` [${code}]`}: ${message} ` +
      `(in: ${what.slice(0, 120).replace(/\s+/g, ' ')}).${hint}`,
    {
      retryable,
      // Thrown in this process while building or reading a statement (a text too long to
      // build, output that does not parse): the same work fails the same way again.
      refusedValue: isRefusedValue(code) || isOwnError(error),
      cause: error,
    },
  );
}

/** An error JavaScript itself threw, not one from the driver or the server. */
function isOwnError(error: unknown): boolean {
  return error instanceof RangeError || error instanceof SyntaxError;
}

/**
 * SQLSTATE classes of a refused value: 22 data exception (too long, malformed, out of range),
 * 23 integrity constraint, 54 program limit exceeded (an index row too large); and 08P01, a
 * statement the server could not take off the wire (too many bind parameters).
 */
function isRefusedValue(code: string | undefined): boolean {
  return code !== undefined && (code === '08P01' || ['22', '23', '54'].includes(code.slice(0, 2)));
}
