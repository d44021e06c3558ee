/** The throughput chart's scale and its summary in words. */
import { describe, expect, it } from 'vitest';
import { chartSummary, niceMax } from '../../ui/src/throughput.js';

describe('the throughput chart', () => {
  it('tops its axis at a round number', () => {
    expect([0, 1, 2, 3, 7, 10, 11, 240].map(niceMax)).toEqual([1, 1, 2, 5, 10, 10, 20, 500]);
  });

  it('sums the window and names the busiest bucket', () => {
    const at = (m: number) => `2026-12-05T10:0${m}:00.000Z`;
    expect(
      chartSummary([
        { at: at(0), completed: 2, failed: 0, cancelled: 0 },
        { at: at(1), completed: 3, failed: 1, cancelled: 1 },
      ]),
    ).toMatch(/^5 completed, 1 failed, 1 cancelled; busiest minute \d\d:01 with 5\.$/);
    expect(chartSummary([{ at: at(0), completed: 0, failed: 0, cancelled: 0 }])).toBe(
      'No executions ended in this window.',
    );
  });
});
