/**
 * Workflow rate limits in one runner: at most `limit` executions of a group start in any
 * period, the rest wait as `Queued` and start, in order, as the window slides; none is dropped.
 * The start times checked are the ones the limit counts (each execution's place in its window,
 * read from the store), and the task bodies record when they really ran.
 */
import { describe, expect, it } from 'vitest';
import {
  Client,
  ConfigError,
  InputValidationError,
  task,
  workflow,
  type DefaultRunner,
} from '../../src/index.js';
import { openStore } from '../../src/store/open.js';
import { createRunner, freshDatabaseUrl, stopRunner } from '../helpers/backend.js';
import { waitFor } from '../helpers/wait.js';

/** The start the limit counted of each of `ids`, read from the database at `url`, sorted. */
async function rateStarts(url: string, ids: readonly string[]): Promise<number[]> {
  const store = await openStore(url);
  try {
    const starts: number[] = [];
    for (const id of ids) {
      const record = await store.getExecution(id);
      expect(record?.rateStartedAtMs, `execution ${id} has a rate start`).not.toBeNull();
      starts.push(record!.rateStartedAtMs!);
    }
    return starts.sort((a, b) => a - b);
  } finally {
    await store.close();
  }
}

/** Fails when more than `limit` of sorted `starts` fall in one half-open window of `periodMs`. */
function checkSliding(starts: readonly number[], limit: number, periodMs: number): void {
  for (let i = 0; i + limit < starts.length; i++) {
    expect(
      starts[i + limit]! - starts[i]!,
      `starts #${i} and #${i + limit} are less than a period apart`,
    ).toBeGreaterThanOrEqual(periodMs);
  }
}

