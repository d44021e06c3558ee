/**
 * The way back through keyset pages. The API pages only towards older rows (`nextCursor`), so
 * "← Newer" returns to the cursor the page was reached from, remembered here when "Older →" was
 * followed. It lives for the tab (a detail page and back keeps it); a page opened from a link,
 * with no way back remembered, goes back to the newest page.
 */

/** The cursor of the page before each cursor reached (null: the newest page). */
const previous = new Map<string, string | null>();

/** Remembers that the page at `next` was reached from the page at `from`. */
export function rememberOlder(from: string | null, next: string): void {
  previous.set(next, from);
}

/** The cursor of the page before `cursor`'s, or null for the newest page. */
export function newerCursor(cursor: string): string | null {
  return previous.get(cursor) ?? null;
}
