/**
 * Keyset pages of executions and of an execution's events, on the runner and on the client:
 * every row exactly once and in order (also with many rows in one millisecond, from a manual
 * clock), the filters, cursors that survive rows scheduled at the head, the limit's bounds, and
 * task log lines left out of the events; `listExecutions` after an execution (its keyset form).
 */
import { describe, expect, it } from 'vitest';
import {
  Client,
  ConfigError,
  InvalidCursorError,
  ManualClock,
  NotFoundError,
  TaskError,
  task,
  workflow,
  type DefaultRunner,
  type ExecutionSummary,
  type ListExecutionsPageOptions,
  type Page,
  type PageOptions,
} from '../../src/index.js';
import { createRunner, freshDatabase, stopRunner } from '../helpers/backend.js';
import { waitFor } from '../helpers/wait.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

/** Every item of a list, walked page by page; fails on a repeated item or an empty page. */
async function walk<T>(
  read: (options: PageOptions) => Promise<Page<T>>,
  limit: number,
  idOf: (item: T) => string | number,
): Promise<T[]> {
  const items: T[] = [];
  const seen = new Set<string | number>();
  let cursor: string | null = null;
  for (let pages = 0; ; pages++) {
    const page: Page<T> = await read({ limit, cursor });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    if (page.nextCursor !== null) expect(page.items.length).toBe(limit);
    if (pages > 0) expect(page.items.length).toBeGreaterThan(0);
    for (const item of page.items) {
      expect(seen.has(idOf(item)), `item ${idOf(item)} listed twice`).toBe(false);
      seen.add(idOf(item));
      items.push(item);
    }
    if (page.nextCursor === null) return items;
    cursor = page.nextCursor;
  }
}

const ids = (items: readonly ExecutionSummary[]): string[] => items.map((e) => e.executionId);

/** Newest first: creation time descending, then id descending. */
function newestFirst(rows: readonly { id: string; at: number }[]): string[] {
  return [...rows]
    .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .map((r) => r.id);
}

/**
 * A runner that schedules but never claims (its executions stay Pending), on a manual clock:
 * `count` executions of `name`, `perMs` of them in each millisecond, all of one millisecond
 * scheduled together (one transaction). Returns each id with its creation time.
 */
async function schedule(
  runner: DefaultRunner,
  clock: ManualClock,
  name: string,
  count: number,
  perMs: number,
): Promise<{ id: string; at: number }[]> {
  const rows: { id: string; at: number }[] = [];
  for (let done = 0; done < count; done += perMs) {
    const n = Math.min(perMs, count - done);
    const handles = await Promise.all(Array.from({ length: n }, () => runner.executeAsync(name)));
    for (const h of handles) rows.push({ id: h.executionId, at: clock.now() });
    clock.advance(1);
  }
  return rows;
}

/** A runner whose executions stay Pending, and how to stop it. */
interface HeldRunner {
  readonly runner: DefaultRunner;
  /** The one Running execution, older than every other. */
  readonly blocker: { id: string; at: number };
  stop(): Promise<void>;
}

/**
 * A runner with one slot, held by a blocker execution until {@link HeldRunner.stop}: the
 * executions of `held` and `other` it schedules stay Pending, so no list changes under a test
 * unless the test changes it.
 */
async function heldRunner(clock: ManualClock, url: string): Promise<HeldRunner> {
  const runner = await createRunner({ clock, maxConcurrentTasks: 1 }, url);
  let release = (): void => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let started = false;
  const block = task({ id: 'a' }, async () => {
    started = true;
    await gate;
  });
  runner.register(workflow({ name: 'blocker', tasks: [block] }));
  runner.register(workflow({ name: 'held', tasks: [task({ id: 'a' }, () => undefined)] }));
  runner.register(workflow({ name: 'other', tasks: [task({ id: 'a' }, () => undefined)] }));
  const at = clock.now() - 1_000;
  clock.set(at);
  const { executionId } = await runner.executeAsync('blocker');
  clock.set(at + 1_000);
  await waitFor(() => started, 10_000, 'the blocker to start');
  return {
    runner,
    blocker: { id: executionId, at },
    stop: async () => {
      release();
      await stopRunner(runner, { graceful: false });
    },
  };
}

