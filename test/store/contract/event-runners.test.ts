/**
 * Store contract, the writers of events by number (migration 27): each process that writes
 * events is stored once in `event_runners`, its event rows carry the number, and every reader
 * (history, history pages, the feed) gives the writer's id back, also for rows stored by id
 * before the numbering. On both backends.
 */
import { describe, expect } from 'vitest';
import { rawQuery } from '../../helpers/raw.js';
import { waitFor } from '../../helpers/wait.js';
import { RUNNER, complete, schedule, test } from './harness.js';
import { single } from '../fixtures/workflows.js';

const OTHER = 'runner-2';

describe.concurrent('store contract: event writers by number', () => {
  test('stores each writer once and reads its id back everywhere', async ({
    store,
    another,
    db,
  }) => {
    const first = await schedule(store, single, { claimRoots: 1 });
    await complete(store, first.claimed);
    // A second process writes as RUNNER and as another runner.
    const second = await another();
    const other = await schedule(second, single, { claimRoots: 1, runnerId: OTHER });
    await complete(second, other.claimed);

    const writers = await rawQuery<{ runner_id: string }>(
      db,
      'SELECT runner_id FROM event_runners ORDER BY runner_id',
    );
    expect(writers.map((row) => row.runner_id)).toEqual([RUNNER, OTHER]);
    const stored = await rawQuery<{ by_id: number; by_ref: number }>(
      db,
      `SELECT COUNT(runner_id) AS by_id, COUNT(runner_ref) AS by_ref FROM execution_events`,
    );
    expect(Number(stored[0]!.by_id)).toBe(0);
    expect(Number(stored[0]!.by_ref)).toBe(10);

    const ofOther = await store.getEvents(other.record.id);
    expect(ofOther.map((e) => [e.type, e.runnerId])).toEqual([
      ['task_ready', OTHER],
      ['workflow_started', OTHER],
      ['task_started', OTHER],
      ['task_completed', RUNNER],
      ['workflow_completed', RUNNER],
    ]);
    const page = await store.getEventsPage({
      executionId: first.record.id,
      afterId: null,
      excludeTypes: [],
      limit: 10,
    });
    expect(page.map((e) => e.runnerId)).toEqual([RUNNER, RUNNER, RUNNER, RUNNER, RUNNER]);
    const feed = await waitFor(async () => {
      const read = await store.readEvents({ after: null, limit: 100 });
      return read.events.length === 10 ? read.events : null;
    });
    expect(feed.filter((e) => e.runnerId === OTHER)).toHaveLength(3);
    expect(feed.filter((e) => e.runnerId === RUNNER)).toHaveLength(7);
  });

  test('reads the writer of a row stored by id', async ({ store, db }) => {
    const scheduled = await schedule(store, single, { claimRoots: 1 });
    await rawQuery(
      db,
      `INSERT INTO execution_events (execution_id, task_id, event_type, data, runner_id, created_at_ms)
       VALUES (?, NULL, 'workflow_paused', NULL, 'written-by-id', 1500)`,
      [scheduled.record.id],
    );
    const events = await store.getEvents(scheduled.record.id);
    expect(events.map((e) => [e.type, e.runnerId])).toEqual([
      ['task_ready', RUNNER],
      ['workflow_started', RUNNER],
      ['task_started', RUNNER],
      ['workflow_paused', 'written-by-id'],
    ]);
  });
});
