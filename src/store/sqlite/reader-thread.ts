/**
 * The worker-thread side of the SQLite readers (see `reader.ts`): read-only connections to the
 * database files of this process, running the statements the main thread sends, in the order
 * it sends them.
 *
 * It imports nothing of the library but the message types and the statement spelling
 * (`planned-once.ts`), so the thread starts on little more than better-sqlite3 itself.
 */
import { parentPort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { plannedOnce } from './planned-once.js';
import type { ReaderReply, ReaderRequest, WireError } from './reader-wire.js';

/** One read-only connection, or why it could not be opened. */
type Connection =
  | { readonly db: Database.Database; readonly statements: Map<string, Database.Statement> }
  | { readonly failed: WireError };

/** A thrown value in a form that crosses threads and keeps what the error mapping reads. */
function toWire(error: unknown): WireError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      message: error.message,
      ...(typeof code === 'string' ? { code } : {}),
    };
  }
  return { name: 'Error', message: String(error) };
}

/** Runs one statement on `connection`: its rows, or with `count` their number. */
function execute(
  connection: Extract<Connection, { db: unknown }>,
  request: Extract<ReaderRequest, { kind: 'statement' }>,
): unknown {
  const { db, statements } = connection;
  if (request.begin && !db.inTransaction) db.exec('BEGIN');
  let prepared = statements.get(request.sql);
  if (prepared === undefined) {
    prepared = db.prepare(plannedOnce(request.sql));
    statements.set(request.sql, prepared);
  }
  if (!request.count) return prepared.all(...request.params);
  return prepared.reader
    ? prepared.all(...request.params).length
    : prepared.run(...request.params).changes;
}

/** Answers the main thread for as long as it runs. */
function serve(port: NonNullable<typeof parentPort>): void {
  const connections = new Map<number, Connection>();
  port.on('message', (request: ReaderRequest) => {
    switch (request.kind) {
      case 'open':
        try {
          const db = new Database(request.path, {
            readonly: true,
            fileMustExist: true,
            timeout: request.busyTimeoutMs,
          });
          connections.set(request.conn, { db, statements: new Map() });
        } catch (error) {
          connections.set(request.conn, { failed: toWire(error) });
        }
        return;
      case 'statement': {
        const connection = connections.get(request.conn);
        let reply: ReaderReply;
        if (connection === undefined || 'failed' in connection) {
          const error = connection?.failed ?? { name: 'Error', message: 'connection not open' };
          reply = { kind: 'error', id: request.id, error, opening: true };
        } else {
          try {
            reply = { kind: 'result', id: request.id, value: execute(connection, request) };
          } catch (error) {
            reply = { kind: 'error', id: request.id, error: toWire(error), opening: false };
          }
        }
        port.postMessage(reply);
        return;
      }
      case 'end': {
        const connection = connections.get(request.conn);
        // Ends the snapshot: nothing was written, so a rollback is as good as a commit.
        if (connection !== undefined && 'db' in connection && connection.db.inTransaction) {
          connection.db.exec('ROLLBACK');
        }
        return;
      }
      case 'close': {
        const connection = connections.get(request.conn);
        connections.delete(request.conn);
        if (connection !== undefined && 'db' in connection) connection.db.close();
        port.postMessage({ kind: 'result', id: request.id, value: null } satisfies ReaderReply);
        return;
      }
    }
  });
}

if (parentPort !== null) serve(parentPort);