describe('listExecutionsPage', () => {
  it('walks every execution exactly once, newest first, with many in one millisecond', async () => {
    const db = freshDatabase();
    const clock = new ManualClock(T0);
    const held = await heldRunner(clock, db.url);
    const runner = held.runner;
    await using client = await Client.connect(db.url);
    try {
      const rows = [
        held.blocker,
        ...(await schedule(runner, clock, 'held', 31, 10)),
        ...(await schedule(runner, clock, 'other', 14, 7)),
      ];
      const expected = newestFirst(rows);
      for (const limit of [1, 7, 10, 46, 100]) {
        expect(
          ids(
            await walk(
              (o) => runner.listExecutionsPage(o),
              limit,
              (e) => e.executionId,
            ),
          ),
        ).toEqual(expected);
        expect(
          ids(
            await walk(
              (o) => client.listExecutionsPage(o),
              limit,
              (e) => e.executionId,
            ),
          ),
        ).toEqual(expected);
      }
      // The array read lists the same order.
      expect((await client.listExecutions({ limit: 1000 })).map((e) => e.executionId)).toEqual(
        expected,
      );
      const first = (await client.listExecutionsPage({ limit: 1 })).items[0]!;
      const newest = rows.find((r) => r.id === first.executionId)!;
      expect(first).toEqual({
        executionId: newest.id,
        workflowName: 'other',
        workflowVersion: expect.any(String) as string,
        status: 'Pending',
        createdAt: new Date(newest.at),
        startedAt: null,
        completedAt: null,
        error: null,
        pauseReason: null,
        openTasks: 1,
        failedTasks: 0,
        rerunOf: null,
        rerunBy: null,
        idempotencyKey: null,
        runAt: null,
        concurrency: null,
        rateLimit: null,
        priority: 0,
      });
    } finally {
      await held.stop();
    }
  });

  it('filters by workflow and by one or several statuses; a status with no match lists nothing', async () => {
    const db = freshDatabase();
    const clock = new ManualClock(T0);
    const held = await heldRunner(clock, db.url);
    const idle = held.runner;
    const worker = await createRunner({ clock }, db.url);
    await using client = await Client.connect(db.url);
    try {
      worker.register(workflow({ name: 'ok', tasks: [task({ id: 'a' }, () => undefined)] }));
      const refuse = (): never => {
        throw new TaskError('refused', { retryable: false });
      };
      worker.register(workflow({ name: 'bad', tasks: [task({ id: 'a' }, refuse)] }));
      const status = new Map<string, string>();
      const workflowOf = new Map<string, string>();
      const rows: { id: string; at: number }[] = [held.blocker];
      workflowOf.set(held.blocker.id, 'blocker');
      status.set(held.blocker.id, 'Running');
      const record = (id: string, name: string, s: string): void => {
        rows.push({ id, at: clock.now() });
        workflowOf.set(id, name);
        status.set(id, s);
      };
      for (let i = 0; i < 5; i++) {
        const ok = await worker.execute('ok');
        record(ok.executionId, 'ok', 'Completed');
        if (i % 2 === 0) {
          const bad = await worker.execute('bad');
          record(bad.executionId, 'bad', 'Failed');
        }
        const held = await idle.executeAsync('held');
        record(held.executionId, 'held', 'Pending');
        if (i % 2 === 1) clock.advance(1);
      }
      const paused = rows.find((r) => workflowOf.get(r.id) === 'held')!;
      await client.pauseExecution(paused.id, 'by hand');
      status.set(paused.id, 'Paused');
      const all = newestFirst(rows);
      const cases: [ListExecutionsPageOptions, (id: string) => boolean][] = [
        [{ workflow: 'ok' }, (id) => workflowOf.get(id) === 'ok'],
        [{ status: 'Failed' }, (id) => status.get(id) === 'Failed'],
        [{ status: ['Paused', 'Cancelled'] }, (id) => status.get(id) === 'Paused'],
        [{ status: 'Running' }, (id) => id === held.blocker.id],
        [{ status: ['Failed', 'Failed'] }, (id) => status.get(id) === 'Failed'],
        [
          { workflow: 'held', status: ['Pending', 'Paused'] },
          (id) => workflowOf.get(id) === 'held',
        ],
        [{ workflow: 'held', status: 'Pending' }, (id) => status.get(id) === 'Pending'],
        [{ status: 'Cancelled' }, () => false],
        [{ workflow: 'ok', status: 'Failed' }, () => false],
        [{ workflow: 'nothing' }, () => false],
      ];
      for (const [filter, keep] of cases) {
        const expected = all.filter(keep);
        for (const list of [client, worker]) {
          const walked = await walk(
            (o) => list.listExecutionsPage({ ...filter, ...o }),
            2,
            (e) => e.executionId,
          );
          expect(ids(walked), JSON.stringify(filter)).toEqual(expected);
          for (const e of walked) expect(e.status).toBe(status.get(e.executionId));
        }
      }
      const none = await client.listExecutionsPage({ status: 'Cancelled' });
      expect(none).toEqual({ items: [], nextCursor: null });
      const failed = (await client.listExecutionsPage({ status: 'Failed', limit: 1 })).items[0]!;
      expect(failed.error).toBe('1 task(s) failed: a');
      expect(failed.failedTasks).toBe(1);
      expect(failed.completedAt).toEqual(failed.createdAt);
      const pausedRow = await client.listExecutionsPage({ status: 'Paused' });
      expect(pausedRow.items.map((e) => e.pauseReason)).toEqual(['by hand']);
      // The same set of statuses, spelt differently, is the same list: its cursors carry over.
      const page = await client.listExecutionsPage({ status: ['Failed', 'Completed'], limit: 1 });
      const rest = await client.listExecutionsPage({
        status: ['Completed', 'Failed', 'Completed'],
        cursor: page.nextCursor,
      });
      expect(rest.items.length).toBe(
        all.filter((id) => /Failed|Completed/.test(status.get(id)!)).length - 1,
      );
    } finally {
      await stopRunner(worker);
      await held.stop();
    }
  });

  it('refuses bad filters, a limit out of range and offset with a ConfigError', async () => {
    const db = freshDatabase();
    const runner = await createRunner({}, db.url);
    await using client = await Client.connect(db.url);
    try {
      const bad: [unknown, string][] = [
        [{ limit: 0 }, 'limit must be an integer from 1 to 1000'],
        [{ limit: 1001 }, 'limit must be an integer from 1 to 1000'],
        [{ limit: 2.5 }, 'limit must be an integer from 1 to 1000'],
        [{ limit: '5' }, "received '5'"],
        [{ status: 'Done' }, "status must be one of 'Scheduled', 'Queued', 'Pending'"],
        [{ status: [] }, 'or a non-empty array of them'],
        [{ status: ['Failed', 'Done'] }, 'received ["Failed","Done"]'],
        [{ workflow: 5 }, 'workflow must be a string'],
        [{ offset: 10 }, "unknown option 'offset'"],
        [{ workflowName: 'x' }, "unknown option 'workflowName'"],
      ];
      for (const [options, message] of bad) {
        for (const list of [client, runner]) {
          const error = await list.listExecutionsPage(options as never).catch((e: unknown) => e);
          expect(error, JSON.stringify(options)).toBeInstanceOf(ConfigError);
          expect((error as Error).message).toContain(message);
        }
      }
    } finally {
      await stopRunner(runner);
    }
  });

  it('keeps to the default limit and to the bounds', async () => {
    const db = freshDatabase();
    const clock = new ManualClock(T0);
    const held = await heldRunner(clock, db.url);
    const runner = held.runner;
    await using client = await Client.connect(db.url);
    try {
      const expected = newestFirst([
        held.blocker,
        ...(await schedule(runner, clock, 'held', 100, 50)),
      ]);
      const first = await client.listExecutionsPage();
      expect(ids(first.items)).toEqual(expected.slice(0, 100));
      const second = await client.listExecutionsPage({ cursor: first.nextCursor });
      expect(second).toEqual({
        items: [expect.objectContaining({ executionId: expected[100] })],
        nextCursor: null,
      });
      expect(ids((await client.listExecutionsPage({ limit: 1000 })).items)).toEqual(expected);
      expect((await client.listExecutionsPage({ limit: 1000 })).nextCursor).toBeNull();
      // Exactly a page full: no empty page after it.
      expect((await client.listExecutionsPage({ limit: 101 })).nextCursor).toBeNull();
      expect((await client.listExecutionsPage({ limit: 1, cursor: null })).items.length).toBe(1);
    } finally {
      await held.stop();
    }
  });

  it('continues a walk without repeats or gaps while executions are scheduled at the head', async () => {
    const db = freshDatabase();
    const clock = new ManualClock(T0);
    const held = await heldRunner(clock, db.url);
    const runner = held.runner;
    await using client = await Client.connect(db.url);
    try {
      // Five per millisecond, and the clock stays on the newest one: later executions share it.
      const before = [held.blocker, ...(await schedule(runner, clock, 'held', 20, 5))];
      clock.advance(-1);
      const walked: string[] = [];
      let cursor: string | null = null;
      let added: { id: string; at: number }[] = [];
      for (let page = 0; ; page++) {
        const result: Page<ExecutionSummary> = await client.listExecutionsPage({
          limit: 3,
          cursor,
        });
        walked.push(...ids(result.items));
        // New rows in the cursor's millisecond and after it, and a status change behind it.
        added = [
          ...added,
          ...(await schedule(runner, clock, page % 2 === 0 ? 'held' : 'other', 2, 1)),
        ];
        clock.advance(-1);
        if (page === 1) await client.pauseExecution(walked[0]!, 'seen');
        if (result.nextCursor === null) break;
        cursor = result.nextCursor;
      }
      expect(walked).toEqual(newestFirst(before));
      // A new walk sees everything.
      const again = await walk(
        (o) => client.listExecutionsPage(o),
        7,
        (e) => e.executionId,
      );
      expect(ids(again)).toEqual(newestFirst([...before, ...added]));
    } finally {
      await held.stop();
    }
  });
});

