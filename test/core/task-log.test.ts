import { describe, expect, it } from 'vitest';
import {
  MAX_CONTEXT_DEPTH,
  TASK_LOG_MAX_BYTES,
  TASK_LOG_MAX_LINE_BYTES,
  TASK_LOG_MAX_LINES,
} from '../../src/core/limits.js';
import { cutUtf8, lineBytes, TaskLogWindow, toLogLine } from '../../src/core/task-log.js';

/** Queues `count` lines of `bytes` bytes each. */
function fill(window: TaskLogWindow, count: number, bytes = 10): void {
  for (let i = 0; i < count; i++) {
    window.add({ message: 'x'.repeat(bytes), bytes, level: 'info', atMs: i });
  }
}

describe('toLogLine', () => {
  it('reads the pino call shapes', () => {
    expect(toLogLine('plain', undefined)).toEqual({ message: 'plain', bytes: 5 });
    expect(toLogLine({ a: 1 }, 'with fields')).toEqual({
      message: 'with fields',
      fields: { a: 1 },
      bytes: 11 + 7,
    });
    expect(toLogLine({ msg: 'from obj', b: 2 }, undefined)).toMatchObject({
      message: 'from obj',
      fields: { b: 2 },
    });
    expect(toLogLine({}, 'no fields')).toEqual({ message: 'no fields', bytes: 9 });
    expect(toLogLine(42, undefined)).toMatchObject({ message: '42' });
    const err = toLogLine(new RangeError('out of range'), undefined);
    expect(err).toMatchObject({
      message: 'out of range',
      fields: { err: { type: 'RangeError', message: 'out of range' } },
    });
    expect(toLogLine(new Date(0), undefined).fields).toEqual({
      value: '1970-01-01T00:00:00.000Z',
    });
  });

  it('makes fields JSON-safe without ever throwing', () => {
    const hostile = {
      get boom(): never {
        throw new Error('getter throws');
      },
    };
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < MAX_CONTEXT_DEPTH + 5; i++) deep = deep.next = {};
    const line = toLogLine(
      {
        map: new Map([['k', 1]]),
        set: new Set([1, 2]),
        nan: Number.NaN,
        fn: () => 1,
        arr: [undefined, 1],
        hostile,
        root,
        ['__proto__']: 'kept as a key',
      },
      'm',
    );
    expect(line.fields).toMatchObject({
      map: { k: 1 },
      set: [1, 2],
      nan: 'NaN',
      arr: [null, 1],
      hostile: '[Unreadable]',
    });
    expect(line.fields).not.toHaveProperty('fn');
    expect(Object.hasOwn(line.fields!, '__proto__')).toBe(true);
    expect(JSON.stringify(line.fields)).toContain('[Too deep]');
    expect(() =>
      toLogLine(
        {
          toString() {
            throw new Error('no');
          },
        },
        { toString: () => 'x' },
      ),
    ).not.toThrow();
  });

  it('cuts an over-long message at a character boundary and marks the cut', () => {
    const line = toLogLine('€'.repeat(10_000), undefined); // 30,000 bytes
    expect(line.bytes).toBeLessThanOrEqual(TASK_LOG_MAX_LINE_BYTES);
    expect(line.bytes).toBe(Buffer.byteLength(line.message));
    expect(line.message).toMatch(/^€+ …\[cut: line of 30000 bytes\]$/);
  });

  it('drops fields too large for a line, saying so', () => {
    const huge = toLogLine({ blob: 'y'.repeat(TASK_LOG_MAX_LINE_BYTES * 4) }, 'short');
    expect(huge.fields).toBeUndefined();
    expect(huge.message).toBe(`short …[cut: fields over ${TASK_LOG_MAX_LINE_BYTES} bytes dropped]`);
    const half = toLogLine({ blob: 'y'.repeat(10_000) }, 'z'.repeat(10_000));
    expect(half.fields).toBeUndefined();
    expect(half.message).toMatch(/ …\[cut: line of 200\d\d bytes, fields dropped\]$/);
    const small = toLogLine({ id: 7 }, 'z'.repeat(20_000));
    expect(small.fields).toEqual({ id: 7 });
    expect(small.bytes).toBe(lineBytes(small.message, small.fields));
    expect(small.bytes).toBeLessThanOrEqual(TASK_LOG_MAX_LINE_BYTES);
  });
});

describe('cutUtf8', () => {
  it('never splits a character', () => {
    expect(cutUtf8('aé', 2)).toBe('a');
    expect(cutUtf8('a😀b', 4)).toBe('a');
    expect(cutUtf8('a😀b', 5)).toBe('a😀');
    expect(cutUtf8('abc', 10)).toBe('abc');
  });
});

describe('TaskLogWindow', () => {
  it('numbers lines and keeps everything within the bound', () => {
    const window = new TaskLogWindow();
    fill(window, 3);
    const batch = window.take();
    expect(batch.lines.map((l) => l.seq)).toEqual([1, 2, 3]);
    expect(batch.keep).toBeUndefined();
    window.commit(batch);
    expect(window.pendingCount).toBe(0);
    expect(window.storedBytes).toBe(30);
  });

  it('drops the oldest waiting lines past the line bound, leaving a gap in the numbers', () => {
    const window = new TaskLogWindow();
    fill(window, TASK_LOG_MAX_LINES + 7);
    const batch = window.take();
    expect(batch.lines).toHaveLength(TASK_LOG_MAX_LINES);
    expect(batch.lines[0]!.seq).toBe(8);
    expect(batch.keep).toBeUndefined();
  });

  it('drops the oldest waiting lines past the byte bound', () => {
    const window = new TaskLogWindow();
    fill(window, 20, 16_384);
    const batch = window.take();
    expect(batch.lines).toHaveLength(TASK_LOG_MAX_BYTES / 16_384);
    expect(batch.lines.at(-1)!.seq).toBe(20);
  });

  it('says how many stored lines stay once a batch passes the bound', () => {
    const window = new TaskLogWindow();
    fill(window, 600);
    window.commit(window.take());
    fill(window, 500);
    const batch = window.take();
    expect(batch.keep).toBe(TASK_LOG_MAX_LINES);
    window.commit(batch);
    fill(window, 1);
    expect(window.take().keep).toBe(TASK_LOG_MAX_LINES);
  });

  it('forgets a failed batch: the stored lines stay as they were', () => {
    const window = new TaskLogWindow();
    fill(window, 900);
    window.commit(window.take());
    fill(window, 200);
    expect(window.take().keep).toBe(TASK_LOG_MAX_LINES); // not committed: the write failed
    fill(window, 50);
    expect(window.take().keep).toBeUndefined();
  });

  it("numbers on after an earlier run's lines, which count against the bound", () => {
    const window = new TaskLogWindow();
    fill(window, 2);
    window.seed([
      { seq: 1, bytes: TASK_LOG_MAX_BYTES - 15 },
      { seq: 2, bytes: 5 },
    ]);
    const batch = window.take();
    expect(batch.lines.map((l) => l.seq)).toEqual([3, 4]);
    expect(batch.keep).toBe(3);
    fill(window, 1);
    window.commit(batch);
    expect(window.take().lines[0]!.seq).toBe(5);
  });
});
