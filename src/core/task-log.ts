/**
 * Task log lines as they are kept with their attempt: what one `handle.log.<level>(...)` call
 * becomes (a message and JSON-safe fields, cut to a bounded size), and the per-attempt window
 * that decides which lines are kept once the attempt passes its bound. Pure: the engine writes
 * what this decides.
 */
import { Buffer } from 'node:buffer';
import { describeValue } from './describe.js';
import type { Json, JsonObject } from './json.js';
import {
  MAX_CONTEXT_DEPTH,
  TASK_LOG_MAX_BYTES,
  TASK_LOG_MAX_LINE_BYTES,
  TASK_LOG_MAX_LINES,
} from './limits.js';

/** The level of a task log line: the method of `handle.log` that wrote it. */
export type TaskLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One line's text: what is stored besides its attempt, number, level and time. */
export interface LogLineText {
  readonly message: string;
  /** The object argument of a pino-style call, made JSON-safe; absent when none was given. */
  readonly fields?: JsonObject;
}

/** A line with its size, as {@link toLogLine} makes it. */
export interface LogLine extends LogLineText {
  /** Bytes it counts against the bounds (see {@link lineBytes}). */
  readonly bytes: number;
}

/** Thrown inside {@link jsonSafe} when the fields outgrow a line: no point converting on. */
class TooBig extends Error {}

/**
 * The line a pino-style call writes: `log.info('text')`, `log.info({ k: v }, 'text')`,
 * `log.info({ k: v })` (message from a string `msg` field, as pino does, else empty) and
 * `log.error(err)` / `log.error(err, 'text')` (the error under `err`, its message as the
 * message). Never throws: values that cannot be read become markers, not errors in the task.
 */
export function toLogLine(obj: unknown, msg: unknown): LogLine {
  try {
    return readLine(obj, msg);
  } catch {
    // A hostile argument (a throwing `msg` getter, a revoked proxy) still leaves a trace.
    return cut('[unreadable log line]', undefined, false);
  }
}

function readLine(obj: unknown, msg: unknown): LogLine {
  const message = msg === undefined ? undefined : asText(msg);
  if (typeof obj === 'string') return cut(obj, undefined, false);
  if (typeof obj !== 'object' || obj === null) return cut(message ?? asText(obj), undefined, false);
  let source: object = obj;
  let text = message;
  if (obj instanceof Error) {
    source = { err: obj };
    text ??= obj.message;
  } else if (text === undefined && typeof (obj as { msg?: unknown }).msg === 'string') {
    const { msg: own, ...rest } = obj as { msg: string };
    source = rest;
    text = own;
  }
  let fields: JsonObject | undefined;
  try {
    const safe = jsonSafe(source, [], { left: TASK_LOG_MAX_LINE_BYTES });
    // An object whose toJSON gives a scalar or an array (a Date, say) is kept under `value`.
    fields =
      typeof safe === 'object' && safe !== null && !Array.isArray(safe)
        ? safe
        : safe === undefined
          ? undefined
          : { value: safe };
  } catch {
    // Larger than a line can hold: the message says the fields were dropped.
    return cut(text ?? '', undefined, true);
  }
  if (fields !== undefined && Object.keys(fields).length === 0) fields = undefined;
  return cut(text ?? '', fields, false);
}

/** A message from a value that is not a string: as `String()` gives it, objects described. */
function asText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return String(value);
    case 'symbol':
      return value.toString();
    default:
      // Never the object's own toString: it may throw, and the task must not.
      return value === null ? 'null' : describeValue(value);
  }
}

/** Bytes a line counts against the bounds: its UTF-8 message plus the JSON of its fields. */
export function lineBytes(message: string, fields: JsonObject | undefined): number {
  return (
    Buffer.byteLength(message, 'utf8') +
    (fields === undefined ? 0 : Buffer.byteLength(JSON.stringify(fields), 'utf8'))
  );
}

/**
 * A line within {@link TASK_LOG_MAX_LINE_BYTES}. An over-long line keeps its fields when they
 * take at most half of the limit (a request id survives a huge message) and its message is cut
 * to fit; the cut line ends with a marker giving the size it had.
 */
