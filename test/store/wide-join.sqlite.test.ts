import { afterEach, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/core/json.js';
import type { ClaimedTask, Store } from '../../src/store/store.js';
import { freshSqliteUrl } from '../helpers/backend.js';
import { claimAll, completeAll, scheduleWide } from './fixtures/wide.js';

// SQLite only: there a join's read of the outputs of its 33,000 dependencies, in one statement,
// passes the 32,766-parameter limit. PostgreSQL reaches its limit (65,535) only with joins too
// wide to drive through in a test's few seconds; the statements are the same.
describe('a join wider than one statement can carry', () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
  });

  it('merges the outputs of 33,000 dependencies into the join and the final context', async () => {
    const n = 33_000;
    const opened = await scheduleWide(freshSqliteUrl(), n);
    store = opened.store;
    const { scheduled } = opened;
    await completeAll(store, scheduled.claimed, (c) => c.input);
    const branches = await claimAll(store);
    expect(branches).toHaveLength(n);
    // The last branch alone: the join then reads the outputs of the other 32,999 from the table.
    const output = (c: ClaimedTask): JsonObject => ({
      ...c.input,
      [c.taskId]: Number(c.taskId.slice(1)),
    });
    for (let start = 0; start < n - 1; start += 5_000) {
      await completeAll(store, branches.slice(start, Math.min(start + 5_000, n - 1)), output);
    }
    await completeAll(store, branches.slice(n - 1), output);
    const [join, ...more] = await claimAll(store);
    expect(more).toEqual([]);
    expect(join?.taskId).toBe('join');
    expect(Object.keys(join!.input)).toHaveLength(n + 1);
    expect(join!.input[`b${n - 1}`]).toBe(n - 1);

    await completeAll(store, [join!], (c) => ({ ...c.input, joined: true }));
    const record = await store.getExecution(scheduled.record.id);
    expect(record?.status).toBe('Completed');
    expect(Object.keys(record!.finalContext ?? {})).toHaveLength(n + 2);
  });
});
