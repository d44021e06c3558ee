/**
 * Waiting callers share their reads: many `execute()` callers cost a few reads of ended
 * executions (each the terminal records with their task rows, one round trip), not one or two
 * each, and no read of tasks apart; a read of more ids than one statement holds is split into
 * chunks. On PostgreSQL, an execution whose last task ends in this runner costs its callers no
 * read at all: the write that ends it reads it back with its commit. The guarantees stay: an execution that ended before `wait()` is resolved at
 * once, and one ended by another runner is found (its notice, or the backstop poll).
 */
import { describe, expect, it } from 'vitest';
import { task, workflow, type DefaultRunner } from '../../src/index.js';
import { READ_CHUNK } from '../../src/engine/batched-reads.js';
import type { Store } from '../../src/store/store.js';
import { WRAP_STORE } from '../../src/store-wrapper.js';
import {
  backend,
  createRunner,
  freshDatabaseUrl,
  nextEvent,
  stopRunner,
} from '../helpers/backend.js';
import { gatedWorkload } from '../helpers/gated.js';
import { spyOnStore } from '../helpers/store-spy.js';
import { waitFor } from '../helpers/wait.js';

/** The ids of every call of the read methods waiters use, by method. */
interface Reads {
  readonly ended: number[];
  readonly tasks: number[];
}

/** Wraps a store so the waiters' read methods record the number of ids of each call. */
function countingReads(reads: Reads): (store: Store) => Store {
  const countTasks = (ids: readonly string[] | string): void => {
    reads.tasks.push(typeof ids === 'string' ? 1 : ids.length);
  };
  return spyOnStore({
    getEndedExecutions: (ids: readonly string[]) => {
      reads.ended.push(ids.length);
    },
    getTasksOf: countTasks,
    getTasks: countTasks,
  });
}

async function countedRunner(reads: Reads, url = freshDatabaseUrl()): Promise<DefaultRunner> {
  return createRunner({ [WRAP_STORE]: countingReads(reads) }, url);
}

const sum = (list: readonly number[]): number => list.reduce((a, b) => a + b, 0);