/** How many of `times` fall in each window of `periodMs` aligned to the epoch. */
function perAlignedWindow(times: readonly number[], periodMs: number): number[] {
  const counts = new Map<number, number>();
  for (const t of times) {
    const w = Math.floor(t / periodMs);
    counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  return [...counts.values()];
}

async function runAll(
  runner: DefaultRunner,
  name: string,
  contexts: readonly Record<string, unknown>[],
): Promise<string[]> {
  const handles = await Promise.all(contexts.map((context) => runner.executeAsync(name, context)));
  const results = await Promise.all(handles.map((h) => runner.waitForExecution(h.executionId)));
  expect(results.filter((r) => r.status !== 'Completed')).toEqual([]);
  return handles.map((h) => h.executionId);
}

describe('workflow rate limits', () => {
  it('starts 50 executions at 10 per second over at least 4 windows, none lost', async () => {
    const url = freshDatabaseUrl();
    const runner = await createRunner({ maxConcurrentTasks: 50 }, url);
    try {
      const bodies: { n: number; at: number }[] = [];
      runner.register(
        workflow({
          name: 'rated',
          rateLimit: { limit: 10, period: '1s' },
          tasks: [
            task({ id: 'call' }, (ctx) => {
              bodies.push({ n: ctx.get('n') as number, at: Date.now() });
            }),
          ],
        }),
      );
      const ids = await runAll(
        runner,
        'rated',
        Array.from({ length: 50 }, (_, n) => ({ n })),
      );
      expect(bodies.map((b) => b.n).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 50 }, (_, n) => n),
      );
      const starts = await rateStarts(url, ids);
      checkSliding(starts, 10, 1_000);
      expect(Math.max(...perAlignedWindow(starts, 1_000))).toBeLessThanOrEqual(10);
      // Five windows' worth of starts: the last began at least 4 periods after the first.
      expect(starts.at(-1)! - starts[0]!).toBeGreaterThanOrEqual(4_000);
      const first = Math.min(...bodies.map((b) => b.at));
      const windows = new Set(bodies.map((b) => Math.floor((b.at - first) / 1_000)));
      expect(windows.size).toBeGreaterThanOrEqual(4);
      // Every body ran after its execution took its place in the window.
      expect(Math.min(...bodies.map((b) => b.at))).toBeGreaterThanOrEqual(starts[0]!);
    } finally {
      await stopRunner(runner);
    }
  }, 30_000);

  it('counts each key on its own', async () => {
    const url = freshDatabaseUrl();
    const runner = await createRunner({ maxConcurrentTasks: 20 }, url);
    try {
      runner.register(
        workflow({
          name: 'per-tenant',
          rateLimit: { limit: 3, period: 500, key: (ctx) => ctx['tenant'] as string },
          tasks: [task({ id: 'call' }, () => undefined)],
        }),
      );
      const contexts = Array.from({ length: 24 }, (_, n) => ({ tenant: `t${n % 2}`, n }));
      const ids = await runAll(runner, 'per-tenant', contexts);
      const all = await rateStarts(url, ids);
      for (const tenant of ['t0', 't1']) {
        const ofTenant = ids.filter((_, n) => contexts[n]!.tenant === tenant);
        const starts = await rateStarts(url, ofTenant);
        checkSliding(starts, 3, 500);
        expect(starts.at(-1)! - starts[0]!).toBeGreaterThanOrEqual(1_500);
      }
      // The keys did not wait for each other: six started in the first window.
      expect(all[5]! - all[0]!).toBeLessThan(500);
    } finally {
      await stopRunner(runner);
    }
  }, 30_000);

  it('starts work on time when the period is shorter than the admission pass', async () => {
    const url = freshDatabaseUrl();
    const runner = await createRunner({ maxConcurrentTasks: 4 }, url);
    try {
      runner.register(
        workflow({
          name: 'fast',
          rateLimit: { limit: 1, period: '100ms' },
          tasks: [task({ id: 'call' }, () => undefined)],
        }),
      );
      const began = Date.now();
      const ids = await runAll(
        runner,
        'fast',
        Array.from({ length: 12 }, (_, n) => ({ n })),
      );
      const elapsed = Date.now() - began;
      const starts = await rateStarts(url, ids);
      checkSliding(starts, 1, 100);
      // Twelve starts 100 ms apart: about 1.1 s. A once-a-second pass alone would need 11 s.
      expect(elapsed).toBeLessThan(6_000);
    } finally {
      await stopRunner(runner);
    }
  }, 30_000);

  it('with a concurrency limit too, respects both', async () => {
    const url = freshDatabaseUrl();
    const runner = await createRunner({ maxConcurrentTasks: 8 }, url);
    try {
      const spans: { start: number; end: number }[] = [];
      runner.register(
        workflow({
          name: 'both',
          concurrency: { limit: 1 },
          rateLimit: { limit: 2, period: '300ms' },
          tasks: [
            task({ id: 'call' }, async () => {
              const start = Date.now();
              await new Promise((resolve) => setTimeout(resolve, 5));
              spans.push({ start, end: Date.now() });
            }),
          ],
        }),
      );
      const ids = await runAll(
        runner,
        'both',
        Array.from({ length: 8 }, (_, n) => ({ n })),
      );
      spans.sort((a, b) => a.start - b.start);
      for (let i = 1; i < spans.length; i++) {
        expect(spans[i]!.start).toBeGreaterThanOrEqual(spans[i - 1]!.end);
      }
      checkSliding(await rateStarts(url, ids), 2, 300);
    } finally {
      await stopRunner(runner);
    }
  }, 30_000);

  it('shows a waiting execution as Queued with its rate group, and counts the wait', async () => {
    const runner = await createRunner();
    try {
      runner.register(
        workflow({
          name: 'hourly',
          rateLimit: { limit: 1, period: '1h' },
          tasks: [task({ id: 'call' }, () => undefined)],
        }),
      );
      const first = await runner.executeAsync('hourly', {});
      expect((await first.wait()).status).toBe('Completed');
      const second = await runner.executeAsync('hourly', {});
      await waitFor(async () => (await runner.getExecutionStatus(second.executionId)) === 'Queued');
      const page = await runner.listExecutionsPage({ workflow: 'hourly', status: 'Queued' });
      expect(page.items.map((item) => [item.executionId, item.rateLimit])).toEqual([
        [second.executionId, { key: '', limit: 1, periodMs: 3_600_000 }],
      ]);
      const events = await runner.getExecutionEvents(second.executionId);
      expect(events.map((e) => e.type)).toEqual(['workflow_queued']);
      const metrics = await runner.metrics();
      expect(metrics).toContain('cloacina_limit_waits_total{kind="rate"} 1');
      expect(metrics).toContain('cloacina_queued_executions{workflow="hourly"} 1');
      await runner.cancelExecution(second.executionId);
      expect((await second.wait()).status).toBe('Cancelled');
    } finally {
      await stopRunner(runner);
    }
  });

  it('refuses a bad rate limit option or key, scheduling nothing', async () => {
    const tasks = [task({ id: 'a' }, () => {})];
    expect(() => workflow({ name: 'bad', rateLimit: { limit: 0, period: '1s' }, tasks })).toThrow(
      ConfigError,
    );
    expect(() =>
      workflow({ name: 'bad', rateLimit: { limit: 1, period: 'often' }, tasks }),
    ).toThrow(/rateLimit.period/);
    expect(() => workflow({ name: 'bad', rateLimit: { limit: 1, period: 0 }, tasks })).toThrow(
      /at least 1 ms/,
    );
    const url = freshDatabaseUrl();
    const runner = await createRunner({}, url);
    try {
      runner.register(
        workflow({
          name: 'keyed',
          rateLimit: { limit: 2, period: '1s', key: (ctx) => ctx['tenant'] as string },
          tasks,
        }),
      );
      await expect(runner.executeAsync('keyed', {})).rejects.toThrow(InputValidationError);
      await expect(runner.executeAsync('keyed', {})).rejects.toThrow(/rate limit key/);
      expect(await runner.listExecutions({ workflowName: 'keyed' })).toHaveLength(0);
      // A process without the code cannot compute the key: it refuses, as for concurrency.
      await runner.definitionsStored();
      const client = await Client.connect(url);
      try {
        await expect(client.executeAsync('keyed', { tenant: 'a' })).rejects.toThrow(ConfigError);
      } finally {
        await client.close();
      }
    } finally {
      await stopRunner(runner);
    }
  });
});
