/**
 * Store contract, events and the feed: an execution's history (`getEvents`,
 * `getEventsPage`), the feed of every event (`readEvents`, `eventsHead`), commit notices
 * (`onCommit`) and pruning (`cleanupEvents`), on both backends.
 */
import { describe, expect } from 'vitest';
import { InvalidCursorError } from '../../../src/errors.js';
import type { CommitNotice } from '../../../src/store/db.js';
import type { FeedEvent } from '../../../src/store/feed.js';
import type { Store } from '../../../src/store/store.js';
import { waitFor } from '../../helpers/wait.js';
import { RUNNER, complete, history, schedule, test } from './harness.js';
import { chain, pair, single } from '../fixtures/workflows.js';

/**
 * Every feed event after `after`, read in pages of `limit`, once at least `count` are there.
 * On PostgreSQL an event shows in the feed once every older transaction of the server has
 * ended (see `src/store/postgres/pg-feed.ts`), which other tests' transactions may delay for a moment.
 */
async function feed(
  store: Store,
  count: number,
  options: { after?: string | null; limit?: number; executionId?: string; workflow?: string } = {},
): Promise<FeedEvent[]> {
  const { limit = 100, after = null, ...filter } = options;
  return waitFor(
    async () => {
      const events: FeedEvent[] = [];
      let cursor = after;
      for (;;) {
        const page = await store.readEvents({ after: cursor, limit, ...filter });
        if (page.events.length === 0) {
          expect(page.cursor).toBe(cursor ?? page.cursor);
          break;
        }
        expect(page.events.length).toBeLessThanOrEqual(limit);
        expect(page.cursor).toBe(page.events.at(-1)!.cursor);
        events.push(...page.events);
        cursor = page.cursor;
      }
      return events.length >= count ? events : null;
    },
    10_000,
    `${count} events in the feed`,
  );
}

