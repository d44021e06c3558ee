/**
 * The event feed (`Client.readEvents`, `eventsHead`, `onEventsAppended`) on both backends:
 * paging from the start with no gap and no duplicate, starting at the head, the filters,
 * trigger and cron events with their fields, and the checks of cursors and limits.
 */
import { describe, expect, it } from 'vitest';
import {
  Client,
  ConfigError,
  DEFAULT_PAGE_SIZE,
  InvalidCursorError,
  MAX_PAGE_SIZE,
  ManualClock,
  TriggerResult,
  defineTrigger,
  task,
  workflow,
  type FeedEvent,
  type ReadEventsOptions,
  type Trigger,
} from '../../src/index.js';
import { backend, createRunner, freshDatabaseUrl, stopRunner } from '../helpers/backend.js';
import { waitFor } from '../helpers/wait.js';
import { Gate } from '../engine/triggers-fixtures.js';

/** A cursor must fit an SSE `id:` line: digits and at most one '-'. */
const CURSOR = /^[0-9]+(-[0-9]+)?$/;

/** A two-task workflow `name`. */
function pair(name: string) {
  return workflow({
    name,
    tasks: [
      task({ id: 'first' }, (ctx) => ctx.insert('first', true)),
      task({ id: 'second', dependencies: ['first'] }, (ctx) => ctx.insert('second', true)),
    ],
  });
}

/**
 * Reads the whole feed from `after` in pages of `limit`, checking that each page's cursor is
 * its last event's (or `after` when empty) and that cursors only grow unique.
 */
async function readAll(
  client: Client,
  limit: number,
  options: Omit<ReadEventsOptions, 'limit' | 'after'> = {},
  after: string | null = null,
): Promise<FeedEvent[]> {
  const events: FeedEvent[] = [];
  let cursor = after;
  for (;;) {
    const page = await client.readEvents({ ...options, after: cursor, limit });
    expect(page.events.length).toBeLessThanOrEqual(limit);
    expect(page.cursor).toMatch(CURSOR);
    if (page.events.length === 0) {
      if (cursor !== null) expect(page.cursor).toBe(cursor);
      return events;
    }
    expect(page.cursor).toBe(page.events.at(-1)!.cursor);
    events.push(...page.events);
    cursor = page.cursor;
  }
}

/** Waits until the feed read from `after` holds `count` events matching `options`. */
async function feedOf(
  client: Client,
  count: number,
  options: Omit<ReadEventsOptions, 'limit' | 'after'> = {},
  after: string | null = null,
): Promise<FeedEvent[]> {
  return waitFor(
    async () => {
      const events = await readAll(client, MAX_PAGE_SIZE, options, after);
      return events.length >= count ? events : null;
    },
    10_000,
    `${count} events in the feed`,
  );
}

/** A trigger polled every 30 ms whose poll is `poll`. */
function trigger(name: string, poll: () => TriggerResult): Trigger {
  return defineTrigger({ name, pollInterval: '30ms' }, poll);
}

/** A one-task workflow whose task waits on `gate`. */
function gated(name: string, gate: Gate) {
  return workflow({
    name,
    tasks: [task({ id: 'wait' }, async (_ctx, handle) => gate.wait(handle.signal))],
  });
}

