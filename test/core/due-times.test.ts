import { describe, expect, it } from 'vitest';
import { DueTimes, type DueVerdict } from '../../src/engine/triggers/due-times.js';

const takeAll = (): DueVerdict => 'take';

describe('the trigger loop due times', () => {
  it('takes the due triggers earliest first, up to the limit, and says when more were due', () => {
    const due = new DueTimes();
    due.set('c', 30);
    due.set('a', 10);
    due.set('d', 50);
    due.set('b', 20);
    expect(due.takeDue(40, 2, takeAll)).toEqual({ names: ['a', 'b'], more: true });
    // Taken triggers stay due until replaced or deleted: a claim may fail.
    expect(due.takeDue(40, 5, takeAll)).toEqual({ names: ['a', 'b', 'c'], more: false });
    expect(due.earliest(() => false)).toBe(10);
  });

  it('uses only the latest time of a trigger, and forgets deleted ones', () => {
    const due = new DueTimes();
    due.set('a', 10);
    due.set('b', 20);
    due.set('a', 100);
    due.delete('b');
    expect(due.takeDue(50, 5, takeAll)).toEqual({ names: [], more: false });
    expect(due.earliest(() => false)).toBe(100);
    expect(due.get('a')).toBe(100);
    expect(due.get('b')).toBeUndefined();
    due.set('b', 5);
    expect(due.takeDue(200, 5, takeAll).names).toEqual(['b', 'a']);
  });

  it('takes a trigger once when its time was set back to an earlier one (two live entries)', () => {
    const due = new DueTimes();
    due.set('a', 10);
    due.set('a', 20);
    due.set('a', 10);
    due.set('b', 15);
    // Taken twice, one claim would have queued two polls of 'a'.
    expect(due.takeDue(30, 5, takeAll)).toEqual({ names: ['a', 'b'], more: false });
    expect(due.takeDue(30, 5, takeAll)).toEqual({ names: ['a', 'b'], more: false });
  });

  it('leaves skipped triggers due and forgets dropped ones', () => {
    const due = new DueTimes();
    due.set('busy', 1);
    due.set('gone', 2);
    due.set('ok', 3);
    const verdicts: Record<string, DueVerdict> = { busy: 'skip', gone: 'drop', ok: 'take' };
    expect(due.takeDue(10, 1, (name) => verdicts[name]!)).toEqual({ names: ['ok'], more: false });
    expect(due.get('gone')).toBeUndefined();
    expect(due.get('busy')).toBe(1);
    expect(due.earliest((name) => name === 'busy')).toBe(3);
    expect(due.earliest(() => false)).toBe(1);
  });

  it('keeps the order over many replaced times (the heap is rebuilt when stale entries pile up)', () => {
    const due = new DueTimes();
    const n = 500;
    for (let round = 0; round < 10; round += 1) {
      for (let i = 0; i < n; i += 1) due.set(`t${i}`, ((i * 7919) % n) + round * n);
    }
    const { names } = due.takeDue(Number.POSITIVE_INFINITY, n, takeAll);
    expect(names).toHaveLength(n);
    const times = names.map((name) => due.get(name)!);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBe(9 * n);
  });
});
