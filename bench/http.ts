/**
 * HTTP workloads, through the public paths an API user takes (a real server on a real port,
 * `fetch`, Server-Sent Events):
 *
 * - H1: with `BENCH_H1_EXECUTIONS` (default 100,000) finished executions in the database (one in
 *   ten failed), walks `GET /v1/executions?limit=50` page by page (every page, not only the
 *   first), then the same filtered by `status=Failed`, and reports each request's p50 and p99.
 * - H2: 100 clients on `GET /v1/events/stream`; one execution at a time, it measures how long
 *   each event takes from the runner's commit notice to each client (p50 and p99).
 *
 * The server runs in the workload's process over the runner (`createServer({ runner })`), as in
 * `cloacinactl daemon --http-port`.
 */
import { performance } from 'node:perf_hooks';
import { task, TaskError, workflow, type DefaultRunner, type RunnerEvent } from '../src/index.js';
import { createServer } from '../src/server/index.js';
import { percentile, round } from './stats.js';
import type { WorkloadHooks, WorkloadOutcome } from './workloads.js';
import { quietLogger } from './quiet.js';

/** Seeds `count` finished executions through `executeAsync`, a batch at a time. */
async function seed(runner: DefaultRunner, count: number): Promise<void> {
  runner.register(
    workflow({
      name: 'seeded',
      tasks: [
        task({ id: 'only', retry: { attempts: 1 } }, async (ctx) => {
          if (Number(ctx.get('i')) % 10 === 0)
            throw new TaskError('seeded failure', { retryable: false });
        }),
      ],
    }),
  );
  const BATCH = 500;
  for (let done = 0; done < count; done += BATCH) {
    const handles = await Promise.all(
      Array.from({ length: Math.min(BATCH, count - done) }, (_, k) =>
        runner.executeAsync('seeded', { i: done + k }),
      ),
    );
    await Promise.all(handles.map((handle) => handle.wait(null)));
  }
}

async function serve(runner: DefaultRunner) {
  const server = await createServer({ runner, logger: quietLogger });
  const { url } = await server.listen({ port: 0 });
  const client = await runner.client();
  const { key } = await client.createApiKey({ scope: 'read', name: 'bench' });
  await client.close();
  return { server, url, headers: { authorization: `Bearer ${key}` } };
}

/** Walks every page of `path`, timing each request. */
async function walk(url: string, headers: Record<string, string>, path: string, pages: number) {
  const times: number[] = [];
  let cursor: string | null = null;
  let rows = 0;
  for (let i = 0; i < pages; i += 1) {
    const sep = path.includes('?') ? '&' : '?';
    const started = performance.now();
    const response = await fetch(
      `${url}${path}${cursor === null ? '' : `${sep}cursor=${encodeURIComponent(cursor)}`}`,
      { headers },
    );
    const body = (await response.json()) as { items: unknown[]; nextCursor: string | null };
    times.push(performance.now() - started);
    if (response.status !== 200)
      throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
    rows += body.items.length;
    cursor = body.nextCursor;
    if (cursor === null) break;
  }
  return { times, rows };
}

/** H1: list pages over a large history. */
export async function listPages(
  runner: DefaultRunner,
  hooks: WorkloadHooks,
): Promise<WorkloadOutcome> {
  const count = Number(process.env.BENCH_H1_EXECUTIONS ?? 100_000);
  await seed(runner, count);
  const { server, url, headers } = await serve(runner);
  try {
    await walk(url, headers, '/v1/executions?limit=50', 20); // warm-up
    hooks.afterWarmup();
    // Every page of the whole history (2,000 pages of 50 at 100,000).
    const all = await walk(url, headers, '/v1/executions?limit=50', Math.ceil(count / 50) + 1);
    const failed = await walk(
      url,
      headers,
      '/v1/executions?limit=50&status=Failed',
      Math.ceil(count / 500) + 1,
    );
    return {
      units: all.times.length + failed.times.length,
      metrics: {
        executions: count,
        pagesWalked: all.times.length,
        listP50Ms: round(percentile(all.times, 50), 2),
        listP99Ms: round(percentile(all.times, 99), 2),
        failedP50Ms: round(percentile(failed.times, 50), 2),
        failedP99Ms: round(percentile(failed.times, 99), 2),
        rowsSeen: all.rows,
      },
    };
  } finally {
    await server.close();
  }
}

/** H2: one event to 100 stream clients. */
export async function streamFanOut(
  runner: DefaultRunner,
  hooks: WorkloadHooks,
): Promise<WorkloadOutcome> {
  const CLIENTS = 100;
  const EVENTS = 60;
  runner.register(workflow({ name: 'ping', tasks: [task({ id: 'only' }, () => undefined)] }));
  const { server, url, headers } = await serve(runner);
  const received = new Map<string, number[]>(); // execution id → receipt times of workflow_completed
  const streams = await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      const abort = new AbortController();
      const response = await fetch(`${url}/v1/events/stream?workflow=ping`, {
        headers,
        signal: abort.signal,
      });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      void (async () => {
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return;
            const now = performance.now();
            buffer += decoder.decode(value, { stream: true });
            let end: number;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const data = block.split('\n').find((line) => line.startsWith('data: '));
              if (data === undefined) continue;
              const event = JSON.parse(data.slice(6)) as { type: string; executionId: string };
              if (event.type !== 'workflow_completed') continue;
              const list = received.get(event.executionId) ?? [];
              list.push(now);
              received.set(event.executionId, list);
            }
          }
        } catch {
          // aborted
        }
      })();
      return abort;
    }),
  );
  const committedAt = new Map<string, number>();
  const onEvent = (event: RunnerEvent) => {
    if (event.type === 'workflow_completed') committedAt.set(event.executionId, performance.now());
  };
  runner.on('event', onEvent);
  const everyoneHas = async (id: string) => {
    const deadline = performance.now() + 10_000;
    while ((received.get(id)?.length ?? 0) < CLIENTS) {
      if (performance.now() > deadline)
        throw new Error(`only ${received.get(id)?.length ?? 0} clients got ${id}`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  };
  try {
    const delays: number[] = [];
    for (let i = 0; i < EVENTS; i += 1) {
      if (i === 10) hooks.afterWarmup();
      const result = await runner.execute('ping');
      await everyoneHas(result.executionId);
      if (i < 10) continue;
      const at = committedAt.get(result.executionId)!;
      for (const t of received.get(result.executionId)!) delays.push(t - at);
    }
    return {
      units: EVENTS - 10,
      metrics: {
        clients: CLIENTS,
        fanoutP50Ms: round(percentile(delays, 50), 2),
        fanoutP99Ms: round(percentile(delays, 99), 2),
      },
    };
  } finally {
    runner.off('event', onEvent);
    for (const abort of streams) abort.abort();
    await server.close();
  }
}