describe('the event feed', () => {
  it('reads every event from the start, in pages that neither skip nor repeat', async () => {
    const url = freshDatabaseUrl();
    const runner = await createRunner({}, url);
    runner.register(pair('pair'));
    await using client = await Client.connect(url);
    const ids: string[] = [];
    for (let i = 0; i < 6; i += 1) ids.push((await runner.execute('pair')).executionId);
    const histories = await Promise.all(ids.map((id) => client.getExecutionEvents(id)));
    const total = histories.reduce((sum, events) => sum + events.length, 0);

    const whole = await feedOf(client, total);
    expect(whole).toHaveLength(total);
    for (const limit of [1, 3, 7]) {
      expect(await readAll(client, limit)).toEqual(whole);
    }
    expect(new Set(whole.map((e) => e.cursor)).size).toBe(total);
    // Each execution's events come in the order of its history, with the history's fields.
    ids.forEach((id, i) => {
      const own = whole.filter((e) => e.executionId === id);
      expect(own.map((e) => [e.type, e.taskId, e.runnerId, e.at, e.data])).toEqual(
        histories[i]!.map((e) => [e.type, e.taskId, e.runnerId, e.createdAtMs, e.data]),
      );
      expect(own.every((e) => e.workflow === 'pair')).toBe(true);
    });
    // Reading on from the middle gives the rest.
    const middle = whole[9]!.cursor;
    expect(await readAll(client, 4, {}, middle)).toEqual(whole.slice(10));
    expect((await client.readEvents()).events).toHaveLength(Math.min(total, DEFAULT_PAGE_SIZE));
    await stopRunner(runner);
  });

  it('from the head returns only events committed after it', async () => {
    const url = freshDatabaseUrl();
    const runner = await createRunner({}, url);
    runner.register(pair('pair'));
    await using client = await Client.connect(url);
    const before = await runner.execute('pair');
    await feedOf(client, (await client.getExecutionEvents(before.executionId)).length);

    const head = await client.eventsHead();
    expect(head).toMatch(CURSOR);
    expect(await client.readEvents({ after: head })).toEqual({ events: [], cursor: head });

    const after = await runner.execute('pair');
    const expected = (await client.getExecutionEvents(after.executionId)).map((e) => e.type);
    const fresh = await feedOf(client, expected.length, {}, head);
    expect(fresh.map((e) => e.type)).toEqual(expected);
    expect(fresh.every((e) => e.executionId === after.executionId)).toBe(true);
    await stopRunner(runner);
  });

  it('filters by execution and by workflow, trigger events included', async () => {
    const url = freshDatabaseUrl();
    const runner = await createRunner({ triggerBasePollInterval: '20ms' }, url);
    runner.register(pair('alpha'));
    runner.register(pair('beta'));
    let fires = 0;
    await runner.registerTrigger(
      trigger('alpha_source', () => {
        fires += 1;
        // One fire, then skips: the trigger adds one trigger_fired event.
        return fires === 1 ? TriggerResult.fire({ n: 1 }) : TriggerResult.skip('done');
      }),
      'alpha',
    );
    await using client = await Client.connect(url);
    const beta = await runner.execute('beta');
    const fired = await waitFor(async () => {
      const [row] = await client.getTriggerExecutionHistory('alpha_source');
      return row?.workflowExecutionId ?? null;
    });
    await runner.waitForExecution(fired);
    const alphaHistory = (await client.getExecutionEvents(fired)).map((e) => e.type);
    const betaHistory = (await client.getExecutionEvents(beta.executionId)).map((e) => e.type);

    // The feed orders transactions by their first write, the history events by id: when two
    // transactions of one execution overlapped (a claim made by a completion that began before
    // the scheduling committed), PostgreSQL's feed may list them in the other order.
    const sortedTypes = (types: readonly string[]): string[] => [...types].sort();
    const alpha = await feedOf(client, alphaHistory.length + 1, { workflow: 'alpha' });
    expect(sortedTypes(alpha.map((e) => e.type))).toEqual(
      sortedTypes(['trigger_fired', ...alphaHistory]),
    );
    expect(alpha.every((e) => e.workflow === 'alpha' && e.executionId === fired)).toBe(true);
    const byExecution = await feedOf(client, alphaHistory.length + 1, { executionId: fired });
    expect(byExecution).toEqual(alpha);
    const betaFeed = await feedOf(client, betaHistory.length, { workflow: 'beta' });
    expect(sortedTypes(betaFeed.map((e) => e.type))).toEqual(sortedTypes(betaHistory));
    // Both filters at once, and filters that match nothing.
    expect(await readAll(client, 5, { workflow: 'alpha', executionId: beta.executionId })).toEqual(
      [],
    );
    expect(await readAll(client, 5, { workflow: 'gamma' })).toEqual([]);
    expect(await readAll(client, 5, { executionId: 'nope' })).toEqual([]);
    // The unfiltered feed holds both, each filtered view in its order.
    const all = await feedOf(client, alpha.length + betaFeed.length);
    expect(all.filter((e) => e.workflow === 'alpha')).toEqual(alpha);
    expect(all.filter((e) => e.workflow === 'beta')).toEqual(betaFeed);
    await stopRunner(runner);
  });

  it('records trigger fires, suppressed duplicates and failed polls with their fields', async () => {
    const url = freshDatabaseUrl();
    const runner = await createRunner({ triggerBasePollInterval: '20ms' }, url);
    const gate = new Gate();
    runner.register(gated('held', gate));
    await runner.registerTrigger(
      trigger('dup', () => TriggerResult.fire({ file: 'a.csv' })),
      'held',
    );
    await runner.registerTrigger(
      trigger('broken', () => {
        throw new Error('sensor offline');
      }),
      'held',
    );
    await using client = await Client.connect(url);
    try {
      // Suppressions 1, 2, 4, 8… by the open execution append events; the others do not.
      const events = await waitFor(
        async () => {
          const feed = await readAll(client, MAX_PAGE_SIZE, { workflow: 'held' });
          const suppressed = feed.filter((e) => e.type === 'trigger_suppressed').length;
          const failed = feed.filter((e) => e.type === 'trigger_poll_failed').length;
          return suppressed >= 3 && failed >= 1 ? feed : null;
        },
        10_000,
        'three suppression events and a failed poll',
      );
      const [run] = (await client.getTriggerExecutionHistory('dup')).filter(
        (h) => h.workflowExecutionId !== null,
      );
      const executionId = run!.workflowExecutionId!;
      const contextHash = run!.contextHash!;

      const firedEvents = events.filter((e) => e.type === 'trigger_fired');
      expect(firedEvents).toHaveLength(1);
      expect(firedEvents[0]).toMatchObject({
        executionId,
        workflow: 'held',
        taskId: null,
        runnerId: runner.runnerId,
        data: { trigger: 'dup', contextHash },
      });
      const suppressed = events.filter((e) => e.type === 'trigger_suppressed');
      const counts = suppressed.map((e) => e.data?.count);
      expect(counts).toEqual(counts.map((_, i) => 2 ** i));
      const [row] = (await client.getTriggerExecutionHistory('dup')).filter(
        (h) => h.status === 'deduplicated',
      );
      expect(row!.count).toBeGreaterThanOrEqual(2 ** (counts.length - 1));
      expect(suppressed[0]).toMatchObject({
        executionId,
        workflow: 'held',
        runnerId: runner.runnerId,
        data: { trigger: 'dup', contextHash, count: 1 },
      });
      const failed = events.filter((e) => e.type === 'trigger_poll_failed');
      expect(failed.length).toBeGreaterThanOrEqual(1);
      // The feed orders by each transaction's first write: two failure records written at
      // once may come in either order, so the first failure is found by its streak.
      const first = failed.find((e) => e.data?.consecutiveErrors === 1);
      expect(first).toMatchObject({
        executionId: null,
        workflow: 'held',
        taskId: null,
        runnerId: runner.runnerId,
        data: { trigger: 'broken', consecutiveErrors: 1 },
      });
      expect(first!.data?.error).toEqual(expect.stringContaining('sensor offline'));
      // The fire precedes the execution's own events; its history stays its own.
      const own = events.filter((e) => e.executionId === executionId).map((e) => e.type);
      expect(own.slice(0, 2)).toEqual(['trigger_fired', 'task_ready']);
      const history = (await client.getExecutionEvents(executionId)).map((e) => e.type);
      expect(history).not.toContain('trigger_fired');
      expect(history).not.toContain('trigger_suppressed');
    } finally {
      gate.open();
    }
    await stopRunner(runner);
  });

  it('records cron fires and missed ticks with their fields, and filters them by workflow', async () => {
    const T0 = Date.parse('2025-01-01T00:00:30Z');
    const clock = new ManualClock(T0);
    const url = freshDatabaseUrl();
    const runner = await createRunner({ clock, cronPollInterval: '20ms' }, url);
    runner.register(pair('tick'));
    runner.register(pair('other'));
    await using client = await Client.connect(url);
    const other = await runner.execute('other');
    const scheduleId = await runner.registerCronWorkflow('tick', '* * * * *', 'UTC');
    clock.advance(10 * 60_000); // 00:01 … 00:10 passed: 00:10 fires, 9 are missed.
    const executionId = await waitFor(async () => {
      const fired = (await client.getCronExecutionHistory(scheduleId)).find(
        (h) => h.status === 'completed',
      );
      return fired?.workflowExecutionId ?? null;
    });
    const history = (await client.getExecutionEvents(executionId)).map((e) => e.type);

    const tick = await feedOf(client, history.length + 2, { workflow: 'tick' });
    expect(tick.map((e) => e.type)).toEqual(['cron_missed', 'cron_fired', ...history]);
    expect(tick[0]).toEqual({
      cursor: tick[0]!.cursor,
      type: 'cron_missed',
      executionId: null,
      workflow: 'tick',
      taskId: null,
      runnerId: runner.runnerId,
      at: T0 + 10 * 60_000,
      data: {
        scheduleId,
        count: 9,
        firstScheduledTime: '2025-01-01T00:01:00.000Z',
        message: expect.stringContaining('to 2025-01-01T00:09:00.000Z') as unknown,
      },
    });
    expect(tick[1]).toMatchObject({
      type: 'cron_fired',
      executionId,
      workflow: 'tick',
      runnerId: runner.runnerId,
      at: T0 + 10 * 60_000,
      data: { scheduleId, scheduledTime: '2025-01-01T00:10:00.000Z' },
    });
    expect(tick.slice(1).every((e) => e.executionId === executionId)).toBe(true);
    // The other workflow's feed holds none of them.
    const otherFeed = await readAll(client, 50, { workflow: 'other' });
    expect(otherFeed.map((e) => e.executionId)).toEqual(otherFeed.map(() => other.executionId));
    expect(history).not.toContain('cron_fired');
    await stopRunner(runner);
  });

  it('calls onEventsAppended after a commit that appended events, until unsubscribed', async () => {
    const url = freshDatabaseUrl();
    const runner = await createRunner({}, url);
    runner.register(pair('pair'));
    await using client = await Client.connect(url);
    let calls = 0;
    let woken!: () => void;
    const wake = new Promise<void>((resolve) => (woken = resolve));
    const off = client.onEventsAppended(() => {
      calls += 1;
      woken();
    });
    await runner.execute('pair');
    await wake;
    off();
    const seen = calls;
    const second = await runner.execute('pair');
    await feedOf(client, 1, { executionId: second.executionId });
    expect(calls).toBe(seen);
    await stopRunner(runner);
  });

  it('refuses cursors it did not hand out with InvalidCursorError', async () => {
    await using client = await Client.connect(freshDatabaseUrl());
    const other = backend === 'sqlite' ? '12-3' : '123';
    const bad = ['', 'abc', '-1', '01', '1.5', ' 1', '1 ', '1\n2', '1-2-3', '1--2', other];
    bad.push('9'.repeat(21), '99999999999999999999'); // past 64 bits
    for (const after of bad) {
      const error = await client.readEvents({ after }).catch((e: unknown) => e);
      expect(error, JSON.stringify(after)).toBeInstanceOf(InvalidCursorError);
      expect((error as InvalidCursorError).code).toBe('INVALID_CURSOR');
      expect((error as InvalidCursorError).cursor).toBe(after);
    }
    await expect(client.readEvents({ after: 5 as unknown as string })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
    // The start of the feed, the head and null are all fine on an empty database.
    const start = await client.readEvents();
    expect(start).toEqual({ events: [], cursor: backend === 'sqlite' ? '0' : '0-0' });
    expect((await client.readEvents({ after: start.cursor })).cursor).toBe(start.cursor);
    expect((await client.readEvents({ after: null })).cursor).toBe(start.cursor);
    const head = await client.eventsHead();
    expect((await client.readEvents({ after: head })).events).toEqual([]);
  });

  it('checks limit and options as the list calls do', async () => {
    await using client = await Client.connect(freshDatabaseUrl());
    for (const limit of [0, -1, MAX_PAGE_SIZE + 1, 1.5, Number.NaN, '10', null]) {
      const error = await client.readEvents({ limit: limit as number }).catch((e: unknown) => e);
      expect(error, String(limit)).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toMatch(
        /readEvents: limit must be an integer from 1 to 1000/,
      );
    }
    for (const limit of [1, MAX_PAGE_SIZE]) {
      expect((await client.readEvents({ limit })).events).toEqual([]);
    }
    await expect(client.readEvents({ offset: 10 } as unknown as ReadEventsOptions)).rejects.toThrow(
      /unknown option 'offset'/,
    );
    await expect(client.readEvents({ workflow: 3 as unknown as string })).rejects.toThrow(
      /workflow must be a string/,
    );
    await expect(client.readEvents({ executionId: 'a\u0000b' })).rejects.toBeInstanceOf(
      ConfigError,
    );
  });
});
