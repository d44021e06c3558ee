/**
 * The plan of the execution statistics on SQLite: the active counts, the window's unrolled
 * ranges of ended executions and its minute rollups are each read from an index alone, never
 * a walk of the table. (PostgreSQL's plans, which depend on its statistics, are recorded in
 * `docs/performance.md`.)
 */
import { describe, expect, it } from 'vitest';
import { splitWindow, statsStatement } from '../../src/store/ops/stats.js';
import { migratedSqliteFile, sqlitePlan } from '../helpers/sqlite-plan.js';

const DAY = 86_400_000;

/** The steps of the plan of the statement for `query` split against `rolled`. */
async function planOf(
  query: { fromMs: number; toMs: number; bucketMs: number },
  rolled: { fromMs: number; toMs: number },
): Promise<string[]> {
  const { sql, params } = statsStatement(query, splitWindow(query, rolled));
  return (
    sqlitePlan(await migratedSqliteFile(), sql, params)
      // The values' own rows (`SCAN CONSTANT ROW`, `SCAN 1413 CONSTANT ROWS`) build `r`.
      .filter((step) => /^(SEARCH|SCAN) /.test(step) && !/CONSTANT ROWS?$/.test(step))
  );
}

const ACTIVE =
  'SEARCH workflow_executions USING COVERING INDEX workflow_executions_by_status (status=?)';
const RANGE =
  'SEARCH workflow_executions USING COVERING INDEX workflow_executions_by_completed (completed_at_ms>? AND completed_at_ms<?)';
const CUTS =
  'SEARCH e USING COVERING INDEX workflow_executions_by_completed (completed_at_ms>? AND completed_at_ms<?)';
const STILL_ROLLED = 'SEARCH execution_stats_rollup USING INTEGER PRIMARY KEY (rowid=?)';
const MINUTES = 'SEARCH execution_stats_minutes USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)';

describe('execution statistics plan on SQLite', () => {
  it('reads a window with nothing rolled up as one range of the end-time index', async () => {
    const plan = await planOf(
      { fromMs: 0, toMs: 3_600_000, bucketMs: 60_000 },
      {
        fromMs: 0,
        toMs: 0,
      },
    );
    expect(plan).toEqual([ACTIVE, RANGE]);
  });

  it('sums the rolled minutes by primary key and reads only the edges from the index', async () => {
    const query = { fromMs: 10 * DAY, toMs: 17 * DAY + 1, bucketMs: 3_600_000 };
    const split = splitWindow(query, { fromMs: 9 * DAY, toMs: 17 * DAY - 360_000 });
    expect(split).toMatchObject({ edges: [[17 * DAY - 360_000, 17 * DAY + 1]], cuts: null });
    const plan = await planOf(query, { fromMs: 9 * DAY, toMs: 17 * DAY - 360_000 });
    expect(plan).toEqual([ACTIVE, RANGE, MINUTES, STILL_ROLLED]);
  });

  it('reads each minute a bucket boundary cuts from the index, in the same plan', async () => {
    const query = { fromMs: 10 * DAY, toMs: 17 * DAY + 1, bucketMs: 421_000 };
    const rolled = { fromMs: 9 * DAY, toMs: 17 * DAY - 360_000 };
    expect(splitWindow(query, rolled).cuts).toEqual({
      firstMs: 10 * DAY + 421_000,
      stepMs: 421_000,
      endMs: 17 * DAY - 360_000,
    });
    const plan = await planOf(query, rolled);
    // The generated boundaries (`cut`, read twice by the recursion), their minutes (`c`).
    expect(plan).toEqual([
      ACTIVE,
      RANGE,
      'SCAN cut',
      'SCAN cut',
      'SCAN c',
      CUTS,
      MINUTES,
      STILL_ROLLED,
    ]);
  });
});
