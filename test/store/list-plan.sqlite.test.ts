/**
 * The plans of keyset pages on SQLite: the list, or each status of it, is a range of an index
 * read from the cursor on, so a deep page costs what the first one does; here on an empty
 * table, step by step. `list-plans.test.ts` checks the plans of both backends on an analyzed
 * history, where they depend on the statistics.
 */
import { describe, expect, it } from 'vitest';
import { windowStatement, type ExecutionWindow } from '../../src/store/ops/execution-pages.js';
import { WorkflowStatus } from '../../src/store/rows.js';
import { migratedSqliteFile, sqlitePlan } from '../helpers/sqlite-plan.js';

const STATUS_RANGE =
  /COVERING INDEX workflow_executions_by_status \(status=\?( AND \(created_at_ms,id\)<\(\?,\?\))?\)/;
const WORKFLOW_RANGE =
  /COVERING INDEX workflow_executions_by_workflow \(workflow_name=\? AND status=\?( AND \(created_at_ms,id\)<\(\?,\?\))?\)/;
const CREATED_RANGE =
  /COVERING INDEX workflow_executions_by_created( \(\(created_at_ms,id\)<\(\?,\?\)\))?$/;

describe('keyset page plans on SQLite', () => {
  it('reads each range from the cursor on in an index, and the page rows by primary key', async () => {
    const file = await migratedSqliteFile();
    const cases: [Partial<ExecutionWindow>, RegExp, number][] = [
      [{}, CREATED_RANGE, 1],
      [{ statuses: ['Failed'] }, STATUS_RANGE, 1],
      [{ statuses: ['Failed', 'Cancelled'] }, STATUS_RANGE, 2],
      // A workflow without a status filter: one range per status.
      [{ workflowName: 'w' }, WORKFLOW_RANGE, Object.keys(WorkflowStatus).length],
      [{ workflowName: 'w', statuses: ['Failed'] }, WORKFLOW_RANGE, 1],
    ];
    for (const [filter, range, ranges] of cases) {
      for (const after of [null, { createdAtMs: 5, id: 'x' }]) {
        const window = { workflowName: undefined, statuses: undefined, limit: 51, offset: 0 };
        const { sql, params } = windowStatement({ ...window, ...filter, after });
        const plan = sqlitePlan(file, sql, params);
        const what = `${JSON.stringify(filter)}, ${after === null ? 'first' : 'deep'} page`;
        const reads = plan.filter((step) => /^(SEARCH|SCAN) (workflow_executions|e)\b/.test(step));
        // The ranges (from the cursor on when there is one), then one look-up per page row:
        // never a walk of the table.
        expect(
          reads.filter((step) => range.test(step)),
          what,
        ).toHaveLength(ranges);
        if (after !== null)
          expect(
            reads.every((step) => !step.startsWith('SCAN')),
            what,
          ).toBe(true);
        expect(reads, what).toHaveLength(ranges + 1);
        expect(reads.at(-1), what).toBe(
          'SEARCH e USING INDEX sqlite_autoindex_workflow_executions_1 (id=?)',
        );
      }
    }
  });

  it('narrows each range to a creation-time range, and a deep page still starts at its cursor', async () => {
    const file = await migratedSqliteFile();
    const bounds = 'created_at_ms>\\? AND ';
    const cases: [Partial<ExecutionWindow>, string][] = [
      [{}, 'workflow_executions_by_created \\('],
      [{ statuses: ['Failed'] }, 'workflow_executions_by_status \\(status=\\? AND '],
      [
        { workflowName: 'w', statuses: ['Failed'] },
        'workflow_executions_by_workflow \\(workflow_name=\\? AND status=\\? AND ',
      ],
    ];
    for (const [filter, index] of cases) {
      for (const after of [null, { createdAtMs: 5, id: 'x' }]) {
        const window = { workflowName: undefined, statuses: undefined, limit: 51, offset: 0 };
        const { sql, params } = windowStatement({
          ...window,
          ...filter,
          createdFromMs: 1,
          createdBeforeMs: 9,
          after,
        });
        const what = `${JSON.stringify(filter)}, ${after === null ? 'first' : 'deep'} page`;
        // The first page reads from the range's end; a deeper one from its cursor, never from
        // the range's end down past the pages before.
        const upper = after === null ? 'created_at_ms<\\?' : '\\(created_at_ms,id\\)<\\(\\?,\\?\\)';
        const range = new RegExp(`COVERING INDEX ${index}${bounds}${upper}\\)$`);
        const plan = sqlitePlan(file, sql, params);
        expect(
          plan.filter((step) => range.test(step)),
          `${what}: ${plan.join(' | ')}`,
        ).toHaveLength(1);
      }
    }
  });
});
