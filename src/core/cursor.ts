/**
 * Paging cursors: the sort key of the last row of a page, as an opaque, URL-safe string tied to
 * the list it came from. A cursor is `<key>.<check>`: the key as base64url JSON, and a check
 * (base64url of the first 96 bits of a SHA-256) over the key and the list's scope (its kind and
 * parameters, e.g. the filters of an execution list). A cursor edited, cut short or handed to
 * another list fails the check. The check is not a secret signature: someone who computes it can
 * only name another position of the same list, and every part of a key is checked for its type
 * before it reaches a query, where it is a bound parameter.
 */
import { createHash } from 'node:crypto';
import { describeValue } from './describe.js';
import { InvalidCursorError } from '../errors.js';

/** The type of each part of a list's sort key. */
export type KeyPart = 'integer' | 'string';

/** A sort key: one value per {@link KeyPart}. */
export type CursorKey = readonly (string | number)[];

/** How a list's cursors are made and read. */
export interface CursorSpec {
  /** The list and its parameters: a cursor is valid only for the same scope. */
  readonly scope: string;
  /** Named in the error of a cursor this list refuses, e.g. `execution list`. */
  readonly what: string;
  readonly parts: readonly KeyPart[];
}

/** Longer than any cursor handed out (a key holds at most a 255-character name and a time). */
const MAX_CURSOR_LENGTH = 4096;
const CHECK_LENGTH = 16;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

function check(scope: string, json: string): string {
  return createHash('sha256')
    .update(`cloacina-cursor-1\u0000${scope}\u0000${json}`, 'utf8')
    .digest('base64url')
    .slice(0, CHECK_LENGTH);
}

/** The cursor naming the position after the row whose sort key is `key`. */
export function encodeCursor(spec: CursorSpec, key: CursorKey): string {
  const json = JSON.stringify(key);
  return `${Buffer.from(json, 'utf8').toString('base64url')}.${check(spec.scope, json)}`;
}

/**
 * The sort key of a cursor made by {@link encodeCursor} for the same scope.
 * @throws {InvalidCursorError} for anything else: not a string, malformed, edited, or from
 *   another list (or the same list with other filters).
 */
export function decodeCursor(spec: CursorSpec, cursor: unknown): CursorKey {
  const refuse = (): never => {
    throw new InvalidCursorError(
      typeof cursor === 'string' ? cursor : describeValue(cursor),
      spec.what,
    );
  };
  if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH) return refuse();
  const [encoded, given, ...rest] = cursor.split('.');
  if (encoded === undefined || given === undefined || rest.length > 0) return refuse();
  if (!BASE64URL.test(encoded)) return refuse();
  const json = Buffer.from(encoded, 'base64url').toString('utf8');
  // Base64url has several spellings of some byte strings (trailing bits); only ours is taken.
  if (Buffer.from(json, 'utf8').toString('base64url') !== encoded) return refuse();
  if (given !== check(spec.scope, json)) return refuse();
  let key: unknown;
  try {
    key = JSON.parse(json);
  } catch {
    return refuse();
  }
  if (!Array.isArray(key) || key.length !== spec.parts.length) return refuse();
  const values = key as unknown[];
  spec.parts.forEach((part, i) => {
    const value = values[i];
    const ok = part === 'integer' ? Number.isSafeInteger(value) : typeof value === 'string';
    if (!ok) refuse();
  });
  return values as CursorKey;
}
