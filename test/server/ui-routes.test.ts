/**
 * The routes a web UI reads besides the lists: who the caller is, execution statistics, the
 * execution list cut to a time range, and an execution's tasks with their contexts.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock, task, workflow } from '../../src/index.js';
import { createRunner, stopRunner } from '../helpers/backend.js';
import { waitFor } from '../helpers/wait.js';
import { definitionsStored, startServer } from '../helpers/server.js';

const T0 = Date.parse('2026-03-01T12:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

describe('GET /v1/whoami', () => {
  it("answers each key's id, name and scope, and 401 without a key", async () => {
    const srv = await startServer();
    const keys = await srv.client.listApiKeys();
    for (const scope of ['read', 'operate', 'admin'] as const) {
      const response = await srv.call('/v1/whoami', { key: srv.keys[scope] });
      expect(response.status).toBe(200);
      const info = keys.find((k) => k.scope === scope)!;
      expect(response.body).toEqual({ auth: 'keys', keyId: info.id, name: info.name, scope });
    }
    const anonymous = await srv.call('/v1/whoami', { key: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe('UNAUTHORIZED');
    expect((await srv.call('/v1/whoami', { key: 'not-a-key' })).status).toBe(401);
  });

  it('answers admin with no key when the server runs without keys', async () => {
    const srv = await startServer(undefined, { auth: 'none' });
    const response = await srv.call('/v1/whoami', { key: null });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ auth: 'none', keyId: null, name: null, scope: 'admin' });
  });
});

describe('GET /v1/executions?since=&until=', () => {
  it('lists the executions created in [since, until), newest first, page by page', async () => {
    const srv = await startServer();
    // Creation times come from the runner's clock: one execution a second from T0.
    const clock = new ManualClock(T0);
    const runner = await createRunner({ clock }, srv.dbUrl);
    runner.register(workflow({ name: 'tick', tasks: [task({ id: 'a' }, () => undefined)] }));
    const ids: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      ids.push((await runner.executeAsync('tick')).executionId);
      clock.advance(1_000);
    }
    const range = `since=${iso(T0 + 1_000)}&until=${encodeURIComponent(iso(T0 + 4_000))}`;
    const first = await srv.call(`/v1/executions?${range}&limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.items.map((e: { executionId: string }) => e.executionId)).toEqual([
      ids[3],
      ids[2],
    ]);
    expect(first.body.items[0].createdAt).toBe(iso(T0 + 3_000));
    const second = await srv.call(
      `/v1/executions?${range}&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
    );
    expect(second.body.items.map((e: { executionId: string }) => e.executionId)).toEqual([ids[1]]);
    expect(second.body.nextCursor).toBeNull();

    // One bound only, with an offset other than Z, and together with the other filters.
    const since = await srv.call(
      `/v1/executions?since=${encodeURIComponent('2026-03-01T13:00:04+01:00')}`,
    );
    expect(since.body.items.map((e: { executionId: string }) => e.executionId)).toEqual([
      ids[5],
      ids[4],
    ]);
    const until = await srv.call(
      `/v1/executions?workflow=tick&status=Pending,Running,Completed&until=${iso(T0 + 1_000)}`,
    );
    expect(until.body.items.map((e: { executionId: string }) => e.executionId)).toEqual([ids[0]]);
    const empty = await srv.call(`/v1/executions?since=${iso(T0 + 4_000)}&until=${iso(T0)}`);
    expect(empty.body).toEqual({ items: [], nextCursor: null });

    // The client's options are the same range.
    const page = await srv.client.listExecutionsPage({
      createdAfter: new Date(T0 + 1_000),
      createdBefore: new Date(T0 + 4_000),
    });
    expect(page.items.map((e) => e.executionId)).toEqual([ids[3], ids[2], ids[1]]);
    await expect(
      srv.client.listExecutionsPage({ createdAfter: new Date('garbage') }),
    ).rejects.toMatchObject({ code: 'CONFIG' });

    // A cursor belongs to its range.
    const other = await srv.call(
      `/v1/executions?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
    );
    expect(other.status).toBe(400);
    expect(other.body.code).toBe('INVALID_CURSOR');
    for (const query of [
      'since=garbage',
      'until=2026-02-30T00:00:00Z',
      'since=2026-03-01',
      'until=1767225600000',
    ]) {
      const response = await srv.call(`/v1/executions?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body.code).toBe('INVALID_REQUEST');
    }
    await stopRunner(runner);
  });
});

describe('GET /v1/executions/{id}/tasks', () => {
  // a → b, a → c; b fails at once (one attempt), c completes from a's output.
  const a = task({ id: 'a' }, async (ctx) => {
    ctx.insert('fromA', { list: [1, 2] });
  });
  const b = task({ id: 'b', dependencies: ['a'], retry: { attempts: 1 } }, async () => {
    throw new Error('b broke');
  });
  const c = task({ id: 'c', dependencies: ['a'] }, async (ctx) => {
    ctx.insert('fromC', (ctx.get('fromA') as { list: number[] }).list.length);
  });
  const dag = workflow({ name: 'dag', tasks: [a, b, c] });

  it('gives each task its dependencies, state and contexts; b failed, c started from a', async () => {
    const srv = await startServer();
    const runner = await createRunner({}, srv.dbUrl);
    runner.register(dag);
    await definitionsStored(srv.client, 'dag');
    const initial = { seed: 7, nested: { x: 'y' } };
    const started = await srv.call('/v1/executions', {
      body: { workflow: 'dag', context: initial },
    });
    const id = started.body.executionId as string;
    expect((await srv.client.waitForExecution(id)).status).toBe('Failed');

    const list = await srv.call(`/v1/executions/${id}/tasks`);
    expect(list.status).toBe(200);
    const items = list.body.items as any[];
    expect(items.map((t) => [t.taskId, t.dependencies, t.status])).toEqual([
      ['a', [], 'Completed'],
      ['b', ['a'], 'Failed'],
      ['c', ['a'], 'Completed'],
    ]);
    const [ta, tb, tc] = items;
    expect(tb).toMatchObject({ attempt: 1, skipReason: null, claimedBy: null });
    expect(tb.errorMessage).toContain('b broke');
    expect(ta.errorMessage).toBeNull();
    for (const t of items) {
      expect(Object.keys(t).sort()).toEqual(
        [
          'attempt',
          'claimedBy',
          'completedAt',
          'dependencies',
          'errorMessage',
          'readyAt',
          'skipReason',
          'startedAt',
          'status',
          'taskId',
        ].sort(),
      );
      for (const key of ['readyAt', 'startedAt', 'completedAt']) {
        expect(new Date(t[key]).toISOString(), `${t.taskId}.${key}`).toBe(t[key]);
      }
    }
    expect(Date.parse(tc.startedAt)).toBeGreaterThanOrEqual(Date.parse(ta.completedAt));

    const detailOf = async (taskId: string) => {
      const response = await srv.call(`/v1/executions/${id}/tasks/${taskId}`);
      expect(response.status).toBe(200);
      return response.body;
    };
    const [da, db, dc] = [await detailOf('a'), await detailOf('b'), await detailOf('c')];
    expect(da).toMatchObject({ ...ta, inputContext: initial });
    expect(da.outputContext).toEqual({ ...initial, fromA: { list: [1, 2] } });
    expect(dc.inputContext).toEqual(da.outputContext);
    expect(dc.outputContext).toEqual({ ...da.outputContext, fromC: 2 });
    expect(db).toMatchObject({
      status: 'Failed',
      inputContext: da.outputContext,
      outputContext: null,
    });
    expect(db.errorMessage).toContain('b broke');

    // The client's values are the same, with Dates.
    const tasks = await srv.client.getExecutionTasks(id);
    expect(tasks[1]!.startedAt).toBeInstanceOf(Date);
    expect(tasks[1]!.startedAt!.toISOString()).toBe(tb.startedAt);
    expect((await srv.client.getExecutionTask(id, 'c')).inputContext).toEqual(da.outputContext);

    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const path of [
      `/v1/executions/${unknown}/tasks`,
      `/v1/executions/${unknown}/tasks/a`,
      `/v1/executions/${id}/tasks/nope`,
    ]) {
      const response = await srv.call(path);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.body.code).toBe('NOT_FOUND');
    }
    expect((await srv.call(`/v1/executions/${id}/tasks/nope`)).body.detail).toContain(
      'its tasks are a, b, c',
    );
    expect((await srv.call('/v1/executions/not-a-uuid/tasks')).status).toBe(400);
    expect((await srv.call(`/v1/executions/${id}/tasks/a%00b`)).status).toBe(400);
    await stopRunner(runner);
  });

  it('has no input for a task that never started', async () => {
    const srv = await startServer();
    const runner = await createRunner({}, srv.dbUrl);
    runner.register(dag);
    await definitionsStored(srv.client, 'dag');
    // No runner left to run it: the root waits Ready, the others NotStarted.
    await stopRunner(runner);
    const started = await srv.call('/v1/executions', {
      body: { workflow: 'dag', context: { k: 1 } },
    });
    const id = started.body.executionId as string;
    const list = await srv.call(`/v1/executions/${id}/tasks`);
    expect(list.body.items.map((t: any) => [t.taskId, t.status])).toEqual([
      ['a', 'Ready'],
      ['b', 'NotStarted'],
      ['c', 'NotStarted'],
    ]);
    expect(list.body.items[0].readyAt).not.toBeNull();
    expect(list.body.items[0].startedAt).toBeNull();
    for (const taskId of ['a', 'b']) {
      const detail = await srv.call(`/v1/executions/${id}/tasks/${taskId}`);
      expect(detail.body).toMatchObject({ inputContext: null, outputContext: null, attempt: 1 });
    }
  });
});

describe('GET /v1/stats', () => {
  const MINUTE = 60_000;

  it('counts active executions by status and ended ones by outcome and bucket', async () => {
    const srv = await startServer();
    // Executions end at times of the runner's clock, set back from now. Buckets start on whole
    // multiples of their length, so where an execution falls does not depend on the moment the
    // stats are read; every time used lies well inside the window even if a minute turns
    // meanwhile.
    const base = Math.floor(Date.now() / MINUTE) * MINUTE;
    const clock = new ManualClock(base - 120 * MINUTE);
    // One slot: once the held task has it, executions scheduled after it stay Pending.
    const runner = await createRunner({ clock, maxConcurrentTasks: 1 }, srv.dbUrl);
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let holding = false;
    runner.register(workflow({ name: 'ok', tasks: [task({ id: 'a' }, () => undefined)] }));
    runner.register(
      workflow({
        name: 'bad',
        tasks: [
          task({ id: 'a', retry: { attempts: 1 } }, () => {
            throw new Error('no');
          }),
        ],
      }),
    );
    runner.register(
      workflow({
        name: 'held',
        tasks: [
          task({ id: 'a' }, async () => {
            holding = true;
            await gate;
          }),
        ],
      }),
    );
    const endAt = async (at: number, name: string): Promise<string> => {
      clock.set(at);
      const { executionId } = await runner.executeAsync(name);
      await srv.client.waitForExecution(executionId);
      return executionId;
    };
    await endAt(base - 120 * MINUTE, 'ok'); // outside a 60m window
    await endAt(base - 40 * MINUTE + 5_000, 'ok');
    await endAt(base - 40 * MINUTE + 6_000, 'ok');
    await endAt(base - 40 * MINUTE + 50_000, 'bad');
    await endAt(base - 10 * MINUTE + 30_000, 'ok');
    await runner.executeAsync('held');
    await waitFor(() => holding, 10_000, 'the held task to start');
    const cancelled = await runner.executeAsync('ok');
    await runner.cancelExecution(cancelled.executionId);
    await runner.executeAsync('ok');
    const paused = await runner.executeAsync('ok');
    await runner.pauseExecution(paused.executionId);

    const response = await srv.call('/v1/stats?window=60m&bucket=1m', { key: srv.keys.read });
    expect(response.status).toBe(200);
    const stats = response.body;
    expect(Object.keys(stats).sort()).toEqual(['active', 'now', 'throughput', 'window']);
    expect(stats.active).toEqual({ Scheduled: 0, Queued: 0, Pending: 1, Running: 1, Paused: 1 });
    const now = Date.parse(stats.now);
    expect(Math.abs(now - Date.now())).toBeLessThan(30_000);
    const newest = Math.floor(now / MINUTE) * MINUTE;
    expect(stats.window).toEqual({
      from: iso(newest - 59 * MINUTE),
      to: stats.now,
      completed: 3,
      failed: 1,
      cancelled: 1,
    });
    // Every bucket, oldest first, on the minute; only two have executions.
    expect(stats.throughput).toHaveLength(60);
    expect(stats.throughput.map((b: { at: string }) => b.at)).toEqual(
      Array.from({ length: 60 }, (_, i) => iso(newest - (59 - i) * MINUTE)),
    );
    const filled = stats.throughput.filter((b: any) => b.completed + b.failed + b.cancelled > 0);
    expect(filled).toEqual([
      { at: iso(base - 40 * MINUTE), completed: 2, failed: 1, cancelled: 0 },
      { at: iso(base - 10 * MINUTE), completed: 1, failed: 0, cancelled: 1 },
    ]);

    // The defaults are a 1h window in 1m buckets.
    const defaults = (await srv.call('/v1/stats')).body;
    expect(defaults.throughput).toHaveLength(60);
    expect(defaults.window).toMatchObject({ completed: 3, failed: 1, cancelled: 1 });
    // 10 s buckets split the minute; a 3 h window reaches the oldest execution.
    const fine = (await srv.call('/v1/stats?window=2h&bucket=10s')).body;
    expect(fine.throughput).toHaveLength(720);
    expect(fine.throughput.filter((b: any) => b.completed + b.failed + b.cancelled > 0)).toEqual([
      { at: iso(base - 40 * MINUTE), completed: 2, failed: 0, cancelled: 0 },
      { at: iso(base - 40 * MINUTE + 50_000), completed: 0, failed: 1, cancelled: 0 },
      { at: iso(base - 10 * MINUTE + 30_000), completed: 1, failed: 0, cancelled: 1 },
    ]);
    const wide = (await srv.call('/v1/stats?window=3h&bucket=1m')).body;
    expect(wide.window).toMatchObject({ completed: 4, failed: 1, cancelled: 1 });
    expect(wide.throughput).toHaveLength(180);

    // The client's values are the same, with Dates.
    const direct = await srv.client.getExecutionStats({ window: '1h', bucket: '1m' });
    expect(direct.now).toBeInstanceOf(Date);
    expect(direct.window.from).toBeInstanceOf(Date);
    expect(direct.throughput).toHaveLength(60);
    expect(direct.throughput[0]!.at).toEqual(direct.window.from);
    expect(direct.active).toEqual(stats.active);
    expect(direct.window).toMatchObject({ completed: 3, failed: 1, cancelled: 1 });

    for (const [query, code] of [
      ['window=8d', 'CONFIG'],
      ['window=0s', 'CONFIG'],
      ['window=garbage', 'CONFIG'],
      ['bucket=5s', 'CONFIG'],
      ['window=7d&bucket=1m', 'CONFIG'],
      ['window=1m&bucket=1h', 'CONFIG'],
      ['window=', 'INVALID_REQUEST'],
      ['colour=red', 'INVALID_REQUEST'],
    ] as const) {
      const bad = await srv.call(`/v1/stats?${query}`);
      expect(bad.status, query).toBe(400);
      expect(bad.headers.get('content-type')).toContain('application/problem+json');
      expect(bad.body.code, query).toBe(code);
    }
    expect((await srv.call('/v1/stats?window=7d&bucket=7m')).status).toBe(200);
    await expect(srv.client.getExecutionStats({ window: '30s' })).rejects.toThrow(
      "bucket must be at most the window; received bucket '1m' for a window of '30s'",
    );
    await expect(srv.client.getExecutionStats({ window: '2d' })).rejects.toThrow(
      "a window holds at most 1440 buckets; '2d' in buckets of '1m' makes 2880: use a longer bucket",
    );
    await expect(
      srv.client.getExecutionStats({ since: '1h' } as unknown as { window: string }),
    ).rejects.toThrow("unknown option 'since'");
    expect((await srv.call('/v1/stats', { key: null })).status).toBe(401);
    release();
    await stopRunner(runner);
  });
});