function cut(message: string, fields: JsonObject | undefined, fieldsTooBig: boolean): LogLine {
  const max = TASK_LOG_MAX_LINE_BYTES;
  const size = lineBytes(message, fields);
  if (size <= max && !fieldsTooBig) {
    return fields === undefined ? { message, bytes: size } : { message, fields, bytes: size };
  }
  const fieldBytes = size - Buffer.byteLength(message, 'utf8');
  const dropFields = fieldBytes > max / 2;
  const marker = fieldsTooBig
    ? ` …[cut: fields over ${max} bytes dropped]`
    : ` …[cut: line of ${size} bytes${dropFields ? ', fields dropped' : ''}]`;
  const kept = dropFields ? undefined : fields;
  const keptBytes = kept === undefined ? 0 : fieldBytes;
  const text = cutUtf8(message, max - keptBytes - Buffer.byteLength(marker, 'utf8')) + marker;
  const bytes = Buffer.byteLength(text, 'utf8') + keptBytes;
  return kept === undefined ? { message: text, bytes } : { message: text, fields: kept, bytes };
}

/** The longest prefix of `text` within `maxBytes` of UTF-8, never splitting a character. */
export function cutUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = Math.max(0, maxBytes);
  // Back off continuation bytes (10xxxxxx) to the start of the character they belong to.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return bytes.subarray(0, end).toString('utf8');
}

/**
 * A JSON copy of any value as a log line keeps it: errors as `{ type, message, stack, … }`,
 * bigints as strings, `toJSON` honoured (dates), maps as objects and sets as arrays, `undefined`,
 * functions and symbols left out (null in arrays), cycles and levels past the context depth as
 * markers. Throws {@link TooBig} as soon as the copy outgrows a line, so a huge object costs
 * no more than a line's worth of work.
 */
function jsonSafe(value: unknown, ancestors: object[], budget: { left: number }): Json | undefined {
  spend(budget, 8);
  switch (typeof value) {
    case 'string':
      spend(budget, value.length);
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    default:
      break;
  }
  if (value === null) return null;
  const object = value as object;
  if (ancestors.includes(object)) return '[Circular]';
  if (ancestors.length >= MAX_CONTEXT_DEPTH) return '[Too deep]';
  ancestors.push(object);
  try {
    return jsonSafeObject(object, ancestors, budget);
  } catch (error) {
    if (error instanceof TooBig) throw error;
    return '[Unreadable]';
  } finally {
    ancestors.pop();
  }
}

function jsonSafeObject(object: object, ancestors: object[], budget: { left: number }): Json {
  if (Array.isArray(object) || object instanceof Set) {
    const items: Json[] = [];
    for (const item of object as Iterable<unknown>)
      items.push(jsonSafe(item, ancestors, budget) ?? null);
    return items;
  }
  if (object instanceof Map) {
    return entries(
      [...object].map(([k, v]) => [String(k), v]),
      ancestors,
      budget,
    );
  }
  if (object instanceof Error) {
    const shape: [string, unknown][] = [
      ['type', object.name],
      ['message', object.message],
      ['stack', object.stack],
      ...Object.entries(object).filter(([k]) => k !== 'type' && k !== 'message' && k !== 'stack'),
    ];
    if (object.cause !== undefined) shape.push(['cause', object.cause]);
    return entries(shape, ancestors, budget);
  }
  const toJSON = (object as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    const own: unknown = toJSON.call(object);
    // A toJSON returning the object itself (or another object) is walked, not called again.
    return typeof own === 'object' && own !== null
      ? jsonSafeObject(own, ancestors, budget)
      : (jsonSafe(own, ancestors, budget) ?? null);
  }
  return entries(Object.entries(object), ancestors, budget);
}

function entries(pairs: [string, unknown][], ancestors: object[], budget: { left: number }): Json {
  const out: [string, Json][] = [];
  for (const [key, item] of pairs) {
    spend(budget, key.length);
    const safe = jsonSafe(item, ancestors, budget);
    if (safe !== undefined) out.push([key, safe]);
  }
  // fromEntries defines own data properties: a "__proto__" key stays a key.
  return Object.fromEntries(out);
}

