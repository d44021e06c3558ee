/**
 * The documented limits on what users define and pass in. Each is checked where the value is
 * first accepted, so a mistake fails with a typed error at the call that made it, never later
 * as a stack overflow or a database error.
 */

/**
 * Longest name, in characters, of a workflow, task, event trigger or runner (`runnerId`,
 * `runnerName`). Names are keys of database indexes; PostgreSQL refuses an index entry past
 * about 2.7 kB, and no real name comes near 255 characters.
 */
export const MAX_NAME_LENGTH = 255;

/**
 * Deepest nesting of objects and arrays in a context, the context itself counting as the first
 * level (so `{ a: { b: 1 } }` is 2 levels). Checking a value, copying it and writing it as JSON
 * all recurse; a fixed limit far below where the stack overflows (thousands of levels, varying
 * with what else is on the stack) makes a too-deep context a `ContextError` every time.
 */
export const MAX_CONTEXT_DEPTH = 64;

/** Largest `limit` a list call accepts; page with `offset` for more. */
export const MAX_PAGE_SIZE = 1000;

/** The `limit` of a list call that gives none. */
export const DEFAULT_PAGE_SIZE = 100;

/**
 * Longest duration accepted anywhere a `Duration` is (timeouts, intervals, retry delays):
 * 3650 days, about 10 years. Every instant the engine computes (now + a delay) then stays an
 * exact integer in JavaScript and fits a 64-bit column. Timers reach it by re-arming, since
 * Node's own timers stop at 2^31−1 ms (~24.8 days).
 */
export const MAX_DURATION_MS = 3_650 * 86_400_000;

/**
 * Most log lines kept per task attempt (see `handle.log`). Past it, the attempt's oldest lines
 * are deleted: the newest are what explains how an attempt ended.
 */
export const TASK_LOG_MAX_LINES = 1_000;

/**
 * Most bytes of line text (UTF-8 message plus the JSON of its fields) kept per task attempt;
 * like {@link TASK_LOG_MAX_LINES}, the oldest lines go first. Whichever bound is reached first
 * applies, so a task cannot fill the event table with a few huge lines either.
 */
export const TASK_LOG_MAX_BYTES = 256 * 1024;

/**
 * Longest single log line, in bytes of UTF-8 text (message plus the JSON of its fields). A
 * longer line is cut and ends with a marker saying how long it was.
 */
export const TASK_LOG_MAX_LINE_BYTES = 16 * 1024;

/**
 * The longest idempotency key of a start, in UTF-16 code units: room for a UUID, a URL or a
 * hash, and short enough for the unique index it lives in.
 */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