describe.concurrent('store contract: execution history', () => {
  test('keeps an execution’s events in order, with their fields', async ({ store }) => {
    const scheduled = await schedule(store, chain, { claimRoots: 1 });
    await complete(store, scheduled.claimed, 2_000);

    const events = await store.getEvents(scheduled.record.id);
    expect(events.map((e) => [e.type, e.taskId, e.runnerId, e.createdAtMs])).toEqual([
      ['task_ready', 'a', RUNNER, 1_000],
      ['workflow_started', null, RUNNER, 1_000],
      ['task_started', 'a', RUNNER, 1_000],
      ['task_completed', 'a', RUNNER, 2_000],
      ['task_ready', 'b', RUNNER, 2_000],
    ]);
    expect(events.every((e) => e.executionId === scheduled.record.id)).toBe(true);
    const ids = events.map((e) => e.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(await store.getEvents('no-such-id')).toEqual([]);
  });

  test('pages an execution’s events after an id, leaving out the types asked', async ({
    store,
  }) => {
    const scheduled = await schedule(store, chain, { claimRoots: 1 });
    await complete(store, scheduled.claimed, 2_000);
    const all = await store.getEvents(scheduled.record.id);
    const page = (afterId: number | null, limit: number, excludeTypes: string[] = []) =>
      store.getEventsPage({ executionId: scheduled.record.id, afterId, limit, excludeTypes });

    expect(await page(null, 2)).toEqual(all.slice(0, 2));
    expect(await page(all[1]!.id, 2)).toEqual(all.slice(2, 4));
    expect(await page(all.at(-1)!.id, 2)).toEqual([]);
    expect((await page(null, 10, ['task_ready', 'task_started'])).map((e) => e.type)).toEqual([
      'workflow_started',
      'task_completed',
    ]);
  });

  test('announces each commit’s events and wake-ups to its listeners, until unsubscribed', async ({
    store,
  }) => {
    const notices: CommitNotice[] = [];
    const off = store.onCommit((notice) => {
      if (!notice.remote) notices.push(notice);
    });
    const scheduled = await schedule(store, pair);
    await waitFor(() => notices.length > 0, 5_000, 'a commit notice');

    const [notice] = notices;
    expect(notice!.events.map((e) => [e.type, e.taskId, e.executionId])).toEqual([
      ['task_ready', 'left', scheduled.record.id],
      ['task_ready', 'right', scheduled.record.id],
    ]);
    expect(notice!.channels.has('tasks')).toBe(true);
    off();
    const count = notices.length;
    await schedule(store, pair);
    expect(notices).toHaveLength(count);
  });

  test('another process hears of a commit where the backend can tell it', async ({
    store,
    another,
  }) => {
    const listening = await another();
    const remote: CommitNotice[] = [];
    listening.onCommit((notice) => {
      if (notice.remote) remote.push(notice);
    });
    await schedule(store, pair);

    if (!store.capabilities.listenNotify) {
      // SQLite: no cross-process notice; other processes find work by polling.
      expect(remote).toEqual([]);
      return;
    }
    const heard = await waitFor(
      () => remote.find((n) => n.channels.has('tasks')),
      5_000,
      'a remote notice',
    );
    // Remote notices carry wake-ups only; the events are read from the database.
    expect(heard.events).toEqual([]);
  });
});

describe.concurrent('store contract: the event feed', () => {
  test('reads every event of every execution in pages that neither skip nor repeat', async ({
    store,
  }) => {
    const one = await schedule(store, chain, { claimRoots: 1 });
    const two = await schedule(store, single);
    await complete(store, one.claimed, 2_000);
    const total = (await store.getEvents(one.record.id)).length + 1;

    const whole = await feed(store, total);
    expect(whole).toHaveLength(total);
    expect(new Set(whole.map((e) => e.cursor)).size).toBe(total);
    for (const limit of [1, 2, 4]) expect(await feed(store, total, { limit })).toEqual(whole);
    const own = whole.filter((e) => e.executionId === one.record.id);
    expect(own.map((e) => [e.type, e.taskId, e.workflow, e.runnerId, e.at])).toEqual(
      (await store.getEvents(one.record.id)).map((e) => [
        e.type,
        e.taskId,
        'chain',
        e.runnerId,
        e.createdAtMs,
      ]),
    );
    expect(whole.find((e) => e.executionId === two.record.id)).toMatchObject({
      type: 'task_ready',
      workflow: 'single',
    });
    // Reading on from an event returns what follows it.
    expect(await feed(store, total - 3, { after: whole[2]!.cursor })).toEqual(whole.slice(3));
  });

  test('filters by execution and by workflow', async ({ store }) => {
    const one = await schedule(store, chain);
    const two = await schedule(store, pair);
    await feed(store, 3);

    const byExecution = await feed(store, 2, { executionId: two.record.id });
    expect(byExecution.map((e) => [e.executionId, e.taskId])).toEqual([
      [two.record.id, 'left'],
      [two.record.id, 'right'],
    ]);
    const byWorkflow = await feed(store, 1, { workflow: 'chain' });
    expect(byWorkflow.map((e) => [e.executionId, e.type])).toEqual([[one.record.id, 'task_ready']]);
    expect(await feed(store, 0, { workflow: 'chain', executionId: two.record.id })).toEqual([]);
  });

  test('starts at the head with what is committed after it', async ({ store }) => {
    await schedule(store, single);
    await feed(store, 1);
    const head = await store.eventsHead();
    const before = await store.readEvents({ after: head, limit: 10 });
    expect(before).toEqual({ events: [], cursor: head });

    const later = await schedule(store, pair);
    const after = await feed(store, 2, { after: head });
    expect(after.map((e) => [e.executionId, e.type])).toEqual([
      [later.record.id, 'task_ready'],
      [later.record.id, 'task_ready'],
    ]);
  });

  test('refuses a cursor it did not hand out', async ({ store }) => {
    const start = await store.readEvents({ after: null, limit: 10 });
    expect(start.events).toEqual([]);
    // Same shape as the backend's own, so the cursor parses after it round-trips.
    expect((await store.readEvents({ after: start.cursor, limit: 10 })).cursor).toBe(start.cursor);
    const foreign = store.dialect === 'sqlite' ? '12-3' : '123';
    for (const after of ['', 'abc', '-1', '01', '1.5', '1-2-3', foreign]) {
      await expect(store.readEvents({ after, limit: 10 }), after).rejects.toBeInstanceOf(
        InvalidCursorError,
      );
    }
  });
});

describe.concurrent('store contract: pruning events', () => {
  test('removes old events except those of executions that have not ended', async ({ store }) => {
    const ended = await schedule(store, single, { claimRoots: 1, nowMs: 1_000 });
    await complete(store, ended.claimed, 2_000);
    const open = await schedule(store, pair, { nowMs: 1_000 });
    await store.recordTriggerError({
      triggerName: 'sensor',
      workflowName: 'pair',
      errorMessage: 'offline',
      nowMs: 1_500,
    });
    const endedEvents = (await store.getEvents(ended.record.id)).length;
    const young = await schedule(store, single, { claimRoots: 1, nowMs: 9_000 });
    await complete(store, young.claimed, 9_000);

    // The ended execution's history and the failed poll are older than the cut.
    const prunable = endedEvents + 1;
    expect(await store.cleanupEvents({ olderThanMs: 5_000, dryRun: true })).toBe(prunable);
    expect((await store.getEvents(ended.record.id)).length).toBe(endedEvents);
    expect(await store.cleanupEvents({ olderThanMs: 5_000 })).toBe(prunable);

    expect(await store.getEvents(ended.record.id)).toEqual([]);
    expect(await history(store, open.record.id)).toEqual(['task_ready', 'task_ready']);
    expect((await store.getEvents(young.record.id)).length).toBeGreaterThan(0);
    expect(await store.cleanupEvents({ olderThanMs: 5_000 })).toBe(0);
  });
});