function spend(budget: { left: number }, amount: number): void {
  budget.left -= amount;
  if (budget.left < 0) throw new TooBig();
}

/** A line waiting to be written, numbered in its attempt. */
export interface PendingLogLine extends LogLine {
  seq: number;
  readonly level: TaskLogLevel;
  /** When the line was logged (epoch ms, from the runner's clock). */
  readonly atMs: number;
}

/** A batch taken for writing (see {@link TaskLogWindow.take}). */
export interface LogBatch {
  readonly lines: readonly PendingLogLine[];
  /**
   * How many of the attempt's newest stored lines, counting this batch, stay once it is
   * written; `undefined` when every line stays (nothing to delete).
   */
  readonly keep: number | undefined;
}

/**
 * The bound of one attempt's log: the sizes of the lines stored so far and the lines waiting
 * to be written. It never holds more than the bound: a burst of lines between two writes
 * drops its oldest before they are ever written (their numbers stay used, so the gap shows).
 */
export class TaskLogWindow {
  /** Sizes of the stored lines, oldest first, from index {@link #head}. */
  #stored: number[] = [];
  #head = 0;
  #storedBytes = 0;
  #pending: PendingLogLine[] = [];
  #pendingBytes = 0;
  #nextSeq = 1;

  /** Lines waiting to be written. */
  get pendingCount(): number {
    return this.#pending.length;
  }

  /** Numbers a line and queues it; drops the oldest queued lines past the bound. */
  add(line: Omit<PendingLogLine, 'seq'>): void {
    const bytes = line.bytes;
    this.#pending.push({ ...line, seq: this.#nextSeq });
    this.#nextSeq += 1;
    this.#pendingBytes += bytes;
    while (
      this.#pending.length > TASK_LOG_MAX_LINES ||
      (this.#pendingBytes > TASK_LOG_MAX_BYTES && this.#pending.length > 1)
    ) {
      this.#pendingBytes -= this.#pending.shift()!.bytes;
    }
  }

  /**
   * Takes in the lines an earlier run of the same attempt stored (a task handed back at
   * shutdown, or recovered from a runner that died, runs the same attempt again): numbering
   * goes on after theirs, and they count against the bound.
   */
  seed(prior: readonly { readonly seq: number; readonly bytes: number }[]): void {
    const last = prior.reduce((max, line) => Math.max(max, line.seq), 0);
    for (const line of this.#pending) line.seq += last;
    this.#nextSeq += last;
    this.#stored = prior.map((line) => line.bytes);
    this.#head = 0;
    this.#storedBytes = this.#stored.reduce((sum, bytes) => sum + bytes, 0);
  }

  /**
   * Takes every waiting line for one write and says how many stored lines stay after it.
   * Call {@link commit} when the write succeeded; a failed write's lines are simply gone.
   */
  take(): LogBatch {
    const lines = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    let count = 0;
    let bytes = 0;
    const total = this.#stored.length - this.#head + lines.length;
    // Newest first: the batch (which fits the bound on its own), then the stored lines.
    for (let i = lines.length - 1; i >= 0; i--) {
      count += 1;
      bytes += lines[i]!.bytes;
    }
    for (let i = this.#stored.length - 1; i >= this.#head; i--) {
      const next = this.#stored[i]!;
      if (count + 1 > TASK_LOG_MAX_LINES || bytes + next > TASK_LOG_MAX_BYTES) break;
      count += 1;
      bytes += next;
    }
    return { lines, keep: count < total ? count : undefined };
  }

  /** Records a batch as stored, forgetting the stored lines its write deleted. */
  commit(batch: LogBatch): void {
    for (const line of batch.lines) {
      this.#stored.push(line.bytes);
      this.#storedBytes += line.bytes;
    }
    const keep = batch.keep ?? this.#stored.length - this.#head;
    while (this.#stored.length - this.#head > keep) {
      this.#storedBytes -= this.#stored[this.#head]!;
      this.#head += 1;
    }
    // Compact now and then, so the array stays about the size of the bound.
    if (this.#head > TASK_LOG_MAX_LINES) {
      this.#stored = this.#stored.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Bytes of the stored lines (for tests and diagnostics). */
  get storedBytes(): number {
    return this.#storedBytes;
  }
}
