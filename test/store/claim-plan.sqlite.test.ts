import { describe, expect, it } from 'vitest';
import { claimParams, claimStatement, STALE_CLAIMS } from '../../src/store/ops/claims.js';
import { openStore } from '../../src/store/open.js';
import { freshSqliteUrl } from '../helpers/backend.js';
import { SQLITE_SYNTAX } from '../../src/store/sqlite/sqlite-syntax.js';
import { sqlitePlan } from '../helpers/sqlite-plan.js';

/** SQLite's plan of `sql` with `params`, one line per step. */
const planOf = (file: string, sql: string, params: unknown[]): string =>
  sqlitePlan(file, sql, params).join('\n');

describe('the hot queries on SQLite', () => {
  it('claims by walking the partial Ready index in claim order, with no sort step', async () => {
    const url = freshSqliteUrl();
    const store = await openStore(url);
    await store.migrate();
    await store.close();
    const file = url.slice('sqlite://'.length);
    const params = claimParams({
      runnerId: 'r',
      claimId: 'c',
      nowMs: 1,
      workflowNames: ['a', 'b'],
      limit: 10,
    });
    const plan = planOf(file, claimStatement(SQLITE_SYNTAX, 2), params);
    expect(plan).toMatch(/SEARCH t USING INDEX task_executions_ready \(ready_at_ms<\?\)/);
    expect(plan).not.toMatch(/TEMP B-TREE/);
  });

  it('finds silent claims through the partial index of live claims', async () => {
    const url = freshSqliteUrl();
    const store = await openStore(url);
    await store.migrate();
    await store.close();
    const plan = planOf(url.slice('sqlite://'.length), STALE_CLAIMS, [1]);
    expect(plan).toMatch(/USING INDEX task_executions_claimed \(heartbeat_at_ms<\?\)/);
    expect(plan).not.toMatch(/TEMP B-TREE/);
  });
});
