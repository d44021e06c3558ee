/**
 * A trigger's outcomes from its history and counters: the strip's cells in order, the trailing
 * skip cell only when polls skipped after the newest recorded outcome, and the last poll's outcome
 * (an error streak first).
 */
import { describe, expect, it } from 'vitest';
import type { TriggerExecution, TriggerSchedule } from '../../ui/src/api/types.js';
import { historyLines, lastOutcome, outcomeCells } from '../../ui/src/trigger-outcomes.js';

const schedule = (over: Partial<TriggerSchedule> = {}): TriggerSchedule => ({
  triggerName: 'inbox',
  workflowName: 'load',
  pollIntervalMs: 1000,
  allowConcurrent: false,
  enabled: true,
  lastPollAt: null,
  skips: 0,
  lastSkipReason: null,
  consecutiveErrors: 0,
  lastError: null,
  lastErrorAt: null,
  ...over,
});

const row = (
  status: string,
  at: string,
  over: Partial<TriggerExecution> = {},
): TriggerExecution => ({
  id: `${status}-${at}`,
  triggerName: 'inbox',
  workflowName: 'load',
  contextHash: 'abc',
  workflowExecutionId: status === 'deduplicated' || status === 'error' ? null : 'e1',
  openExecutionId: status === 'deduplicated' ? 'e1' : null,
  status,
  count: 1,
  startedAt: at,
  completedAt: null,
  errorMessage: status === 'error' ? 'boom' : null,
  ...over,
});

const t = (s: number) => new Date(Date.UTC(2026, 11, 5, 10, 0, s)).toISOString();

describe('outcomeCells', () => {
  it('lists history oldest first, a suppressed row as one cell with its count', () => {
    const history = [
      row('error', t(30)),
      row('deduplicated', t(10), { completedAt: t(20), count: 5 }),
      row('open', t(5)),
    ];
    const cells = outcomeCells(schedule({ lastPollAt: t(30) }), history);
    expect(cells.map((c) => [c.kind, c.count])).toEqual([
      ['fire', 1],
      ['suppressed', 5],
      ['error', 1],
    ]);
    expect(cells[1]!.title).toContain('5 duplicate fires suppressed');
  });

  it('adds one skip cell when polls skipped after the newest row', () => {
    const history = [row('completed', t(5))];
    const skipped = schedule({ lastPollAt: t(40), skips: 7, lastSkipReason: 'inbox empty' });
    const cells = outcomeCells(skipped, history);
    expect(cells.map((c) => c.kind)).toEqual(['fire', 'skip']);
    expect(cells[1]!.title).toContain('inbox empty');
    expect(cells[1]!.title).toContain('7 skips in all');
    // The poll that fired is the last one: no skip after it.
    expect(
      outcomeCells(schedule({ lastPollAt: t(4), skips: 7 }), history).map((c) => c.kind),
    ).toEqual(['fire']);
  });

  it('keeps the newest rows when there are more than fit', () => {
    const history = Array.from({ length: 30 }, (_, i) => row('completed', t(59 - i)));
    const cells = outcomeCells(schedule(), history, 20);
    expect(cells).toHaveLength(20);
    expect(cells.at(-1)!.at).toBe(t(59));
  });
});

describe('lastOutcome', () => {
  it('says never polled, then follows the newest row or the skip counter', () => {
    expect(lastOutcome(schedule(), undefined)).toEqual({ kind: 'never' });
    expect(lastOutcome(schedule({ lastPollAt: t(1) }), row('open', t(2)))).toEqual({
      kind: 'fire',
      executionId: 'e1',
    });
    expect(
      lastOutcome(
        schedule({ lastPollAt: t(1) }),
        row('deduplicated', t(0), { completedAt: t(2), count: 3 }),
      ),
    ).toEqual({ kind: 'suppressed', count: 3, openExecutionId: 'e1' });
    expect(
      lastOutcome(
        schedule({ lastPollAt: t(9), skips: 2, lastSkipReason: 'quiet' }),
        row('open', t(2)),
      ),
    ).toEqual({ kind: 'skip', reason: 'quiet' });
    expect(lastOutcome(schedule({ lastPollAt: t(9) }), undefined)).toEqual({ kind: 'pending' });
  });

  it('puts an error streak first', () => {
    const failing = schedule({ lastPollAt: t(9), consecutiveErrors: 3, lastError: 'ECONNREFUSED' });
    expect(lastOutcome(failing, row('open', t(10)))).toEqual({
      kind: 'error',
      message: 'ECONNREFUSED',
      streak: 3,
    });
  });
});

describe('historyLines', () => {
  it('folds a run of identical poll errors into one line, keeping fires and other errors apart', () => {
    const rows = [
      row('error', t(9)),
      row('error', t(8)),
      row('error', t(7)),
      row('open', t(6)),
      row('error', t(5)),
      row('error', t(4), { errorMessage: 'timeout' }),
    ];
    const lines = historyLines(rows);
    expect(lines.map((l) => [l.row.status, l.repeats, l.oldestAt])).toEqual([
      ['error', 3, t(7)],
      ['open', 1, t(6)],
      ['error', 1, t(5)],
      ['error', 1, t(4)],
    ]);
    expect(lines[0]!.row.startedAt).toBe(t(9));
  });
});
