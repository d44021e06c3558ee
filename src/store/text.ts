/** Free text as the store records it: the same string on both backends. */

/**
 * Free text the engine records (error messages, skip and pause reasons) with every U+0000
 * replaced by U+FFFD, the replacement character. PostgreSQL text cannot hold a NUL, SQLite can:
 * replacing it in the store operations, before either backend sees it, makes both store and
 * return exactly the same string, and a user's odd message never fails the write that records
 * an outcome. Ids and names are not free text: they are validated where they enter.
 */
export function freeText(text: string): string;
export function freeText(text: string | null): string | null;
export function freeText(text: string | null): string | null {
  return text === null || !text.includes('\u0000') ? text : text.replaceAll('\u0000', '\uFFFD');
}