describe('waiters share their reads', () => {
  it('many concurrent execute() callers cost a few reads, not two each', async () => {
    const callers = 60;
    const reads: Reads = { ended: [], tasks: [] };
    const runner = await countedRunner(reads);
    try {
      // Every body is held until all callers wait, so each caller registers before any end.
      const gated = await gatedWorkload(runner, 'gated', 0);
      const before = { ended: reads.ended.length, tasks: reads.tasks.length };
      const results = Array.from({ length: callers }, () => runner.execute('gated', {}));
      // Every caller has asked for its first read, so it is registered: only then may any end.
      await waitFor(
        () => sum(reads.ended.slice(before.ended)) >= callers,
        10_000,
        'every caller to register',
      );
      gated.release();
      const ended = await Promise.all(results);

      expect(ended.map((r) => r.status)).toEqual(Array(callers).fill('Completed'));
      expect(ended.every((r) => r.finalContext.get('done') === true)).toBe(true);
      expect(ended.every((r) => r.taskResults.length === 1)).toBe(true);
      const endedReads = reads.ended.slice(before.ended);
      // One read per caller at registration and one per terminal event would be 2 × callers.
      expect(endedReads.length).toBeLessThan(callers / 3);
      expect(Math.max(...endedReads)).toBeGreaterThan(1);
      // The tasks came with the ended executions.
      expect(reads.tasks.slice(before.tasks)).toEqual([]);
    } finally {
      await stopRunner(runner);
    }
  });

  it('callers whose executions end here get them from the writes that ended them where reads ride with the commit', async () => {
    const reads: Reads = { ended: [], tasks: [] };
    // A slot for every body, all held at once.
    const runner = await createRunner({
      [WRAP_STORE]: countingReads(reads),
      maxConcurrentTasks: 8,
    });
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    try {
      const started = new Set<string>();
      const held = (id: string, body: () => void) =>
        task({ id, retry: { attempts: 1 } }, async (ctx, handle) => {
          started.add(handle.executionId);
          await gate;
          body();
          ctx.set('done', true);
        });
      runner.register(workflow({ name: 'passes', tasks: [held('only', () => undefined)] }));
      runner.register(
        workflow({
          name: 'fails',
          tasks: [
            held('only', () => {
              throw new Error('boom');
            }),
          ],
        }),
      );
      const handles = await Promise.all([
        ...Array.from({ length: 4 }, () => runner.executeAsync('passes', {})),
        ...Array.from({ length: 2 }, () => runner.executeAsync('fails', {})),
      ]);
      await waitFor(() => started.size === handles.length, 10_000, 'every body to start');
      const before = reads.ended.length;
      const waits = handles.map((h) => h.wait('10s'));
      // Every caller has read once (nothing had ended): each is registered.
      await waitFor(
        () => sum(reads.ended.slice(before)) >= handles.length,
        10_000,
        'every caller to register',
      );
      const registered = reads.ended.length;
      release();
      const ended = await Promise.all(waits);

      expect(ended.map((r) => r.status)).toEqual([
        ...Array<string>(4).fill('Completed'),
        ...Array<string>(2).fill('Failed'),
      ]);
      expect(ended.slice(0, 4).every((r) => r.finalContext.get('done') === true)).toBe(true);
      expect(ended.every((r) => r.taskResults.length === 1)).toBe(true);
      if (backend === 'postgres') {
        // Reads ride with the commit: the completions and failures brought them.
        expect(reads.ended.slice(registered)).toEqual([]);
      } else {
        // A read costs no round trip: each is read after its event, as before.
        expect(sum(reads.ended.slice(registered))).toBeGreaterThanOrEqual(handles.length);
      }
      expect(reads.tasks).toEqual([]);
    } finally {
      release();
      await stopRunner(runner);
    }
  });

  it(`reads of more than ${READ_CHUNK} waiting executions are split into chunks`, async () => {
    const count = READ_CHUNK + 20;
    const reads: Reads = { ended: [], tasks: [] };
    const runner = await countedRunner(reads);
    try {
      runner.register(workflow({ name: 'later', tasks: [task({ id: 'only' }, () => undefined)] }));
      const handles = await Promise.all(
        Array.from({ length: count }, () => runner.executeAsync('later', {}, { delay: '1h' })),
      );
      const before = reads.ended.length;
      // All in one turn: one batch of every id, read in chunks.
      const waits = handles.map((h) => h.wait(null));
      await waitFor(() => sum(reads.ended.slice(before)) >= count, 10_000, 'the first read');
      expect(reads.ended.slice(before, before + 2)).toEqual([READ_CHUNK, count - READ_CHUNK]);

      await Promise.all(handles.map((h) => h.cancel()));
      const ended = await Promise.all(waits);
      expect(new Set(ended.map((r) => r.status))).toEqual(new Set(['Cancelled']));
      expect(Math.max(...reads.ended.slice(before))).toBeLessThanOrEqual(READ_CHUNK);
      expect(ended.every((r) => r.taskResults.length === 1)).toBe(true);
    } finally {
      await stopRunner(runner);
    }
  });

  it('an execution that ended before wait() is resolved at once, as a read returns it', async () => {
    const runner = await createRunner();
    try {
      runner.register(
        workflow({ name: 'quick', tasks: [task({ id: 'only' }, (ctx) => ctx.set('x', 1))] }),
      );
      const completed = nextEvent(runner, (e) => e.type === 'workflow_completed');
      const handle = await runner.executeAsync('quick', {});
      await completed;
      const waited = await handle.wait('5s');
      expect(waited.status).toBe('Completed');
      expect(waited).toEqual(await handle.result());
    } finally {
      await stopRunner(runner);
    }
  });

  it('a waiter on an execution another runner ends is resolved', async () => {
    const url = freshDatabaseUrl();
    const worker = await createRunner({}, url);
    // This runner has not registered the workflow, so it claims none of its tasks: the
    // execution ends in the worker, which tells it nothing on SQLite (the backstop poll finds
    // it) and sends a notice on PostgreSQL.
    const waiting = await createRunner({}, url);
    try {
      const gated = await gatedWorkload(worker, 'gated', 3);
      const waits = gated.handles.map((h) => waiting.waitForExecution(h.executionId, '10s'));
      gated.release();
      const ended = await Promise.all(waits);
      expect(ended.map((r) => r.status)).toEqual(['Completed', 'Completed', 'Completed']);
      expect(ended.map((r) => r.finalContext.get('done'))).toEqual([true, true, true]);
    } finally {
      await stopRunner(waiting);
      await stopRunner(worker);
    }
  });
});
