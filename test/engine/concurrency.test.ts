/**
 * Workflow concurrency limits in one runner: executions beyond a group's limit wait as
 * `Queued` and start, oldest first, as places free up (an end, a failure, a cancel, a pause).
 * Task bodies record their start and end, so "never two at once" is checked from what ran.
 */
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  InputValidationError,
  TriggerResult,
  defineTrigger,
  task,
  workflow,
} from '../../src/index.js';
import { createRunner, stopRunner } from '../helpers/backend.js';
import { waitFor } from '../helpers/wait.js';

/** A promise with its resolver, for task bodies a test releases. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('workflow concurrency', () => {
  it('never runs two executions of one key at once, each key in submission order', async () => {
    const runner = await createRunner({ maxConcurrentTasks: 8 });
    try {
      const spans: { key: string; n: number; start: number; end: number }[] = [];
      let clock = 0;
      runner.register(
        workflow({
          name: 'sync',
          concurrency: { limit: 1, key: (ctx) => ctx['customer'] as string },
          tasks: [
            task({ id: 'work' }, async (ctx) => {
              const start = ++clock;
              await new Promise((resolve) => setTimeout(resolve, 2));
              spans.push({
                key: ctx.get('customer') as string,
                n: Number(ctx.get('n')),
                start,
                end: ++clock,
              });
            }),
          ],
        }),
      );
      const handles = [];
      for (let n = 0; n < 30; n++) {
        handles.push(await runner.executeAsync('sync', { customer: `c${n % 3}`, n }));
      }
      const results = await Promise.all(handles.map((h) => runner.waitForExecution(h.executionId)));
      expect(results.every((r) => r.status === 'Completed')).toBe(true);
      expect(spans).toHaveLength(30);
      for (const key of ['c0', 'c1', 'c2']) {
        const ofKey = spans.filter((s) => s.key === key).sort((a, b) => a.start - b.start);
        for (let i = 1; i < ofKey.length; i++) {
          expect(ofKey[i]!.start).toBeGreaterThan(ofKey[i - 1]!.end);
        }
        expect(ofKey.map((s) => s.n)).toEqual([...ofKey.map((s) => s.n)].sort((a, b) => a - b));
      }
      // Different keys did overlap: the limit is per key, not per workflow.
      const overlapped = spans.some((a) =>
        spans.some((b) => a.key !== b.key && a.start < b.end && b.start < a.end),
      );
      expect(overlapped).toBe(true);
    } finally {
      await stopRunner(runner);
    }
  });

  it('shows a waiting execution as Queued with its group, and starts it when a place frees', async () => {
    const runner = await createRunner();
    const held = gate();
    try {
      runner.register(
        workflow({
          name: 'one-at-a-time',
          concurrency: { limit: 1 },
          tasks: [task({ id: 'work' }, () => held.promise)],
        }),
      );
      const first = await runner.executeAsync('one-at-a-time', {});
      await waitFor(async () => (await runner.getExecutionStatus(first.executionId)) === 'Running');
      const second = await runner.executeAsync('one-at-a-time', {});
      expect(await runner.getExecutionStatus(second.executionId)).toBe('Queued');
      const page = await runner.listExecutionsPage({ workflow: 'one-at-a-time' });
      const listed = page.items.find((item) => item.executionId === second.executionId);
      expect(listed?.status).toBe('Queued');
      expect(listed?.concurrency).toEqual({ key: '', limit: 1 });
      const events = (await runner.getExecutionEvents(second.executionId)).map((e) => e.type);
      expect(events).toContain('workflow_queued');
      expect(events).not.toContain('task_ready');
      const metrics = await runner.metrics();
      expect(metrics).toContain('cloacina_queued_executions{workflow="one-at-a-time"} 1');
      expect(metrics).toContain('cloacina_limit_waits_total{kind="concurrency"} 1');

      held.open();
      expect((await first.wait()).status).toBe('Completed');
      expect((await second.wait()).status).toBe('Completed');
      const after = (await runner.getExecutionEvents(second.executionId)).map((e) => e.type);
      expect(after.indexOf('workflow_admitted')).toBeGreaterThan(after.indexOf('workflow_queued'));
      expect(after.indexOf('task_ready')).toBeGreaterThan(after.indexOf('workflow_admitted'));
    } finally {
      held.open();
      await stopRunner(runner);
    }
  });

  it('frees the place of a cancelled, failed or paused execution', async () => {
    const runner = await createRunner();
    try {
      const held = gate();
      runner.register(
        workflow({
          name: 'guarded',
          concurrency: { limit: 1 },
          tasks: [
            task({ id: 'work', retry: { attempts: 1 } }, async (ctx) => {
              if (ctx.get('fail') === true) throw new Error('boom');
              if (ctx.get('hold') === true) await held.promise;
            }),
            task({ id: 'after', dependencies: ['work'] }, () => undefined),
          ],
        }),
      );
      const failing = await runner.executeAsync('guarded', { fail: true });
      const cancelled = await runner.executeAsync('guarded', { hold: true });
      const paused = await runner.executeAsync('guarded', { hold: true });
      const last = await runner.executeAsync('guarded', {});
      expect((await failing.wait()).status).toBe('Failed');
      await waitFor(
        async () => (await runner.getExecutionStatus(cancelled.executionId)) === 'Running',
      );
      expect(await runner.getExecutionStatus(paused.executionId)).toBe('Queued');
      await runner.cancelExecution(cancelled.executionId);
      await waitFor(
        async () => (await runner.getExecutionStatus(paused.executionId)) === 'Running',
      );
      expect(await runner.getExecutionStatus(last.executionId)).toBe('Queued');
      // A paused execution holds no place: the next one starts while its task finishes.
      await runner.pauseExecution(paused.executionId);
      held.open();
      expect((await last.wait()).status).toBe('Completed');
      // Resumed, it waits for a place again, and gets one at once (the group is empty).
      await runner.resumeExecution(paused.executionId);
      expect((await paused.wait()).status).toBe('Completed');
    } finally {
      await stopRunner(runner);
    }
  });

  it('queues what a trigger fires beyond the limit, each fire still its own execution', async () => {
    const runner = await createRunner();
    const held = gate();
    try {
      runner.register(
        workflow({
          name: 'import',
          concurrency: { limit: 1 },
          tasks: [task({ id: 'work' }, () => held.promise)],
        }),
      );
      // A trigger that never fires by itself: the test fires it by hand.
      const manual = defineTrigger({ name: 'files', pollInterval: '1h' }, () =>
        TriggerResult.skip(),
      );
      await runner.registerTrigger(manual, 'import');
      const first = await runner.fireTrigger('files', { file: 'a.csv' });
      const second = await runner.fireTrigger('files', { file: 'b.csv' });
      expect([first.status, second.status]).toEqual(['fired', 'fired']);
      const [a, b] = [first, second].map((fire) =>
        fire.status === 'fired' ? fire.executionId : '',
      );
      expect(await runner.getExecutionStatus(b!)).toBe('Queued');
      held.open();
      expect((await runner.waitForExecution(a!)).status).toBe('Completed');
      expect((await runner.waitForExecution(b!)).status).toBe('Completed');
    } finally {
      held.open();
      await stopRunner(runner);
    }
  });

  it('refuses a bad concurrency option or key, scheduling nothing', async () => {
    expect(() =>
      workflow({ name: 'bad', concurrency: { limit: 0 }, tasks: [task({ id: 'a' }, () => {})] }),
    ).toThrow(ConfigError);
    const runner = await createRunner();
    try {
      runner.register(
        workflow({
          name: 'keyed',
          concurrency: { limit: 2, key: (ctx) => ctx['tenant'] as string },
          tasks: [task({ id: 'a' }, () => {})],
        }),
      );
      await expect(runner.executeAsync('keyed', {})).rejects.toThrow(InputValidationError);
      await expect(runner.executeAsync('keyed', {})).rejects.toThrow(/concurrency key/);
      expect(await runner.listExecutions({ workflowName: 'keyed' })).toHaveLength(0);
    } finally {
      await stopRunner(runner);
    }
  });
});
