/**
 * Priorities in a runner: Ready tasks are claimed by priority, then oldest ready first, so a
 * high-priority execution overtakes a backlog; a start's `priority` overrides the workflow's
 * default; a concurrency group admits its Queued executions by priority, then in order. Task
 * bodies record the order they start in.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, task, workflow } from '../../src/index.js';
import { createRunner, stopRunner } from '../helpers/backend.js';
import { waitFor } from '../helpers/wait.js';

/** A promise with its resolver, for task bodies a test releases. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('priorities', () => {
  it('runs a high-priority execution before the next 20 tasks of a 500-execution backlog', async () => {
    const runner = await createRunner({ maxConcurrentTasks: 2 });
    try {
      const started: string[] = [];
      const held = gate();
      runner.register(
        workflow({
          name: 'backlog',
          tasks: [
            task({ id: 'work' }, async (ctx) => {
              started.push(ctx.get('label') as string);
              await held.promise;
            }),
          ],
        }),
      );
      const low = await Promise.all(
        Array.from({ length: 500 }, (_, n) =>
          runner.executeAsync('backlog', { label: `low-${n}` }),
        ),
      );
      held.open();
      await waitFor(() => started.length >= 30, 20_000, 'the backlog to be under way');
      const urgent = await runner.executeAsync('backlog', { label: 'urgent' }, { priority: 10 });
      // Low-priority tasks that had started when the urgent execution was written.
      const startedBefore = started.length;
      expect(startedBefore).toBeLessThan(400);
      const result = await runner.waitForExecution(urgent.executionId);
      expect(result.status).toBe('Completed');
      expect(result.priority).toBe(10);
      const position = started.indexOf('urgent');
      expect(position).toBeGreaterThanOrEqual(0);
      expect(position - startedBefore).toBeLessThan(20);
      await Promise.all(low.map((h) => runner.waitForExecution(h.executionId)));
      expect(started).toHaveLength(501);
    } finally {
      await stopRunner(runner);
    }
  });

  it("takes a start's priority over the workflow's default, in claims and in what it reports", async () => {
    const runner = await createRunner({ maxConcurrentTasks: 1 });
    try {
      const started: string[] = [];
      const held = gate();
      const body = task({ id: 'work' }, async (ctx) => {
        started.push(ctx.get('label') as string);
        if (ctx.get('label') === 'blocker') await held.promise;
      });
      runner.register(workflow({ name: 'plain', tasks: [body] }));
      runner.register(workflow({ name: 'urgent', priority: 7, tasks: [body] }));
      const blocker = await runner.executeAsync('plain', { label: 'blocker' });
      await waitFor(() => started.includes('blocker'), 10_000, 'the blocker to start');
      // Written while the only slot is busy: they wait Ready and are claimed by priority.
      const lowered = await runner.executeAsync('urgent', { label: 'lowered' }, { priority: -3 });
      const plain = await runner.executeAsync('plain', { label: 'plain' });
      const byDefault = await runner.executeAsync('urgent', { label: 'default' });
      const raised = await runner.executeAsync('plain', { label: 'raised' }, { priority: 3 });
      held.open();
      const results = await Promise.all(
        [blocker, lowered, plain, byDefault, raised].map((h) =>
          runner.waitForExecution(h.executionId),
        ),
      );
      expect(results.map((r) => r.priority)).toEqual([0, -3, 0, 7, 3]);
      expect(started).toEqual(['blocker', 'default', 'raised', 'plain', 'lowered']);
      const listed = await runner.listExecutionsPage({ workflow: 'urgent' });
      expect(listed.items.map((s) => [s.executionId, s.priority])).toEqual(
        expect.arrayContaining([
          [lowered.executionId, -3],
          [byDefault.executionId, 7],
        ]),
      );
    } finally {
      await stopRunner(runner);
    }
  });

  it('admits Queued executions of a concurrency group by priority, then in order', async () => {
    const runner = await createRunner({ maxConcurrentTasks: 4 });
    try {
      const started: string[] = [];
      const held = gate();
      runner.register(
        workflow({
          name: 'serial',
          concurrency: { limit: 1 },
          tasks: [
            task({ id: 'work' }, async (ctx) => {
              started.push(ctx.get('label') as string);
              if (ctx.get('label') === 'first') await held.promise;
            }),
          ],
        }),
      );
      const first = await runner.executeAsync('serial', { label: 'first' });
      await waitFor(() => started.includes('first'), 10_000, 'the first execution to start');
      const queued = [];
      for (const [label, priority] of [
        ['b', 0],
        ['c', 0],
        ['d', 5],
        ['e', -1],
        ['f', 5],
      ] as const) {
        queued.push(await runner.executeAsync('serial', { label }, { priority }));
      }
      for (const handle of queued) {
        expect(await runner.getExecutionStatus(handle.executionId)).toBe('Queued');
      }
      held.open();
      await Promise.all([first, ...queued].map((h) => runner.waitForExecution(h.executionId)));
      expect(started).toEqual(['first', 'd', 'f', 'b', 'c', 'e']);
    } finally {
      await stopRunner(runner);
    }
  });

  it('refuses a priority that is not an integer from -1000 to 1000, scheduling nothing', async () => {
    const runner = await createRunner();
    try {
      const work = task({ id: 'work' }, () => undefined);
      runner.register(workflow({ name: 'jobs', tasks: [work] }));
      for (const bad of [1.5, 1001, -1001, Number.NaN, '3' as unknown as number]) {
        const error = await runner.executeAsync('jobs', {}, { priority: bad }).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).code).toBe('CONFIG');
        expect((error as ConfigError).message).toMatch(
          /priority must be an integer from -1000 to 1000 \(higher runs first\); received /,
        );
      }
      expect(await runner.listExecutions()).toEqual([]);
      expect(() => workflow({ name: 'bad', priority: 5000, tasks: [work] })).toThrow(
        /workflow 'bad': priority must be an integer from -1000 to 1000 .*received 5000/,
      );
      expect(workflow({ name: 'edge', priority: -1000, tasks: [work] }).priority).toBe(-1000);
    } finally {
      await stopRunner(runner);
    }
  });
});