/** Inserts a `task_log` event row for `executionId` straight into the database. */
describe('listExecutions after an execution', () => {
  it('walks without repeats or gaps while executions are scheduled at the head and change status', async () => {
    const db = freshDatabase();
    const clock = new ManualClock(T0);
    const held = await heldRunner(clock, db.url);
    const runner = held.runner;
    await using client = await Client.connect(db.url);
    try {
      // Four per millisecond: pages end inside a millisecond.
      await schedule(runner, clock, 'held', 22, 4);
      for (const filter of [
        {},
        { workflowName: 'held' },
        { workflowName: 'held', status: 'Pending' as const },
      ] as const) {
        // What the walk must list: the executions there when it starts (each walk adds more).
        const expected = (await client.listExecutions({ ...filter, limit: 1000 })).map(
          (r) => r.executionId,
        );
        expect(expected.length).toBeGreaterThan(6);
        const walked: string[] = [];
        let after: string | undefined;
        for (let page = 0; page < 100; page++) {
          const rows = await client.listExecutions({ ...filter, limit: 3, after });
          expect(rows.length).toBeLessThanOrEqual(3);
          walked.push(...rows.map((r) => r.executionId));
          // Newer executions at the head, and one behind the walk leaving the status listed:
          // neither shifts the rest of the walk.
          await schedule(runner, clock, 'held', 2, 1);
          if (page === 1 && 'status' in filter) await client.pauseExecution(walked[0]!, 'seen');
          if (rows.length < 3) break;
          after = rows.at(-1)!.executionId;
        }
        expect(walked, JSON.stringify(filter)).toEqual(expected);
        expect(new Set(walked).size).toBe(walked.length);
      }
      // The runner's list is the same read.
      const first = await runner.listExecutions({ limit: 2 });
      const next = await runner.listExecutions({ limit: 2, after: first[1]!.executionId });
      const both = await runner.listExecutions({ limit: 4 });
      expect([...first, ...next].map((r) => r.executionId)).toEqual(both.map((r) => r.executionId));
    } finally {
      await held.stop();
    }
  });

  it('refuses after with an offset, and an unknown execution to list after', async () => {
    const db = freshDatabase();
    const runner = await createRunner({}, db.url);
    await using client = await Client.connect(db.url);
    try {
      for (const list of [client, runner]) {
        const both = await list
          .listExecutions({ after: '0193a6f2-0000-4000-8000-000000000000', offset: 5 })
          .catch((e: unknown) => e);
        expect(both).toBeInstanceOf(ConfigError);
        expect((both as Error).message).toContain('either after or offset');
        const notString = await list.listExecutions({ after: 5 } as never).catch((e: unknown) => e);
        expect(notString).toBeInstanceOf(ConfigError);
        const unknown = await list
          .listExecutions({ after: '0193a6f2-0000-4000-8000-000000000000' })
          .catch((e: unknown) => e);
        expect(unknown).toBeInstanceOf(NotFoundError);
        expect((unknown as Error).message).toContain('listExecutionsPage');
      }
    } finally {
      await stopRunner(runner);
    }
  });
});

