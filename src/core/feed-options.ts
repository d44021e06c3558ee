/**
 * The options of a read of the event feed, checked as the list calls check theirs (see
 * `list-options.ts`): a bad `limit` or a misspelt filter is a `ConfigError` naming the value,
 * never a silently wider read. The feed pages with a cursor (`after`), not with `offset`.
 */
import { ConfigError, InvalidCursorError } from '../errors.js';
import { describeValue } from './describe.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './limits.js';

/** Options of `Client.readEvents`. */
export interface ReadEventsOptions {
  /**
   * Read the events after this cursor: one a previous page or `eventsHead()` returned.
   * Omitted or null: from the oldest stored event.
   */
  after?: string | null;
  /** Most events returned, 1 to `MAX_PAGE_SIZE`. @default DEFAULT_PAGE_SIZE */
  limit?: number;
  /** Only the events of this execution. */
  executionId?: string;
  /** Only the events of this workflow (execution, trigger and cron events alike). */
  workflow?: string;
}

/** Checked {@link ReadEventsOptions}: defaults applied, the cursor not parsed yet. */
export interface CheckedReadEventsOptions {
  readonly after: string | null;
  readonly limit: number;
  readonly executionId: string | undefined;
  readonly workflow: string | undefined;
}

const KNOWN = ['after', 'limit', 'executionId', 'workflow'];

/**
 * Checks the options of `readEvents`.
 *
 * @throws {ConfigError} listing every bad or unknown option, with the value received.
 * @throws {InvalidCursorError} when `after` is neither a string nor null.
 */
export function checkReadEventsOptions(options: unknown): CheckedReadEventsOptions {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw new ConfigError(
      `readEvents expects an options object such as { after: cursor, limit: 100 }; received ${describeValue(options)}.`,
    );
  }
  const input = options as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(input)) {
    if (!KNOWN.includes(key)) {
      problems.push(`readEvents: unknown option '${key}'; the options are ${KNOWN.join(', ')}.`);
    }
  }
  const limit = input['limit'] === undefined ? DEFAULT_PAGE_SIZE : input['limit'];
  const limitOk =
    typeof limit === 'number' && Number.isInteger(limit) && limit >= 1 && limit <= MAX_PAGE_SIZE;
  if (!limitOk) {
    problems.push(
      `readEvents: limit must be an integer from 1 to ${MAX_PAGE_SIZE} (read on from the ` +
        `returned cursor for more); received ${describeValue(input['limit'])}.`,
    );
  }
  for (const key of ['executionId', 'workflow']) {
    const value = input[key];
    if (value === undefined) continue;
    // A NUL matches nothing (names cannot hold one), and PostgreSQL refuses it.
    if (typeof value !== 'string' || value.includes('\u0000')) {
      problems.push(
        `readEvents: ${key} must be a string without NUL characters; received ${describeValue(value)}.`,
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const after = input['after'] ?? null;
  if (after !== null && typeof after !== 'string') {
    throw new InvalidCursorError(describeValue(after), 'event');
  }
  return {
    after,
    limit: limit as number,
    executionId: input['executionId'] as string | undefined,
    workflow: input['workflow'] as string | undefined,
  };
}
