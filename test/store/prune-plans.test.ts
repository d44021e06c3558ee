/**
 * The plan of a prune batch's window on a seeded history, on both backends, before the table
 * has statistics and after `ANALYZE`: for a cut of the common status (Completed) and of a rare
 * one (Failed), the read is a range of the status index or the creation index, in the order of
 * the window, with no sort. Never the index of end times, whose walk passes every kept
 * execution of the other statuses that ended earlier, and never every execution of the status
 * read and sorted (either made each batch cost the whole history).
 *
 * SQLite: `EXPLAIN QUERY PLAN` as the adapter prepares the statement. PostgreSQL:
 * `EXPLAIN (FORMAT JSON)` on a connection with the adapter's planner settings.
 */
import { describe, expect, it } from 'vitest';
import type { SqlValue } from '../../src/store/db.js';
import { PRUNE_WINDOW } from '../../src/store/ops/prune.js';
import {
  pgPlanOf,
  planFailures,
  plannerPerFile,
  seededPg,
  seededSqlite,
  type PgPlanNode,
  type Planner,
} from '../helpers/plan-history.js';
import { sqlitePlanSteps } from '../helpers/sqlite-plan.js';

const COUNT = 4_000;
const FROM_MS = Date.parse('2026-01-01T00:00:00Z');
/** A cut in the middle of the seeded history (4 executions to a millisecond). */
const CUT_MS = FROM_MS + COUNT / 8;

/** The indexes whose order is the window's (`created_at_ms, id` within the status). */
const WINDOW_INDEXES = ['workflow_executions_by_status', 'workflow_executions_by_created'];

/** The window's parameters for a cut of `status` at {@link CUT_MS}. */
const paramsOf = (status: string): SqlValue[] => [status, status, CUT_MS, CUT_MS, 250];

async function sqlitePlanner(file: string): Promise<Planner> {
  const db = await seededSqlite(file, COUNT);
  return {
    analyze: async () => void db.exec('ANALYZE'),
    problems: async (sql, params) => {
      const steps = sqlitePlanSteps(db, sql, params).map((step) => step.detail);
      const read = steps[0] ?? '';
      const problems = steps.filter((step) => step.startsWith('USE TEMP B-TREE'));
      if (!WINDOW_INDEXES.some((index) => read.startsWith(`SEARCH e USING INDEX ${index} (`))) {
        problems.push(read);
      }
      return problems;
    },
    close: async () => void db.close(),
  };
}

async function pgPlanner(schema: string): Promise<Planner> {
  const client = await seededPg(schema, COUNT);
  return {
    analyze: async () => void (await client.query('ANALYZE workflow_executions')),
    problems: async (sql, params) => {
      const problems: string[] = [];
      const visit = (node: PgPlanNode): void => {
        const type = node['Node Type'];
        if (type === 'Sort') problems.push('Sort');
        if (node['Relation Name'] === 'workflow_executions') {
          const index = node['Index Name'] ?? '';
          if (type !== 'Index Scan' || !WINDOW_INDEXES.includes(index)) {
            problems.push(`${type} ${index}`.trim());
          }
        }
        for (const child of node.Plans ?? []) visit(child);
      };
      visit(await pgPlanOf(client, sql, params));
      return problems;
    },
    close: () => client.end(),
  };
}

describe('the prune window on a seeded history', () => {
  const under = plannerPerFile({ sqlite: sqlitePlanner, postgres: pgPlanner });

  /** A cut of the common status and one of a rare status. */
  const failures = (): Promise<string[]> =>
    planFailures(
      under.planner,
      ['Completed', 'Failed'].map((status) => [status, PRUNE_WINDOW, paramsOf(status)] as const),
    );

  it('reads a range in window order before statistics exist', async () => {
    expect(await failures()).toEqual([]);
  });

  it('reads a range in window order after ANALYZE', async () => {
    await under.planner.analyze();
    expect(await failures()).toEqual([]);
  });

  it('flags the walk of the index of end times (the check can fail)', async () => {
    const byEnd = PRUNE_WINDOW.replace('(e.completed_at_ms + 0) < ?', 'e.completed_at_ms < ?')
      .replace('e.created_at_ms < ?', '(e.created_at_ms + 0) < ?')
      .replace('e.status = ?', "(e.status || '') = ?")
      .replace('ORDER BY e.created_at_ms, e.id', 'ORDER BY e.completed_at_ms');
    expect(byEnd).not.toBe(PRUNE_WINDOW);
    expect(await under.planner.problems(byEnd, paramsOf('Failed'))).not.toEqual([]);
  });
});