describe('getExecutionEventsPage', () => {
  it('walks the events oldest first without task log lines; an unknown execution is NotFoundError', async () => {
    const db = freshDatabase();
    const runner = await createRunner({}, db.url);
    await using client = await Client.connect(db.url);
    try {
      runner.register(
        workflow({
          name: 'logs',
          tasks: [
            task({ id: 'a' }, async (_ctx, handle) => {
              // Log lines between the start of a and what follows its end.
              for (let i = 0; i < 3; i++) handle.log.info(`line ${i}`);
            }),
            task({ id: 'b', dependencies: ['a'] }, () => undefined),
          ],
        }),
      );
      const handle = await runner.executeAsync('logs');
      expect((await handle.wait()).status).toBe('Completed');
      expect((await client.getTaskLogs(handle.executionId, 'a')).lines).toHaveLength(3);
      const expected = await client.getExecutionEvents(handle.executionId);
      expect(expected.filter((e) => e.type === ('task_log' as string))).toEqual([]);
      expect(expected.length).toBeGreaterThan(6);
      for (const limit of [1, 2, 3, 100]) {
        for (const list of [client, runner]) {
          const walked = await walk(
            (o) => list.getExecutionEventsPage(handle.executionId, o),
            limit,
            (e) => e.id,
          );
          expect(walked).toEqual(expected);
        }
      }
      for (const list of [client, runner]) {
        const error = await list
          .getExecutionEventsPage('no-such-execution')
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(NotFoundError);
        expect((error as Error).message).toContain("'no-such-execution'");
      }
    } finally {
      await stopRunner(runner);
    }
  });
});

