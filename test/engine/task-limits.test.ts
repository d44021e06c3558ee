/**
 * Task concurrency limits in one runner: attempts waiting for a place hold no slot, so other
 * work keeps running; the runner does not claim in a loop while it waits; and the end of a
 * limited attempt starts the next waiting one at once.
 */
import { describe, expect, it } from 'vitest';
import { task, workflow, type Workflow } from '../../src/index.js';
import { createRunner, stopRunner } from '../helpers/backend.js';
import { waitFor } from '../helpers/wait.js';

/** The value of one sample line of a Prometheus text exposition, or 0. */
function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** `limited`: one task `slow`, one attempt at a time, that runs until released. */
function gated(): {
  wf: Workflow;
  started: () => number;
  running: () => number;
  most: () => number;
  release: () => void;
} {
  const gates: (() => void)[] = [];
  let started = 0;
  let running = 0;
  let most = 0;
  const wf = workflow({
    name: 'limited',
    tasks: [
      task({ id: 'slow', concurrency: { limit: 1 } }, async () => {
        started += 1;
        running += 1;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => gates.push(resolve));
        running -= 1;
      }),
    ],
  });
  return {
    wf,
    started: () => started,
    running: () => running,
    most: () => most,
    release: () => gates.shift()?.(),
  };
}

const free = workflow({ name: 'free', tasks: [task({ id: 'quick' }, () => undefined)] });

describe('task concurrency limits', () => {
  it('an unlimited task keeps running while limited ones wait; the waiting runner does not spin', async () => {
    const runner = await createRunner({ maxConcurrentTasks: 2, schedulerPollInterval: '100ms' });
    try {
      const slow = gated();
      runner.register(slow.wf);
      runner.register(free);
      const handles = await Promise.all([1, 2, 3].map(() => runner.executeAsync('limited')));
      await waitFor(() => slow.running() === 1);
      // Two attempts wait for the place and hold no slot: the other slot runs other work.
      for (let i = 0; i < 3; i++) expect((await runner.execute('free')).status).toBe('Completed');
      expect(slow.running()).toBe(1);

      // While it waits, the runner looks again at its poll (100 ms), not in a loop: five
      // more claims held back by the limit take about five polls.
      const waits = async (): Promise<number> =>
        sample(await runner.metrics(), 'cloacina_limit_waits_total', 'kind="task"');
      const before = await waits();
      expect(before).toBeGreaterThan(0);
      const since = Date.now();
      await waitFor(async () => (await waits()) >= before + 5);
      expect(Date.now() - since).toBeGreaterThanOrEqual(300);

      for (let i = 0; i < 3; i++) {
        await waitFor(() => slow.started() === i + 1);
        slow.release();
      }
      const results = await Promise.all(handles.map((h) => h.wait('10s')));
      expect(results.map((r) => r.status)).toEqual(['Completed', 'Completed', 'Completed']);
      expect(slow.most()).toBe(1);
    } finally {
      await stopRunner(runner);
    }
  });

  it('the end of a limited attempt starts the next waiting one, without waiting for a poll', async () => {
    // A poll far longer than the test: only the end of the attempt can start the next one.
    const runner = await createRunner({ maxConcurrentTasks: 4, schedulerPollInterval: '60s' });
    try {
      const slow = gated();
      runner.register(slow.wf);
      const handles = await Promise.all([1, 2, 3].map(() => runner.executeAsync('limited')));
      await waitFor(() => slow.running() === 1);
      for (let i = 0; i < 3; i++) {
        await waitFor(() => slow.started() === i + 1, 5_000, `attempt ${i + 1} to start`);
        slow.release();
      }
      const results = await Promise.all(handles.map((h) => h.wait('10s')));
      expect(results.map((r) => r.status)).toEqual(['Completed', 'Completed', 'Completed']);
      expect(slow.most()).toBe(1);
    } finally {
      await stopRunner(runner);
    }
  });
});
