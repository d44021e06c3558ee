/**
 * The executions list's view in the URL: what a link reproduces, what the API is asked, and what
 * a hand-edited link cannot smuggle in.
 */
import { describe, expect, it } from 'vitest';
import {
  FILTER_STATUSES,
  fromLocalInput,
  listedBefore,
  listQuery,
  parseView,
  toLocalInput,
  viewHash,
} from '../../ui/src/executions-query.js';

const parse = (query: string) => parseView(new URLSearchParams(query));

describe('the executions view in the URL', () => {
  it('round-trips workflow, statuses, range and cursor, in a fixed order', () => {
    const hash = '/executions?workflow=etl&status=Running%2CFailed&range=24h&cursor=abc';
    const view = parse(hash.split('?')[1]!);
    expect(view).toEqual({
      workflow: 'etl',
      statuses: ['Running', 'Failed'],
      range: '24h',
      since: null,
      until: null,
      cursor: 'abc',
    });
    expect(viewHash(view)).toBe(hash);
    expect(viewHash(parse(''))).toBe('/executions');
  });

  it('keeps statuses in the filter order and drops those the server does not accept', () => {
    expect(parse('status=Failed,Bogus,Pending,Failed').statuses).toEqual(['Pending', 'Failed']);
    // Every status of the server's schema, Queued (concurrency limits) included.
    expect(FILTER_STATUSES).toEqual([
      'Scheduled',
      'Queued',
      'Pending',
      'Running',
      'Paused',
      'Completed',
      'Failed',
      'Cancelled',
    ]);
  });

  it('keeps a custom range as times and drops bad ones; a preset keeps only its name', () => {
    const custom = parse('range=custom&since=2026-12-05T10:00:00Z&until=yesterday');
    expect(custom.since).toBe('2026-12-05T10:00:00.000Z');
    expect(custom.until).toBeNull();
    expect(parse('range=1h&since=2026-12-05T10:00:00Z').since).toBeNull();
    expect(parse('range=forever').range).toBeNull();
  });

  it('asks the API for a preset range counted back from now, and for 50 rows', () => {
    const now = Date.parse('2026-12-05T12:00:00Z');
    expect(listQuery(parse('range=1h&status=Failed,Cancelled&workflow=etl'), now)).toEqual({
      workflow: 'etl',
      status: 'Failed,Cancelled',
      since: '2026-12-05T11:00:00.000Z',
      until: undefined,
      cursor: undefined,
      limit: 50,
    });
    const custom = listQuery(parse('range=custom&until=2026-12-01T00:00:00Z&cursor=c1'), now);
    expect(custom).toMatchObject({ since: undefined, until: '2026-12-01T00:00:00.000Z' });
    expect(custom.cursor).toBe('c1');
  });

  it('converts between ISO times and datetime-local values of the viewer’s zone', () => {
    const iso = '2026-12-05T10:30:00.000Z';
    const local = toLocalInput(iso);
    expect(local).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
    expect(fromLocalInput(local)).toBe(iso);
    expect(fromLocalInput('')).toBeNull();
    expect(toLocalInput(null)).toBe('');
  });
});

describe('which executions are new on an older page', () => {
  const known = { createdAt: '2026-12-06T10:00:00.123Z', executionId: '0193a-b' };

  it('counts those created later, and those of the same millisecond listed before it', () => {
    expect(
      listedBefore({ createdAt: '2026-12-06T10:00:00.124Z', executionId: '0193a-a' }, known),
    ).toBe(true);
    expect(
      listedBefore({ createdAt: '2026-12-06T10:00:00.123Z', executionId: '0193a-c' }, known),
    ).toBe(true);
  });

  it('leaves out the known one and those of its millisecond listed after it', () => {
    expect(listedBefore(known, known)).toBe(false);
    expect(
      listedBefore({ createdAt: '2026-12-06T10:00:00.123Z', executionId: '0193a-a' }, known),
    ).toBe(false);
    expect(
      listedBefore({ createdAt: '2026-12-06T10:00:00.122Z', executionId: '0193a-z' }, known),
    ).toBe(false);
  });
});
