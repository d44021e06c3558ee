/**
 * Every route of the HTTP API through a real server on a real port: the happy path and each
 * error status, and that a rejected request writes nothing.
 */
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  defineTrigger,
  task,
  TriggerResult,
  workflow,
  type DefaultRunner,
} from '../../src/index.js';
import { createRunner, stopRunner } from '../helpers/backend.js';
import { gatedWorkload } from '../helpers/gated.js';
import { definitionsStored, startServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const hello = task({ id: 'hello' }, async (ctx, handle) => {
  handle.log.info('saying hello');
  const name = ctx.get('name');
  ctx.insert('greeting', `hello ${typeof name === 'string' ? name : 'world'}`);
});
const shout = task({ id: 'shout', dependencies: ['hello'] }, async (ctx) => {
  ctx.insert('loud', (ctx.get('greeting') as string).toUpperCase());
});
const greet = workflow({ name: 'greet', description: 'greets', tasks: [hello, shout] });
const typed = workflow({
  name: 'typed',
  input: z.object({ name: z.string(), count: z.number().int().default(1) }),
  tasks: [task({ id: 'only' }, async () => undefined)],
});

async function setup(): Promise<{ srv: TestServer; runner: DefaultRunner }> {
  const srv = await startServer();
  const runner = await createRunner({}, srv.dbUrl);
  runner.register(greet);
  runner.register(typed);
  await definitionsStored(srv.client, 'greet', 'typed');
  return { srv, runner };
}

/** Executions in the database, counted through the public client. */
async function executionCount(srv: TestServer): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const page: { items: readonly unknown[]; nextCursor: string | null } =
      await srv.client.listExecutionsPage({ limit: 1000, cursor });
    count += page.items.length;
    cursor = page.nextCursor;
  } while (cursor !== null);
  return count;
}

/**
 * Posts with `node:http`, which reads a response the server sends before the body is through
 * (as it does for a body over the limit), where `fetch` reports the closed connection instead.
 */
function postRaw(
  srv: TestServer,
  path: string,
  body: string,
): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${srv.url}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${srv.keys.admin}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
    });
    request.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }),
      );
    });
    // The server may close while the body is still being sent; the response is what counts.
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    request.end(body);
  });
}

function expectProblem(
  response: { status: number; headers: Headers; body: any },
  status: number,
  code?: string,
) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  expect(response.body).toMatchObject({
    status,
    title: expect.any(String),
    detail: expect.any(String),
  });
  if (code !== undefined) expect(response.body.code).toBe(code);
}