describe('execution cursors', () => {
  it('refuses malformed, tampered and foreign cursors with InvalidCursorError', async () => {
    const db = freshDatabase();
    const clock = new ManualClock(T0);
    const held = await heldRunner(clock, db.url);
    const runner = held.runner;
    await using client = await Client.connect(db.url);
    try {
      const rows = await schedule(runner, clock, 'held', 4, 2);
      // The blocker has several events (ready, started, task started); a Pending one has one.
      const [a, b] = [held.blocker.id, rows[1]!.id];
      const listCursor = (await client.listExecutionsPage({ limit: 1 })).nextCursor!;
      const heldCursor = (await client.listExecutionsPage({ workflow: 'held', limit: 1 }))
        .nextCursor!;
      const eventCursor = (await client.getExecutionEventsPage(a, { limit: 1 })).nextCursor!;
      for (const cursor of [listCursor, heldCursor, eventCursor])
        expect(cursor).toEqual(expect.any(String));
      const [key, check] = listCursor.split('.') as [string, string];
      const flip = (s: string, i: number): string =>
        s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
      const forgedKey = Buffer.from(JSON.stringify([T0, 'x'])).toString('base64url');
      const refused: [string, () => Promise<unknown>][] = [
        ['garbage', () => client.listExecutionsPage({ cursor: 'abc' })],
        ['empty', () => client.listExecutionsPage({ cursor: '' })],
        ['a number', () => client.listExecutionsPage({ cursor: 42 as never })],
        ['key edited', () => client.listExecutionsPage({ cursor: `${flip(key, 3)}.${check}` })],
        ['check edited', () => client.listExecutionsPage({ cursor: `${key}.${flip(check, 0)}` })],
        ['key replaced', () => client.listExecutionsPage({ cursor: `${forgedKey}.${check}` })],
        ['cut short', () => client.listExecutionsPage({ cursor: listCursor.slice(0, -1) })],
        ['extra part', () => client.listExecutionsPage({ cursor: `${listCursor}.x` })],
        ['other filter', () => client.listExecutionsPage({ cursor: heldCursor })],
        [
          'filter dropped',
          () => client.listExecutionsPage({ workflow: 'held', cursor: listCursor }),
        ],
        ['events to executions', () => client.listExecutionsPage({ cursor: eventCursor })],
        ['executions to events', () => client.getExecutionEventsPage(a, { cursor: listCursor })],
        ['another execution', () => client.getExecutionEventsPage(b, { cursor: eventCursor })],
        ['runner, garbage', () => runner.listExecutionsPage({ cursor: '%%%' })],
        ['runner, foreign', () => runner.getExecutionEventsPage(b, { cursor: eventCursor })],
      ];
      for (const [what, call] of refused) {
        const error = await call().catch((e: unknown) => e);
        expect(error, what).toBeInstanceOf(InvalidCursorError);
        expect((error as InvalidCursorError).code, what).toBe('INVALID_CURSOR');
      }
      // The message names the cursor received and says what to do.
      const error = (await client
        .listExecutionsPage({ cursor: 'abc' })
        .catch((e: unknown) => e)) as Error;
      expect(error.message).toContain('"abc"');
      expect(error.message).toContain('pass back a cursor exactly as a previous read returned it');
      // The real ones still work, on the runner as on the client.
      expect((await runner.listExecutionsPage({ limit: 1, cursor: listCursor })).items.length).toBe(
        1,
      );
      expect(
        (await runner.getExecutionEventsPage(a, { cursor: eventCursor })).items.length,
      ).toBeGreaterThan(0);
    } finally {
      await held.stop();
    }
  });
});
