/**
 * The live event stream: events of a runner in a second OS process reach the server's stream in
 * order; a reconnect with `Last-Event-ID` gets exactly what it missed; filters; and a client that
 * stops reading is dropped instead of buffered for.
 */
import { connect } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { task, workflow } from '../../src/index.js';
import { createRunner, quietLogger, stopRunner } from '../helpers/backend.js';
import { spawnScript } from '../helpers/processes.js';
import { openStream, startServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';

const WORKER = 'test/acceptance/fixtures/chain-worker.ts';

const pair = workflow({
  name: 'pair',
  tasks: [
    task({ id: 'a' }, async () => undefined),
    task({ id: 'b', dependencies: ['a'] }, async () => undefined),
  ],
});

describe('GET /v1/events/stream', () => {
  it('carries the events of a runner in another process, in order', async () => {
    const srv = await startServer();
    const stream = await openStream(srv.url, srv.keys.read);
    const log = join(mkdtempSync(join(tmpdir(), 'cloacina-sse-')), 'chain.log');
    const child = spawnScript(WORKER, [srv.dbUrl, log, '3', '3', '0']);
    const code = await child.exited;
    expect(code, child.stderr()).toBe(0);
    const ids = child
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('scheduled '))
      .map((line) => line.slice('scheduled '.length));
    expect(ids).toHaveLength(3);
    await stream.until((messages) =>
      ids.every((id) =>
        messages.some((m) => m.data.executionId === id && m.data.type === 'workflow_completed'),
      ),
    );
    stream.close();
    for (const id of ids) {
      const fromStream = stream.messages
        .filter((m) => m.data.executionId === id)
        .map((m) => m.data.type);
      const stored = (await srv.client.getExecutionEvents(id)).map((e) => e.type);
      // The stream carries every stored event of the execution. It is the event feed, which
      // orders transactions by their first write: on PostgreSQL a claim made by a completion
      // that began before the scheduling committed may come before that scheduling's events,
      // so the history's order (by id) is compared as a multiset.
      const sorted = (types: readonly string[]): string[] => [...types].sort();
      expect(sorted(fromStream.filter((type) => stored.includes(type as never)))).toEqual(
        sorted(stored),
      );
      expect(fromStream).toContain('workflow_started');
      expect(fromStream.at(-1)).toBe('workflow_completed');
    }
    expect(new Set(stream.messages.map((m) => m.id)).size).toBe(stream.messages.length);
    const first = stream.messages.find((m) => m.data.type === 'workflow_started')!;
    expect(first.data).toMatchObject({ workflow: 'chain', at: expect.stringMatching(/Z$/) });
  });

  it('resumes after Last-Event-ID with exactly the missed events', async () => {
    const srv = await startServer();
    const runner = await createRunner({}, srv.dbUrl);
    runner.register(pair);
    const witness = await openStream(srv.url, srv.keys.read);
    const early = await openStream(srv.url, srv.keys.read);
    const first = await runner.execute('pair');
    await early.until((m) =>
      m.some(
        (x) => x.data.executionId === first.executionId && x.data.type === 'workflow_completed',
      ),
    );
    early.close();
    const lastSeen = early.messages.at(-1)!.id;

    const later = [];
    for (let i = 0; i < 3; i += 1) later.push(await runner.execute('pair'));
    const done =
      (id: string) => (m: readonly { data: { executionId: string | null; type: string } }[]) =>
        m.some((x) => x.data.executionId === id && x.data.type === 'workflow_completed');
    await witness.until(done(later.at(-1)!.executionId));

    const resumed = await openStream(srv.url, srv.keys.read, '', lastSeen);
    await resumed.until(done(later.at(-1)!.executionId));
    const index = witness.messages.findIndex((m) => m.id === lastSeen);
    expect(index).toBeGreaterThanOrEqual(0);
    const missed = witness.messages.slice(index + 1);
    expect(resumed.messages.slice(0, missed.length).map((m) => m.id)).toEqual(
      missed.map((m) => m.id),
    );
    expect(resumed.messages.map((m) => m.id)).not.toContain(lastSeen);

    // The same through `?after=`, as a browser's first connection would resume.
    const viaQuery = await openStream(
      srv.url,
      srv.keys.read,
      `?after=${encodeURIComponent(lastSeen)}`,
    );
    await viaQuery.until((m) => m.length >= missed.length);
    expect(viaQuery.messages.slice(0, missed.length).map((m) => m.id)).toEqual(
      missed.map((m) => m.id),
    );
    for (const s of [witness, resumed, viaQuery]) s.close();

    const bad = await srv.call('/v1/events/stream?after=not-a-cursor', { key: srv.keys.read });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('INVALID_CURSOR');
    await stopRunner(runner);
  });

  it('lets a client that received nothing yet resume from where it connected', async () => {
    const srv = await startServer();
    const runner = await createRunner({}, srv.dbUrl);
    runner.register(pair);
    const quiet = await openStream(srv.url, srv.keys.read, '?workflow=pair');
    await quiet.until(() => quiet.lastEventId() !== undefined);
    const start = quiet.lastEventId()!;
    quiet.close();
    expect(quiet.messages).toEqual([]);
    // Events happen while it is away; it reconnects with the id it was given.
    const result = await runner.execute('pair');
    const resumed = await openStream(srv.url, srv.keys.read, '?workflow=pair', start);
    await resumed.until((m) => m.some((x) => x.data.type === 'workflow_completed'));
    const stored = (await srv.client.getExecutionEvents(result.executionId)).map((e) => e.type);
    expect(
      resumed.messages.map((m) => m.data.type).filter((t) => stored.includes(t as never)),
    ).toEqual(stored);
    resumed.close();
    // An empty Last-Event-ID means no position; HEAD answers without a stream.
    const empty = await openStream(srv.url, srv.keys.read, '', '');
    empty.close();
    const head = await fetch(`${srv.url}/v1/events/stream`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${srv.keys.read}` },
    });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toContain('text/event-stream');
    await stopRunner(runner);
  });

  it('ends its streams promptly when the server closes', async () => {
    const srv = await startServer();
    const streams = await Promise.all([1, 2, 3].map(() => openStream(srv.url, srv.keys.read)));
    const started = Date.now();
    await srv.close();
    await Promise.all(streams.map((s) => s.ended));
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('filters by execution and by workflow', async () => {
    const srv = await startServer();
    const runner = await createRunner({}, srv.dbUrl);
    runner.register(pair);
    runner.register(workflow({ name: 'other', tasks: [task({ id: 'x' }, async () => undefined)] }));
    const head = await srv.client.eventsHead();
    const handle = await runner.executeAsync('pair');
    // Opened after the start: `after` the head taken before it, so nothing is missed.
    const byExecution = await openStream(
      srv.url,
      srv.keys.read,
      `?executionId=${handle.executionId}&after=${encodeURIComponent(head)}`,
    );
    const byWorkflow = await openStream(srv.url, srv.keys.read, '?workflow=other');
    await handle.wait();
    const other = await runner.execute('other');
    await byExecution.until((m) => m.some((x) => x.data.type === 'workflow_completed'));
    await byWorkflow.until((m) => m.some((x) => x.data.type === 'workflow_completed'));
    expect(byExecution.messages.every((m) => m.data.executionId === handle.executionId)).toBe(true);
    const stored = (await srv.client.getExecutionEvents(handle.executionId)).map((e) => e.type);
    expect(
      byExecution.messages.map((m) => m.data.type).filter((t) => stored.includes(t as never)),
    ).toEqual(stored);
    expect(byWorkflow.messages.every((m) => m.data.executionId === other.executionId)).toBe(true);
    byExecution.close();
    byWorkflow.close();
    await stopRunner(runner);
  });

  it('carries the lines a task logs as it writes them', async () => {
    const srv = await startServer();
    const runner = await createRunner({}, srv.dbUrl);
    runner.register(
      workflow({
        name: 'chatty',
        tasks: [
          task({ id: 'talk' }, async (_ctx, handle) => {
            handle.log.info('first line');
            handle.log.warn({ rows: 3 }, 'second line');
          }),
        ],
      }),
    );
    const stream = await openStream(srv.url, srv.keys.read, '?workflow=chatty');
    const result = await runner.execute('chatty');
    await stream.until((m) => m.some((x) => x.data.type === 'workflow_completed'));
    stream.close();
    const types = stream.messages.map((m) => m.data.type);
    const logs = stream.messages.filter((m) => m.data.type === 'task_log');
    expect(logs.map((m) => (m.data.data as { message: string }).message)).toEqual([
      'first line',
      'second line',
    ]);
    expect(logs[1]!.data).toMatchObject({
      executionId: result.executionId,
      taskId: 'talk',
      data: { attempt: 1, level: 'warn', fields: { rows: 3 } },
    });
    // Written before the attempt's outcome.
    expect(types.indexOf('task_log')).toBeLessThan(types.indexOf('task_completed'));
    await stopRunner(runner);
  });

  it('drops a client that stops reading instead of buffering for it', async () => {
    const warnings: string[] = [];
    const logger = {
      ...quietLogger,
      warn: (_: unknown, msg?: string) => void warnings.push(msg ?? ''),
    };
    const srv = await startServer(undefined, {
      events: { slowClientTimeout: '200ms', ringSize: 100 },
      logger: { ...logger, child: () => logger },
    });
    const runner = await createRunner({ maxConcurrentTasks: 16 }, srv.dbUrl);
    // Wide executions: about a hundred events each, so the socket's buffers fill quickly.
    runner.register(
      workflow({
        name: 'wide',
        tasks: Array.from({ length: 30 }, (_, i) => task({ id: `t${i}` }, async () => undefined)),
      }),
    );
    const url = new URL(srv.url);
    const socket = connect(Number(url.port), url.hostname);
    let closed = false;
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      `GET /v1/events/stream HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${srv.keys.read}\r\n\r\n`,
    );
    // Never read: the socket's buffers fill and the server must give up on us.
    socket.pause();
    const dropped = () =>
      warnings.some((w) => w.includes('dropping a client that stopped reading'));
    for (let round = 0; round < 200 && !dropped(); round += 1) {
      await Promise.all(Array.from({ length: 10 }, () => runner.execute('wide')));
    }
    await waitFor(dropped, 10_000, 'the server to drop the stalled stream');
    // Reading again, the client finds its stream ended (after what the kernel had buffered).
    socket.resume();
    await waitFor(() => closed, 10_000, 'the dropped stream to end');
    // The server still serves others.
    expect((await srv.call('/v1/health', { key: null })).status).toBe(200);
    await stopRunner(runner);
  });

  it('serves twenty streams at once without a listener warning', async () => {
    const srv = await startServer();
    const runner = await createRunner({}, srv.dbUrl);
    runner.register(pair);
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const streams = await Promise.all(
        Array.from({ length: 20 }, () => openStream(srv.url, srv.keys.read, '?workflow=pair')),
      );
      await runner.execute('pair');
      // Every stream is live: each carries the end of the execution.
      await Promise.all(
        streams.map((s) => s.until((m) => m.some((x) => x.data.type === 'workflow_completed'))),
      );
      // Warnings are emitted on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
      for (const stream of streams) stream.close();
      expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
      await stopRunner(runner);
    }
  });
});
