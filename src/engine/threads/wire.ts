/**
 * What crosses between the runner's thread and a worker thread running a task body or a
 * trigger poll: the request, the result, the messages of the attempt's port, and errors. Errors are carried as
 * plain fields because a structured clone keeps only an error's message and stack, not its
 * `code`, its class or a `TaskError`'s `retryable`, which the retry policy reads.
 */
import type { MessagePort } from 'node:worker_threads';
import type { JsonObject } from '../../core/json.js';
import type { TaskModule } from '../../core/task-module.js';
import { TaskError, toError } from '../../errors.js';

/** An error as it crosses threads. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  /** A string or number `code` of the error, when it has one. */
  readonly code: string | number | undefined;
  /** A `TaskError`'s `retryable`. */
  readonly retryable: boolean | undefined;
}

/** One task attempt for a worker thread. */
export interface ThreadRequest {
  readonly kind: 'task';
  readonly module: TaskModule;
  /** The input context's data. */
  readonly input: JsonObject;
  readonly attempt: number;
  readonly executionId: string;
  readonly taskId: string;
  /** The attempt's own channel: log lines out, the abort in. */
  readonly port: MessagePort;
}

/** What a worker thread answers: the output context's data, or the error the body threw. */
export type ThreadResult =
  | { readonly ok: true; readonly output: JsonObject }
  | { readonly ok: false; readonly error: WireError };

/** One trigger poll for a worker thread. */
export interface ThreadPollRequest {
  readonly kind: 'poll';
  readonly module: TaskModule;
  readonly triggerName: string;
  /** The poll's own channel: the abort in. */
  readonly port: MessagePort;
}

/**
 * What a poll returned, as it crosses threads: a Skip with its reason, a Fire with its context,
 * or a description of a value that is neither (the runner's thread turns it into the same
 * `POLL_ERROR` a poll in process gets).
 */
export type WirePollResult =
  | { readonly kind: 'skip'; readonly reason: string | undefined }
  | { readonly kind: 'fire'; readonly context: JsonObject | undefined }
  | { readonly kind: 'invalid'; readonly described: string };

/** What a worker thread answers for a poll: its result, or the error the poll threw. */
export type ThreadPollResult =
  | { readonly ok: true; readonly result: WirePollResult }
  | { readonly ok: false; readonly error: WireError };

/** A `handle.log` line of the body, sent to the runner's thread. */
export interface LogMessage {
  readonly kind: 'log';
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly obj: object | string;
  readonly msg: string | undefined;
}

/** The attempt was aborted (timeout, cancellation, claim loss, shutdown). */
export interface AbortMessage {
  readonly kind: 'abort';
  readonly reason: WireError;
}

/** Any thrown value as a {@link WireError}. */
export function toWire(thrown: unknown): WireError {
  const error = toError(thrown);
  const code: unknown = (error as { code?: unknown }).code;
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    code: typeof code === 'string' || typeof code === 'number' ? code : undefined,
    retryable: error instanceof TaskError ? error.retryable : undefined,
  };
}

/**
 * The error a {@link WireError} describes: a `TaskError` again when it was one (so
 * `retryable: false` still stops retries), otherwise an `Error` with the same name, code and
 * stack, which is all a retry policy's `retryOn` looks at.
 */
export function fromWire(wire: WireError): Error {
  let error: Error;
  if (wire.retryable !== undefined) {
    const code = typeof wire.code === 'string' ? wire.code : undefined;
    error = new TaskError(wire.message, { retryable: wire.retryable, code });
  } else {
    error = new Error(wire.message);
    if (wire.code !== undefined) Object.assign(error, { code: wire.code });
  }
  error.name = wire.name;
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}
