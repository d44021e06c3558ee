/**
 * How `Db.writeAlone` folds a statement on PostgreSQL (`composeAlone`): the caller's CTEs, the
 * event rows by their writers' numbers, the check and the notice in one statement, with the
 * values in placeholder order. What it does on a real server is in `sole-ends.pg.test.ts`.
 */
import { describe, expect, it } from 'vitest';
import type { AloneStatement } from '../../src/store/db.js';
import { composeAlone } from '../../src/store/postgres/pg-alone.js';
import { splitAtPlaceholders } from '../../src/store/postgres/pg-sql.js';
import type { NewEvent } from '../../src/store/rows.js';

const event: NewEvent = {
  executionId: 'e1',
  taskId: 't',
  type: 'task_completed',
  data: { attempt: 1 },
  runnerId: 'runner-1',
  createdAtMs: 5,
};

const statement = (overrides: Partial<AloneStatement> = {}): AloneStatement => ({
  ctes: 'done AS (UPDATE task_executions SET status = ? WHERE id = ? RETURNING id)',
  cteParams: ['Completed', 'e1:t'],
  select: '(SELECT id FROM done) AS id, ? AS tag',
  selectParams: ['tag'],
  exactly: { cte: 'done', rows: 1 },
  events: [event],
  channels: ['executions'],
  ...overrides,
});

const notify = (channels: ReadonlySet<string>) => ['chan', [...channels].join(',')] as const;

describe('composeAlone', () => {
  it('folds the events, the check and the notice into one statement, values in placeholder order', () => {
    const composed = composeAlone(statement(), new Map([['runner-1', 7]]), notify)!;

    expect(composed.sql).toMatch(/^WITH done AS \(UPDATE task_executions/);
    expect(composed.sql).toContain('cloacina_events AS (INSERT INTO execution_events');
    expect(composed.sql).toContain('cloacina_guard((SELECT COUNT(*) FROM done) = ?)');
    expect(composed.sql).toContain('pg_notify(?, ?)');
    expect(splitAtPlaceholders(composed.sql)).toHaveLength(composed.params.length + 1);
    expect(composed.params).toEqual([
      'Completed',
      'e1:t',
      // The event row, its writer by number.
      'e1',
      't',
      'task_completed',
      '{"attempt":1}',
      7,
      5,
      null,
      // The check, the notice (which names 'events' too, as a transaction's does), the select.
      1,
      'chan',
      'executions,events',
      'tag',
    ]);
  });

  it('declines a statement whose events have a writer without a number yet', () => {
    expect(composeAlone(statement(), new Map(), notify)).toBeUndefined();
  });

  it('sends no notice when there is nothing to tell', () => {
    const composed = composeAlone(statement({ events: [], channels: [] }), new Map(), notify)!;

    expect(composed.sql).not.toContain('pg_notify');
    expect(composed.sql).not.toContain('cloacina_events');
    expect(composed.params).toEqual(['Completed', 'e1:t', 1, 'tag']);
  });
});
