/**
 * The plans of every execution listing on a seeded, analyzed history, on both backends: each
 * filter of `listExecutionsPage` (and of the HTTP list, which is it), with and without a
 * creation-time range, on the first page and deep in the list, and `listExecutions` by key and
 * by offset. Each read of `workflow_executions` must be a range of one of the list indexes in
 * list order, plus a primary-key look-up per row of the page: no step may scan the table or
 * sort the rows of a range. The plans are taken on a few thousand rows, first before the table
 * has statistics (a bulk load autovacuum has not reached), then after `ANALYZE`, as a
 * production database has them: the planner's choice on an empty table says little.
 *
 * SQLite: `EXPLAIN QUERY PLAN`. PostgreSQL: `EXPLAIN (FORMAT JSON)` on a connection with the
 * settings the adapter's connections have (no sequential or bitmap scan unless nothing else
 * can answer), which are the plans the engine gets.
 */
import { describe, expect, it } from 'vitest';
import {
  windowStatement,
  type ExecutionKey,
  type ExecutionWindow,
} from '../../src/store/ops/execution-pages.js';
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
/** Seeded 4 to a millisecond: the key of a row in the middle of the history. */
const DEEP: ExecutionKey = { createdAtMs: FROM_MS + COUNT / 8, id: '8' };
const RANGE = { createdFromMs: FROM_MS + 100, createdBeforeMs: FROM_MS + 900 };

/** The list indexes a read of `workflow_executions` may use (besides the primary key). */
const LIST_INDEXES = [
  'workflow_executions_by_created',
  'workflow_executions_by_status',
  'workflow_executions_by_workflow',
];

type Filter = Pick<ExecutionWindow, 'workflowName' | 'statuses'>;

/** Every filter the lists offer (statuses with and without rows). */
const FILTERS: Record<string, Filter> = {
  none: { workflowName: undefined, statuses: undefined },
  workflow: { workflowName: 'orders', statuses: undefined },
  'status Failed': { workflowName: undefined, statuses: ['Failed'] },
  'status Cancelled (no row)': { workflowName: undefined, statuses: ['Cancelled'] },
  'statuses Failed, Cancelled': { workflowName: undefined, statuses: ['Cancelled', 'Failed'] },
  'workflow and status': { workflowName: 'audits', statuses: ['Failed'] },
  'workflow and status (no row)': { workflowName: 'orders', statuses: ['Failed'] },
};

/** Every statement shape of the lists: keyset pages (with a time range or not), offsets. */
function windows(): [string, ExecutionWindow][] {
  const out: [string, ExecutionWindow][] = [];
  for (const [name, filter] of Object.entries(FILTERS)) {
    for (const after of [null, DEEP]) {
      const depth = after === null ? 'first page' : 'deep page';
      out.push([`${name}, ${depth}`, { ...filter, after, limit: 51, offset: 0 }]);
      out.push([`${name}, range, ${depth}`, { ...filter, ...RANGE, after, limit: 51, offset: 0 }]);
    }
    // `listExecutions` with an offset: status filters are single there.
    if ((filter.statuses?.length ?? 0) <= 1) {
      out.push([`${name}, offset`, { ...filter, after: null, limit: 50, offset: 1_000 }]);
    }
  }
  return out;
}

async function sqlitePlanner(file: string): Promise<Planner> {
  const db = await seededSqlite(file, COUNT);
  return {
    analyze: async () => void db.exec('ANALYZE'),
    problems: async (sql, params) => {
      const rows = sqlitePlanSteps(db, sql, params);
      const reads = rows.filter((r) => /^(SEARCH|SCAN) (workflow_executions|e)\b/.test(r.detail));
      const problems: string[] = [];
      if (!reads.some((r) => r.detail.startsWith('SEARCH e '))) problems.push('no page look-up');
      for (const read of reads) {
        const ok = read.detail.startsWith('SEARCH e ')
          ? read.detail === 'SEARCH e USING INDEX sqlite_autoindex_workflow_executions_1 (id=?)'
          : LIST_INDEXES.some((index) => read.detail.includes(`USING COVERING INDEX ${index}`));
        if (!ok) problems.push(read.detail);
        // The sort beside the look-ups orders the page's rows; one beside a range (same parent)
        // would sort every row the range reads.
        if (read.detail.startsWith('SEARCH e ')) continue;
        const sort = rows.find((r) => r.parent === read.parent && r.detail.startsWith('USE TEMP'));
        if (sort !== undefined) problems.push(`${read.detail}, then ${sort.detail}`);
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
      let lookups = 0;
      // `sorted`: a Sort lies between this node and the nearest Limit above it, so it sorts
      // every row this node yields, not a page.
      const visit = (node: PgPlanNode, sorted: boolean): void => {
        const type = node['Node Type'];
        if (node['Relation Name'] === 'workflow_executions') {
          const index = node['Index Name'] ?? '';
          if (index === 'workflow_executions_pkey' && type === 'Index Scan') lookups += 1;
          else if (!/^Index (Only )?Scan$/.test(type) || !LIST_INDEXES.includes(index)) {
            problems.push(`${type} ${index}`.trim());
          } else if (sorted) problems.push(`Sort of ${type} ${index}`);
        }
        const below = type === 'Limit' ? false : sorted || type === 'Sort';
        for (const child of node.Plans ?? []) visit(child, below);
      };
      visit(await pgPlanOf(client, sql, params), false);
      if (lookups === 0) problems.push('no page look-up');
      return problems;
    },
    close: () => client.end(),
  };
}

describe('execution list plans on an analyzed history', () => {
  const under = plannerPerFile({ sqlite: sqlitePlanner, postgres: pgPlanner });

  /** Each statement shape whose plan has a problem, with the problems. */
  const failures = (): Promise<string[]> =>
    planFailures(
      under.planner,
      windows().map(([what, window]) => {
        const { sql, params } = windowStatement(window);
        return [what, sql, params] as const;
      }),
    );

  it('reads every filter as ranges of the list indexes before statistics exist', async () => {
    // A bulk load that autovacuum has not analyzed yet.
    expect(await failures()).toEqual([]);
  });

  it('reads every filter as ranges of the list indexes in list order, never the table', async () => {
    await under.planner.analyze();
    expect(await failures()).toEqual([]);
  });

  it('flags a read the indexes cannot serve (the check can fail)', async () => {
    // The same shape ordered by a column no list index holds: a walk of the table and a sort.
    const window = { ...FILTERS['status Failed']!, after: null, limit: 51, offset: 0 };
    const { sql, params } = windowStatement(window);
    const unserved = sql.replace(
      /ORDER BY created_at_ms DESC, id DESC LIMIT \?\) r0/,
      'ORDER BY open_tasks LIMIT ?) r0',
    );
    expect(unserved).not.toBe(sql);
    expect(await under.planner.problems(unserved, params)).not.toEqual([]);
  });
});
