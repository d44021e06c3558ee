import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { freshDatabaseUrl } from '../helpers/backend.js';
import { claimAll, completeAll, scheduleWide } from './fixtures/wide.js';

describe('a fan-out wider than one statement can carry', () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
  });

  it('readies 22,000 dependents in the completion of their root', async () => {
    // Settled in one statement, these dependents would need 66,000 parameters: more than
    // SQLite (32,766) and PostgreSQL (65,535) accept, and the root's completion would fail.
    const n = 22_000;
    const opened = await scheduleWide(freshDatabaseUrl(), n);
    store = opened.store;
    const { scheduled } = opened;
    await completeAll(store, scheduled.claimed, (c) => ({ ...c.input, root: true }));

    const claimed = await claimAll(store);
    expect(claimed).toHaveLength(n);
    expect(new Set(claimed.map((c) => c.taskId)).size).toBe(n);
    expect(claimed.every((c) => c.input['root'] === true && c.input['seed'] === 1)).toBe(true);
    const record = await store.getExecution(scheduled.record.id);
    expect(record?.status).toBe('Running');
  });
});
