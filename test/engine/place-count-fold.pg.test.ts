/**
 * On PostgreSQL each database session adds to a row of its own in `concurrency_counts`; a
 * runner folds the rows into one per group as part of its admission pass, so a group's count
 * stays a few rows to read. Here one runner leaves its sessions' rows behind and the next
 * runner folds them, keeping the count.
 */
import { describe, expect, it } from 'vitest';
import { task, workflow } from '../../src/index.js';
import { createRunner, freshDatabase, stopRunner } from '../helpers/backend.js';
import { rawQuery } from '../helpers/raw.js';
import { waitFor } from '../helpers/wait.js';

const limited = workflow({
  name: 'limited',
  concurrency: { limit: 500 },
  tasks: [task({ id: 'only' }, () => {})],
});

describe('place count rows on PostgreSQL', () => {
  it('a runner folds the rows of past sessions into one row per group, keeping the count', async () => {
    const db = freshDatabase();
    const rows = async (): Promise<{ slot: number; active: number }[]> =>
      (
        await rawQuery<{ slot: number; active: string }>(
          db,
          `SELECT slot, active FROM concurrency_counts WHERE workflow_name = 'limited'`,
        )
      ).map((row) => ({ slot: row.slot, active: Number(row.active) }));

    const first = await createRunner({}, db.url);
    first.register(limited);
    const handles = await Promise.all(
      Array.from({ length: 20 }, () => first.executeAsync('limited', {})),
    );
    await Promise.all(handles.map((handle) => handle.wait('10s')));
    await stopRunner(first);
    const left = await rows();
    expect(left.some((row) => row.slot !== 0)).toBe(true);
    expect(left.reduce((sum, row) => sum + row.active, 0)).toBe(0);
    // One execution still holding its place: its row is counted through the fold.
    await rawQuery(db, `UPDATE workflow_executions SET status = 'Running' WHERE id = ?`, [
      handles[0]!.executionId,
    ]);

    const second = await createRunner({ enableClaiming: false }, db.url);
    try {
      const folded = await waitFor(
        async () => {
          const now = await rows();
          return now.every((row) => row.slot === 0) ? now : false;
        },
        10_000,
        'the fold of the session rows',
      );
      expect(folded).toEqual([{ slot: 0, active: 1 }]);
    } finally {
      await stopRunner(second);
    }
  });
});
