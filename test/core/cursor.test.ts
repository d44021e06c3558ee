import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, type CursorSpec } from '../../src/core/cursor.js';
import { InvalidCursorError } from '../../src/errors.js';

const LIST: CursorSpec = {
  scope: '["executions",null,null]',
  what: 'execution list',
  parts: ['integer', 'string'],
};
const FILTERED: CursorSpec = { ...LIST, scope: '["executions","w",null]' };

/** The InvalidCursorError `cursor` meets in `spec` (fails the test on anything else). */
function refused(spec: CursorSpec, cursor: unknown): InvalidCursorError {
  try {
    decodeCursor(spec, cursor);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidCursorError);
    return error as InvalidCursorError;
  }
  throw new Error(`cursor ${String(cursor)} was accepted`);
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

describe('paging cursors', () => {
  it('round-trip their key as a URL-safe string', () => {
    const key = [1_767_225_600_000, '01a245c3-3765-77bf-9d00-928ab96cc07d'] as const;
    const cursor = encodeCursor(LIST, key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16}$/);
    expect(encodeURIComponent(cursor)).toBe(cursor);
    expect(decodeCursor(LIST, cursor)).toEqual(key);
    // Names with any characters survive.
    const names: CursorSpec = { scope: 'names', what: 'workflow list', parts: ['string'] };
    for (const name of ['a.b', 'ünï "quoted"', 'x'.repeat(255), '\u0001\u007f']) {
      expect(decodeCursor(names, encodeCursor(names, [name]))).toEqual([name]);
    }
  });

  it('refuse what is not a cursor of the same list', () => {
    const cursor = encodeCursor(LIST, [5, 'id']);
    const [key, check] = cursor.split('.') as [string, string];
    const other = (s: string, i: number): string =>
      s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const bad: unknown[] = [
      '',
      'abc',
      42,
      null,
      {},
      ['x'],
      `${key}.`,
      `.${check}`,
      `${key}.${check}.${check}`,
      `${key}`,
      `${other(key, 2)}.${check}`,
      `${key}.${other(check, 5)}`,
      `${key}.${check}A`,
      `${key}=.${check}`, // padding is not base64url as handed out
      `${b64('[6,"id"]')}.${check}`, // another position under the old check
      'x'.repeat(5_000),
    ];
    for (const cursor of bad) refused(LIST, cursor);
    // The same position in another list, or the same list with other filters.
    refused(FILTERED, cursor);
    refused(
      { ...LIST, scope: '["events","e1"]', parts: ['integer'] },
      encodeCursor({ ...LIST, scope: '["events","e2"]', parts: ['integer'] }, [3]),
    );
  });

  it('refuse a correctly checked key of the wrong shape', () => {
    for (const key of [
      [5],
      [5, 'id', 7],
      ['5', 'id'],
      [5.5, 'id'],
      [5, 6],
      [Number.MAX_SAFE_INTEGER + 2, 'id'],
    ]) {
      refused(LIST, encodeCursor(LIST, key));
    }
  });

  it('name the cursor received and say what to do', () => {
    const error = refused(LIST, 'abc');
    expect(error.code).toBe('INVALID_CURSOR');
    expect(error.cursor).toBe('abc');
    expect(error.message).toContain('Invalid execution list cursor "abc"');
    expect(error.message).toContain('pass back a cursor exactly as a previous read returned it');
    expect(refused(LIST, 42).cursor).toBe('42');
  });
});
