/**
 * The plan of a prune batch's window on SQLite, which keeps no statistics: the oldest ended
 * executions are read along the index of end times, never by reading every execution of the
 * status and sorting them (which made each batch cost the whole history).
 */
import { describe, expect, it } from 'vitest';
import { PRUNE_WINDOW } from '../../src/store/ops/prune.js';
import { migratedSqliteFile, sqlitePlan } from '../helpers/sqlite-plan.js';

describe('the prune window on SQLite', () => {
  it('walks the index of end times in order, with no sort', async () => {
    const plan = sqlitePlan(await migratedSqliteFile(), PRUNE_WINDOW, [1_000, 'Completed', 250]);
    expect(plan[0]).toMatch(
      /^SEARCH e USING (COVERING )?INDEX workflow_executions_by_completed \(completed_at_ms<\?\)/,
    );
    expect(plan.join('\n')).not.toMatch(/TEMP B-TREE|workflow_executions_by_status/);
  });
});
