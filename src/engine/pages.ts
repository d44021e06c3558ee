/**
 * Keyset pagination, shared by every `…Page` list of the runner and the client. A page asks the
 * store for one row more than its limit: that row tells whether a next page exists without a
 * count, and the cursor names the last row returned, so the next page starts right after it
 * whatever was inserted or deleted elsewhere in the list meanwhile.
 */
import { decodeCursor, encodeCursor, type CursorKey, type CursorSpec } from '../core/cursor.js';

/** One page of a list. */
export interface Page<T> {
  readonly items: readonly T[];
  /** Pass back as `cursor` for the next page; `null` on the last page. */
  readonly nextCursor: string | null;
}

/** Paging of a `…Page` list call. */
export interface PageOptions {
  /** Rows per page, 1 to 1000 (`MAX_PAGE_SIZE`). @default 100 (`DEFAULT_PAGE_SIZE`) */
  limit?: number;
  /**
   * The `nextCursor` of the previous page of the same list (with the same filters); absent or
   * `null` for the first page. Anything else is an `InvalidCursorError`.
   */
  cursor?: string | null;
}

/** What {@link readPage} needs of one list. */
export interface PageSource<R, T> {
  readonly cursor: CursorSpec;
  /** Up to `limit` rows after `after` in list order (from the start when `after` is null). */
  fetch(after: CursorKey | null, limit: number): Promise<readonly R[]>;
  /** The sort key of a row, in the order of `cursor.parts`. */
  keyOf(row: R): CursorKey;
  toItem(row: R): T;
}

/**
 * Reads the page after `cursor` (checked limit, raw cursor from the options).
 * @throws {InvalidCursorError} when `cursor` is not one of this list's.
 */
export async function readPage<R, T>(
  source: PageSource<R, T>,
  cursor: unknown,
  limit: number,
): Promise<Page<T>> {
  const after =
    cursor === null || cursor === undefined ? null : decodeCursor(source.cursor, cursor);
  const rows = await source.fetch(after, limit + 1);
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map((row) => source.toItem(row)),
    nextCursor:
      rows.length > limit && last !== undefined
        ? encodeCursor(source.cursor, source.keyOf(last))
        : null,
  };
}