describe('HTTP API routes', () => {
  it('health, its alias and the OpenAPI document need no key', async () => {
    const { srv, runner } = await setup();
    for (const path of ['/v1/health', '/healthz']) {
      const response = await srv.call(path, { key: null });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ status: 'ok' });
    }
    const doc = await srv.call('/v1/openapi.json', { key: null });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    srv.server.beginShutdown();
    const draining = await srv.call('/v1/health', { key: null });
    expect(draining.status).toBe(503);
    expect(draining.body.status).toBe('shutting down');
    await stopRunner(runner);
  });

  it('lists workflows with keyset paging and shows one with tasks and input schema', async () => {
    const { srv, runner } = await setup();
    const first = await srv.call('/v1/workflows?limit=1');
    expect(first.status).toBe(200);
    expect(first.body.items.map((w: { name: string }) => w.name)).toEqual(['greet']);
    const second = await srv.call(
      `/v1/workflows?limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`,
    );
    expect(second.body.items.map((w: { name: string }) => w.name)).toEqual(['typed']);
    expect(second.body.nextCursor).toBeNull();

    const one = await srv.call('/v1/workflows/greet');
    expect(one.status).toBe(200);
    expect(one.body.tasks).toEqual([
      { id: 'hello', dependencies: [] },
      { id: 'shout', dependencies: ['hello'] },
    ]);
    expect(one.body.inputSchema).toBeNull();
    const withSchema = await srv.call('/v1/workflows/typed');
    expect(withSchema.body.inputSchema).toMatchObject({ type: 'object', required: ['name'] });

    expectProblem(await srv.call('/v1/workflows/nope'), 404, 'NOT_FOUND');
    expectProblem(await srv.call('/v1/workflows/..%2F..%2Fetc'), 404);
    expectProblem(await srv.call('/v1/workflows/a%00b'), 400, 'INVALID_REQUEST');
    expectProblem(await srv.call('/v1/workflows?limit=0'), 400, 'INVALID_REQUEST');
    expectProblem(await srv.call('/v1/workflows?cursor=garbage'), 400, 'INVALID_CURSOR');
    await stopRunner(runner);
  });

  it('lists the stored versions of a workflow and reads an older one by its version', async () => {
    const { srv, runner } = await setup();
    const first = (await srv.call('/v1/workflows/greet')).body.version as string;
    // A second runner starts with a changed definition of the same workflow.
    const changed = await createRunner({}, srv.dbUrl);
    changed.register(
      workflow({
        name: 'greet',
        tasks: [hello, shout, task({ id: 'wave', dependencies: ['hello'] }, async () => undefined)],
      }),
    );
    await waitFor(
      async () => (await srv.call('/v1/workflows/greet')).body.version !== first,
      10_000,
      'the changed definition stored',
    );
    const versions = await srv.call('/v1/workflows/greet/versions');
    expect(versions.status).toBe(200);
    expect(versions.body.items).toHaveLength(2);
    expect(versions.body.items[1].version).toBe(first);
    expect(versions.body.items[0].tasks.map((t: { id: string }) => t.id)).toContain('wave');

    const old = await srv.call(`/v1/workflows/greet?version=${first}`);
    expect(old.status).toBe(200);
    expect(old.body.tasks.map((t: { id: string }) => t.id)).toEqual(['hello', 'shout']);
    const missing = await srv.call('/v1/workflows/greet?version=0000000000000000');
    expectProblem(missing, 404, 'NOT_FOUND');
    expect(missing.body.detail).toContain('/versions');
    expectProblem(await srv.call('/v1/workflows/nope/versions'), 404, 'NOT_FOUND');
    await stopRunner(changed);
    await stopRunner(runner);
  });

  it('starts an execution, reads it, its events and its task log', async () => {
    const { srv, runner } = await setup();
    const started = await srv.call('/v1/executions', {
      body: { workflow: 'greet', context: { name: `O'Brien"; DROP TABLE x; --` } },
    });
    expect(started.status).toBe(201);
    const id = started.body.executionId as string;
    expect(started.headers.get('location')).toBe(`/v1/executions/${id}`);
    await srv.client.waitForExecution(id);

    const detail = await srv.call(`/v1/executions/${id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.status).toBe('Completed');
    expect(detail.body.finalContext.loud).toBe(`HELLO O'BRIEN"; DROP TABLE X; --`);
    expect(
      detail.body.taskResults.map((t: { taskId: string; status: string }) => [t.taskId, t.status]),
    ).toEqual([
      ['hello', 'Completed'],
      ['shout', 'Completed'],
    ]);

    const events = await srv.call(`/v1/executions/${id}/events?limit=2`);
    expect(events.status).toBe(200);
    expect(events.body.items.map((e: { type: string }) => e.type)).toContain('workflow_started');
    const all = [...events.body.items];
    let cursor = events.body.nextCursor as string | null;
    while (cursor !== null) {
      const page = await srv.call(
        `/v1/executions/${id}/events?limit=2&cursor=${encodeURIComponent(cursor)}`,
      );
      all.push(...page.body.items);
      cursor = page.body.nextCursor;
    }
    expect(all.at(-1).type).toBe('workflow_completed');
    expect(new Set(all.map((e: { id: number }) => e.id)).size).toBe(all.length);

    const logs = await srv.call(`/v1/executions/${id}/tasks/hello/logs`);
    expect(logs.status).toBe(200);
    expect(logs.body).toMatchObject({ taskId: 'hello', attempt: 1, attempts: 1, truncated: false });
    expect(logs.body.lines.map((l: { message: string }) => l.message)).toEqual(['saying hello']);
    expectProblem(await srv.call(`/v1/executions/${id}/tasks/nope/logs`), 404);
    expectProblem(await srv.call(`/v1/executions/${id}/tasks/hello/logs?attempt=0`), 400);

    expectProblem(await srv.call('/v1/executions/not-a-uuid'), 400, 'INVALID_REQUEST');
    expectProblem(await srv.call('/v1/executions/00000000-0000-4000-8000-000000000000'), 404);
    await stopRunner(runner);
  });

  it('shows a start beyond a concurrency limit as Queued with its group, and refuses a keyed one', async () => {
    const srv = await startServer();
    const runner = await createRunner({}, srv.dbUrl);
    let open = (): void => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    try {
      runner.register(
        workflow({
          name: 'solo',
          concurrency: { limit: 1 },
          tasks: [task({ id: 'work' }, () => gate)],
        }),
      );
      runner.register(
        workflow({
          name: 'per-tenant',
          concurrency: { limit: 1, key: (ctx) => ctx['tenant'] as string },
          tasks: [task({ id: 'work' }, () => undefined)],
        }),
      );
      await definitionsStored(srv.client, 'solo', 'per-tenant');
      const first = await srv.call('/v1/executions', { body: { workflow: 'solo' } });
      const second = await srv.call('/v1/executions', { body: { workflow: 'solo' } });
      expect([first.status, second.status]).toEqual([201, 201]);
      expect(second.body.status).toBe('Queued');
      const detail = await srv.call(`/v1/executions/${second.body.executionId as string}`);
      expect(detail.body).toMatchObject({ status: 'Queued', concurrency: { key: '', limit: 1 } });
      const listed = await srv.call('/v1/executions?workflow=solo&status=Queued');
      expect(listed.body.items.map((e: { executionId: string }) => e.executionId)).toEqual([
        second.body.executionId,
      ]);
      // The key is computed by the workflow's code, which this server's client does not have.
      const keyed = await srv.call('/v1/executions', {
        body: { workflow: 'per-tenant', context: { tenant: 't1' } },
      });
      expectProblem(keyed, 400, 'CONFIG');
    } finally {
      open();
      await stopRunner(runner);
    }
  });

  it('shows a start beyond a rate limit as Queued with its rate group, and refuses a keyed one', async () => {
    const srv = await startServer();
    const runner = await createRunner({}, srv.dbUrl);
    try {
      runner.register(
        workflow({
          name: 'hourly',
          rateLimit: { limit: 1, period: '1h' },
          tasks: [task({ id: 'work' }, () => undefined)],
        }),
      );
      runner.register(
        workflow({
          name: 'hourly-per-tenant',
          rateLimit: { limit: 1, period: '1h', key: (ctx) => ctx['tenant'] as string },
          tasks: [task({ id: 'work' }, () => undefined)],
        }),
      );
      await definitionsStored(srv.client, 'hourly', 'hourly-per-tenant');
      const first = await srv.call('/v1/executions', { body: { workflow: 'hourly' } });
      const second = await srv.call('/v1/executions', { body: { workflow: 'hourly' } });
      expect([first.status, second.status]).toEqual([201, 201]);
      expect(second.body.status).toBe('Queued');
      const group = { key: '', limit: 1, periodMs: 3_600_000 };
      const detail = await srv.call(`/v1/executions/${second.body.executionId as string}`);
      expect(detail.body).toMatchObject({ status: 'Queued', rateLimit: group });
      const listed = await srv.call('/v1/executions?workflow=hourly&status=Queued');
      expect(
        listed.body.items.map((e: { executionId: string; rateLimit: unknown }) => [
          e.executionId,
          e.rateLimit,
        ]),
      ).toEqual([[second.body.executionId, group]]);
      // The key is computed by the workflow's code, which this server's client does not have.
      const keyed = await srv.call('/v1/executions', {
        body: { workflow: 'hourly-per-tenant', context: { tenant: 't1' } },
      });
      expectProblem(keyed, 400, 'CONFIG');
    } finally {
      await stopRunner(runner);
    }
  });

  it('lists executions newest first, filtered, page by page', async () => {
    const { srv, runner } = await setup();
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const response = await srv.call('/v1/executions', {
        body: { workflow: 'greet', context: { i } },
      });
      ids.push(response.body.executionId as string);
    }
    await Promise.all(ids.map((id) => srv.client.waitForExecution(id)));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const page = await srv.call(`/v1/executions?workflow=greet&limit=2${query}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((e: { executionId: string }) => e.executionId));
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual([...ids].reverse());

    const completed = await srv.call('/v1/executions?status=Completed,Failed&limit=100');
    expect(completed.body.items).toHaveLength(5);
    const none = await srv.call('/v1/executions?status=Cancelled');
    expect(none.body).toEqual({ items: [], nextCursor: null });
    expectProblem(await srv.call('/v1/executions?status=Done'), 400, 'INVALID_REQUEST');
    expectProblem(await srv.call('/v1/executions?limit=1001'), 400, 'INVALID_REQUEST');
    expectProblem(await srv.call('/v1/executions?colour=red'), 400, 'INVALID_REQUEST');
    await stopRunner(runner);
  });

  it('starts once per idempotency key: 201 with created, then 200 with the same execution', async () => {
    const { srv, runner } = await setup();
    const body = { workflow: 'greet', context: { name: 'once' }, idempotencyKey: 'order-7' };
    const first = await srv.call('/v1/executions', { body });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ workflow: 'greet', created: true });
    const id = first.body.executionId as string;
    expect(first.headers.get('location')).toBe(`/v1/executions/${id}`);
    await srv.client.waitForExecution(id);

    const second = await srv.call('/v1/executions', { body: { ...body, context: {} } });
    expect(second.status).toBe(200);
    expect(second.body).toEqual({
      executionId: id,
      workflow: 'greet',
      status: 'Completed',
      created: false,
    });
    expect(second.headers.get('location')).toBe(`/v1/executions/${id}`);
    expect(await executionCount(srv)).toBe(1);

    const detail = await srv.call(`/v1/executions/${id}`);
    expect(detail.body.idempotencyKey).toBe('order-7');
    const list = await srv.call('/v1/executions?workflow=greet');
    expect(list.body.items.map((e: { idempotencyKey: string | null }) => e.idempotencyKey)).toEqual(
      ['order-7'],
    );
    const unkeyed = await srv.call('/v1/executions', { body: { workflow: 'greet' } });
    expect(unkeyed.status).toBe(201);
    expect(unkeyed.body.created).toBe(true);
    await srv.client.waitForExecution(unkeyed.body.executionId as string);
    await stopRunner(runner);
  });

  it('starts with runAt or delay as Scheduled, shows its start time, and cancels it', async () => {
    const { srv, runner } = await setup();
    const runAt = new Date(Date.now() + 3_600_000).toISOString();
    const later = await srv.call('/v1/executions', { body: { workflow: 'greet', runAt } });
    expect(later.status).toBe(201);
    expect(later.body).toMatchObject({ status: 'Scheduled', created: true });
    const id = later.body.executionId as string;
    const detail = await srv.call(`/v1/executions/${id}`);
    expect(detail.body).toMatchObject({ status: 'Scheduled', runAt });
    const listed = await srv.call('/v1/executions?status=Scheduled');
    expect(
      listed.body.items.map((e: { executionId: string; runAt: string }) => [
        e.executionId,
        e.runAt,
      ]),
    ).toEqual([[id, runAt]]);
    const delayed = await srv.call('/v1/executions', { body: { workflow: 'greet', delay: '2h' } });
    expect(delayed.body.status).toBe('Scheduled');
    const stats = await srv.call('/v1/stats');
    expect(stats.body.active.Scheduled).toBe(2);
    const cancelled = await srv.call(`/v1/executions/${id}/cancel`, { method: 'POST' });
    expect(cancelled.status).toBe(200);
    expect((await srv.call(`/v1/executions/${id}`)).body.status).toBe('Cancelled');
    // A time already past starts at once.
    const now = await srv.call('/v1/executions', {
      body: { workflow: 'greet', runAt: new Date(Date.now() - 1000).toISOString() },
    });
    expect(await srv.client.waitForExecution(now.body.executionId as string)).toMatchObject({
      status: 'Completed',
    });
    await srv.client.cancelExecution(delayed.body.executionId as string);
    await stopRunner(runner);
  });

  it('starts with a priority, reports it in the detail and the list, and refuses a bad one', async () => {
    const { srv, runner } = await setup();
    const started = await srv.call('/v1/executions', {
      body: { workflow: 'greet', priority: 12, delay: '2h' },
    });
    expect(started.status).toBe(201);
    const id = started.body.executionId as string;
    expect((await srv.call(`/v1/executions/${id}`)).body).toMatchObject({ priority: 12 });
    const plain = await srv.call('/v1/executions', { body: { workflow: 'greet', delay: '2h' } });
    const listed = await srv.call('/v1/executions?status=Scheduled');
    expect(
      listed.body.items
        .map((e: { executionId: string; priority: number }) => [e.executionId, e.priority])
        .sort(),
    ).toEqual(
      [
        [id, 12],
        [plain.body.executionId, 0],
      ].sort(),
    );
    for (const priority of [1.5, 1001, -1001, '5', null]) {
      const bad = await srv.call('/v1/executions', { body: { workflow: 'greet', priority } });
      expectProblem(bad, 400, 'INVALID_REQUEST');
      expect(bad.body.detail).toMatch(
        /priority: must be an integer from -1000 to 1000 \(higher runs first\)/,
      );
    }
    expect(await executionCount(srv)).toBe(2);
    await srv.client.cancelExecution(id);
    await srv.client.cancelExecution(plain.body.executionId as string);
    await stopRunner(runner);
  });

  it('rejects bad start requests with their status and writes nothing', async () => {
    const { srv, runner } = await setup();
    const cases: [unknown, number, string][] = [
      ['{"workflow": "greet",', 400, 'MALFORMED_JSON'],
      [{ workflow: 'greet', colour: 'red' }, 400, 'INVALID_REQUEST'],
      [{ workflow: 'greet', context: [1, 2] }, 400, 'INVALID_REQUEST'],
      [{ workflow: 'greet', context: 'text' }, 400, 'INVALID_REQUEST'],
      [{}, 400, 'INVALID_REQUEST'],
      [{ workflow: 'nope' }, 404, 'WORKFLOW_NOT_FOUND'],
      [{ workflow: '../greet' }, 404, 'WORKFLOW_NOT_FOUND'],
      [{ workflow: "greet'; DROP TABLE workflow_executions; --" }, 404, 'WORKFLOW_NOT_FOUND'],
      [{ workflow: 'greet"' }, 404, 'WORKFLOW_NOT_FOUND'],
      [{ workflow: 'x'.repeat(256) }, 400, 'INVALID_REQUEST'],
      [{ workflow: 'gr\u0000eet' }, 400, 'INVALID_REQUEST'],
      [{ workflow: 'typed', context: { count: 2 } }, 422, 'INPUT_VALIDATION'],
      [{ workflow: 'typed', context: { name: 1 } }, 422, 'INPUT_VALIDATION'],
      [{ workflow: 'greet', idempotencyKey: '' }, 400, 'INVALID_REQUEST'],
      [{ workflow: 'greet', idempotencyKey: 'k'.repeat(256) }, 400, 'INVALID_REQUEST'],
      [{ workflow: 'greet', idempotencyKey: 42 }, 400, 'INVALID_REQUEST'],
      [{ workflow: 'greet', idempotencyKey: 'a\u0000b' }, 400, 'INVALID_REQUEST'],
      [{ workflow: 'greet', runAt: 'tomorrow' }, 400, 'INVALID_REQUEST'],
      [{ workflow: 'greet', runAt: '2026-12-05T10:00:00' }, 400, 'INVALID_REQUEST'],
      [{ workflow: 'greet', delay: 'soon' }, 400, 'CONFIG'],
      [{ workflow: 'greet', delay: -5 }, 400, 'CONFIG'],
      [{ workflow: 'greet', delay: '1h', runAt: '2026-12-05T10:00:00Z' }, 400, 'INVALID_REQUEST'],
    ];
    for (const [body, status, code] of cases) {
      expectProblem(await srv.call('/v1/executions', { body }), status, code);
    }
    const huge = await postRaw(
      srv,
      '/v1/executions',
      JSON.stringify({ workflow: 'greet', context: { big: 'x'.repeat(1024 * 1024) } }),
    );
    expect(huge.status).toBe(413);
    expect(huge.body.code).toBe('PAYLOAD_TOO_LARGE');
    const wrongType = await srv.call('/v1/executions', {
      body: '{"workflow":"greet"}',
      headers: { 'content-type': 'text/plain' },
    });
    expect(wrongType.status).toBeGreaterThanOrEqual(400);
    expect(wrongType.status).toBeLessThan(500);
    expect(await executionCount(srv)).toBe(0);

    const invalid = await srv.call('/v1/executions', {
      body: { workflow: 'typed', context: { count: 'x' } },
    });
    expect(invalid.body.issues.map((i: { path: string }) => i.path).sort()).toEqual([
      'count',
      'name',
    ]);
    const good = await srv.call('/v1/executions', {
      body: { workflow: 'typed', context: { name: 'a' } },
    });
    expect(good.status).toBe(201);
    expect(await executionCount(srv)).toBe(1);
    await stopRunner(runner);
  });

  it('cancels, pauses and resumes; an invalid transition is 409', async () => {
    const { srv, runner } = await setup();
    const gated = await gatedWorkload(runner, 'held', 1);
    const id = gated.handles[0]!.executionId;
    const paused = await srv.call(`/v1/executions/${id}/pause`, {
      body: { reason: 'maintenance' },
    });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ status: 'Paused', pauseReason: 'maintenance' });
    expectProblem(
      await srv.call(`/v1/executions/${id}/pause`, { method: 'POST' }),
      409,
      'INVALID_STATE',
    );
    const resumed = await srv.call(`/v1/executions/${id}/resume`, { method: 'POST' });
    expect(resumed.body.status).toMatch(/Running|Pending/);
    const cancelled = await srv.call(`/v1/executions/${id}/cancel`, { method: 'POST' });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('Cancelled');
    gated.release();
    expectProblem(
      await srv.call(`/v1/executions/${id}/resume`, { method: 'POST' }),
      409,
      'INVALID_STATE',
    );
    expectProblem(
      await srv.call('/v1/executions/00000000-0000-4000-8000-000000000000/cancel', {
        method: 'POST',
      }),
      404,
    );
    expectProblem(
      await srv.call(`/v1/executions/${id}/pause`, { body: { why: 1 } }),
      400,
      'INVALID_REQUEST',
    );
    await stopRunner(runner);
  });

  it('reruns an ended execution; a running one or a changed version is 409', async () => {
    const { srv, runner } = await setup();
    let failing = true;
    const runs = { first: 0, second: 0 };
    const flaky = (description: string) =>
      workflow({
        name: 'flaky',
        description,
        tasks: [
          task({ id: 'first' }, (ctx) => {
            runs.first += 1;
            ctx.set('n', 1);
          }),
          task({ id: 'second', dependencies: ['first'], retry: { attempts: 1 } }, (ctx) => {
            runs.second += 1;
            if (failing) throw new Error('not yet');
            ctx.set('m', (ctx.get('n') as number) + 1);
          }),
        ],
      });
    const v1 = flaky('one');
    runner.register(v1);
    await definitionsStored(srv.client, 'flaky');
    const failed = await runner.execute('flaky');
    expect(failed.status).toBe('Failed');
    failing = false;

    // No body: from failed.
    const rerun = await srv.call(`/v1/executions/${failed.executionId}/rerun`, {
      method: 'POST',
    });
    expect(rerun.status).toBe(201);
    const id = rerun.body.executionId as string;
    expect(rerun.body).toEqual({ executionId: id, workflow: 'flaky', status: expect.any(String) });
    expect(rerun.headers.get('location')).toBe(`/v1/executions/${id}`);
    await srv.client.waitForExecution(id);
    expect(runs).toEqual({ first: 1, second: 2 });
    const detail = await srv.call(`/v1/executions/${id}`);
    expect(detail.body).toMatchObject({
      status: 'Completed',
      rerunOf: failed.executionId,
      finalContext: { n: 1, m: 2 },
    });
    expect(detail.body.rerunBy).toBeUndefined();
    expect((await srv.call(`/v1/executions/${failed.executionId}`)).body).toMatchObject({
      status: 'Failed',
      rerunBy: id,
    });
    const page = await srv.call('/v1/executions?workflow=flaky');
    expect(
      page.body.items.map((e: { executionId: string; rerunOf: string | null }) => [
        e.executionId,
        e.rerunOf,
      ]),
    ).toEqual([
      [id, failed.executionId],
      [failed.executionId, null],
    ]);
    expect(page.body.items[1].rerunBy).toBe(id);

    // Completed: nothing failed to rerun from.
    expectProblem(
      await srv.call(`/v1/executions/${id}/rerun`, { body: { from: 'failed' } }),
      409,
      'INVALID_STATE',
    );
    const gated = await gatedWorkload(runner, 'held', 1);
    const running = await srv.call(`/v1/executions/${gated.handles[0]!.executionId}/rerun`, {
      body: { from: 'start' },
    });
    expectProblem(running, 409, 'INVALID_STATE');
    expect(running.body.detail).toMatch(/is Running/);
    gated.release();
    expectProblem(
      await srv.call('/v1/executions/00000000-0000-4000-8000-000000000000/rerun', {
        method: 'POST',
      }),
      404,
      'NOT_FOUND',
    );
    expectProblem(
      await srv.call(`/v1/executions/${failed.executionId}/rerun`, { body: { from: 'middle' } }),
      400,
      'INVALID_REQUEST',
    );

    // Another version is registered now: from failed is refused naming both, from start runs it.
    failing = true;
    const again = await runner.execute('flaky');
    failing = false;
    const v2 = flaky('two');
    runner.register(v2);
    await waitFor(
      async () => (await srv.client.getWorkflow('flaky'))?.version === v2.version,
      10_000,
      'v2 stored',
    );
    const changed = await srv.call(`/v1/executions/${again.executionId}/rerun`, {
      body: { from: 'failed' },
    });
    expectProblem(changed, 409, 'INVALID_STATE');
    expect(changed.body.detail).toContain(v1.version);
    expect(changed.body.detail).toContain(v2.version);
    const fresh = await srv.call(`/v1/executions/${again.executionId}/rerun`, {
      body: { from: 'start' },
    });
    expect(fresh.status).toBe(201);
    const result = await srv.client.waitForExecution(fresh.body.executionId);
    expect(result).toMatchObject({ status: 'Completed', workflowVersion: v2.version });
    await stopRunner(runner);
  });

  it('serves triggers: read, history, disable, enable and fire', async () => {
    const { srv, runner } = await setup();
    await runner.registerTrigger(
      defineTrigger({ name: 'inbox', pollInterval: '1h', allowConcurrent: false }, () =>
        TriggerResult.skip('idle'),
      ),
      'greet',
    );
    const list = await srv.call('/v1/triggers');
    expect(list.body.items.map((t: { triggerName: string }) => t.triggerName)).toEqual(['inbox']);
    expect((await srv.call('/v1/triggers/inbox')).body).toMatchObject({
      triggerName: 'inbox',
      enabled: true,
    });
    expect((await srv.call('/v1/triggers/inbox/disable', { method: 'POST' })).body.enabled).toBe(
      false,
    );
    expect((await srv.call('/v1/triggers/inbox/enable', { method: 'POST' })).body.enabled).toBe(
      true,
    );

    const fired = await srv.call('/v1/triggers/inbox/fire', {
      body: { context: { file: 'a.txt' } },
    });
    expect(fired.status).toBe(200);
    expect(fired.body.status).toBe('fired');
    await srv.client.waitForExecution(fired.body.executionId as string);
    const history = await srv.call('/v1/triggers/inbox/history');
    expect(history.status).toBe(200);
    expect(history.body.items[0]).toMatchObject({ workflowExecutionId: fired.body.executionId });

    expectProblem(await srv.call('/v1/triggers/nope'), 404);
    expectProblem(await srv.call("/v1/triggers/x'%20OR%20'1'='1"), 404);
    expectProblem(await srv.call('/v1/triggers/..%2F..%2Fetc%2Fpasswd'), 404);
    expectProblem(await srv.call('/v1/triggers/in%00box'), 400, 'INVALID_REQUEST');
    expectProblem(await srv.call('/v1/triggers/nope/history'), 404);
    expectProblem(await srv.call('/v1/triggers/nope/fire', { method: 'POST' }), 404);
    expectProblem(await srv.call('/v1/triggers/inbox/fire', { body: { context: 5 } }), 400);
    await stopRunner(runner);
  });

  it('creates, reads, updates, toggles and deletes cron schedules', async () => {
    const { srv, runner } = await setup();
    const created = await srv.call('/v1/cron', {
      body: {
        workflow: 'greet',
        expression: '0 3 * * *',
        timezone: 'Europe/Paris',
        context: { name: 'cron' },
      },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body.nextRuns).toHaveLength(5);
    const next = await srv.call(`/v1/cron/${id}?next=3`);
    expect(next.body.nextRuns).toHaveLength(3);
    for (const time of next.body.nextRuns as string[]) {
      // 03:00 in Paris is 01:00 or 02:00 UTC.
      expect(new Date(time).getUTCHours()).toBeGreaterThanOrEqual(1);
      expect(new Date(time).getUTCHours()).toBeLessThanOrEqual(2);
    }
    const list = await srv.call('/v1/cron');
    expect(list.body.items.map((s: { id: string }) => s.id)).toEqual([id]);
    const updated = await srv.call(`/v1/cron/${id}`, {
      method: 'PATCH',
      body: { expression: '*/5 * * * *' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.expression).toBe('*/5 * * * *');
    expect((await srv.call(`/v1/cron/${id}/disable`, { method: 'POST' })).body.enabled).toBe(false);
    expect((await srv.call(`/v1/cron/${id}/enable`, { method: 'POST' })).body.enabled).toBe(true);
    const history = await srv.call(`/v1/cron/${id}/history`);
    expect(history.body).toEqual({ items: [], nextCursor: null });

    expectProblem(
      await srv.call('/v1/cron', { body: { workflow: 'greet', expression: 'not cron' } }),
      400,
      'CRON',
    );
    expectProblem(
      await srv.call('/v1/cron', {
        body: { workflow: 'greet', expression: '* * * * *', timezone: 'Mars/Olympus' },
      }),
      400,
      'CRON',
    );
    expectProblem(
      await srv.call('/v1/cron', { body: { workflow: 'nope', expression: '* * * * *' } }),
      404,
    );
    expectProblem(
      await srv.call(`/v1/cron/${id}`, { method: 'PATCH', body: { workflow: 'x' } }),
      400,
    );
    const removed = await srv.call(`/v1/cron/${id}`, { method: 'DELETE' });
    expect(removed.status).toBe(204);
    expectProblem(await srv.call(`/v1/cron/${id}`), 404);
    expectProblem(await srv.call(`/v1/cron/${id}`, { method: 'DELETE' }), 404);
    expectProblem(await srv.call('/v1/cron/1%27%20OR%201=1'), 400);
    await stopRunner(runner);
  });

  it('lists live runners and manages API keys', async () => {
    const { srv, runner } = await setup();
    // The row is written at start; the workflows registered after it follow in a later write.
    await waitFor(
      async () => (await srv.call('/v1/runners')).body.items[0]?.workflows.length === 2,
      10_000,
      'the runner row with its workflows',
    );
    const runners = await srv.call('/v1/runners');
    expect(runners.body.items[0]).toMatchObject({ runnerId: runner.runnerId, live: true });
    expect(runners.body.items[0].workflows).toEqual(expect.arrayContaining(['greet', 'typed']));

    const created = await srv.call('/v1/keys', { body: { scope: 'read', name: 'dashboard' } });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    expect((await srv.call('/v1/workflows', { key })).status).toBe(200);
    const keys = await srv.call('/v1/keys');
    expect(keys.body.items.map((k: { name: string }) => k.name)).toContain('dashboard');
    expect(JSON.stringify(keys.body)).not.toContain(key);
    const revoked = await srv.call(`/v1/keys/${created.body.info.id}/revoke`, { method: 'POST' });
    expect(revoked.body.revokedAt).not.toBeNull();
    expect((await srv.call('/v1/workflows', { key })).status).toBe(401);
    expectProblem(await srv.call('/v1/keys', { body: { scope: 'root' } }), 400);
    expectProblem(await srv.call('/v1/keys/unknown/revoke', { method: 'POST' }), 404);
    expectProblem(await srv.call('/v1/keys?cursor=garbage'), 400, 'INVALID_CURSOR');
    const firstKey = await srv.call('/v1/keys?limit=1');
    expect(firstKey.body.items).toHaveLength(1);
    const nextKey = await srv.call(`/v1/keys?limit=1&cursor=${firstKey.body.nextCursor}`);
    expect(nextKey.body.items[0].id).not.toBe(firstKey.body.items[0].id);
    await stopRunner(runner);
  });

  it('answers unknown routes with a problem', async () => {
    const { srv, runner } = await setup();
    expectProblem(await srv.call('/v1/nothing'), 404, 'ROUTE_NOT_FOUND');
    expectProblem(await srv.call('/nothing'), 404, 'ROUTE_NOT_FOUND');
    await stopRunner(runner);
  });
});
