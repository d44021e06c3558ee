/**
 * A slot counts task bodies executing. A task without dependents gives its slot back when its
 * body ends, before its result commits, so a new execution can start in it meanwhile. The
 * result is held back by another connection's lock on the execution row (PostgreSQL).
 */
import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { task, workflow } from '../../src/index.js';
import { createRunner, freshDatabase, stopRunner } from '../helpers/backend.js';
import { lockExecutionRow, opensCompletion, watchQueries } from '../helpers/pg.js';
import { waitFor } from '../helpers/wait.js';

let restore: (() => void) | undefined;
let admin: pg.Client | undefined;

afterEach(async () => {
  restore?.();
  await admin?.end();
  admin = undefined;
});

describe('slots', () => {
  it('a task without dependents frees its slot when its body ends, before its result commits; at most one such result per slot', async () => {
    let completionsSent = 0;
    restore = watchQueries((_client, text) => {
      if (opensCompletion(text)) completionsSent += 1;
    });
    const { url, schema } = freshDatabase();
    // No backstop tick: a claim pass that finds every slot busy marks Ready work as possibly
    // waiting, and the finishing task's write would then reserve the freed slot for it.
    const runner = await createRunner({ maxConcurrentTasks: 1, schedulerPollInterval: '1h' }, url);
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    runner.register(workflow({ name: 'first', tasks: [task({ id: 'only' }, () => released)] }));
    /** Names of the one-task workflows below whose task has started. */
    const started = new Set<string>();
    for (const name of ['warm', 'second', 'third']) {
      runner.register(
        workflow({ name, tasks: [task({ id: 'only' }, () => void started.add(name))] }),
      );
    }
    // One workflow run to its end first: the runner's claims have seen no Ready work waiting.
    expect((await (await runner.executeAsync('warm')).wait('10s')).status).toBe('Completed');
    completionsSent = 0;

    const first = await runner.executeAsync('first');

    // Another connection holds the first execution's row lock: its result cannot commit.
    admin = await lockExecutionRow(schema, first.executionId);
    release();
    await waitFor(() => completionsSent === 1, 10_000, "the first task's completion");

    const second = await runner.executeAsync('second');
    await waitFor(
      () => started.has('second'),
      10_000,
      'the second task to start in the freed slot',
    );
    expect(await runner.getExecutionStatus(first.executionId)).toBe('Running');

    // The second result queues behind the first (one completion transaction at a time), and
    // with one result already waiting without a slot, the second task keeps its slot: a third
    // execution waits, so the runner never holds more than twice its slots in claims.
    const third = await runner.executeAsync('third');
    await expect(waitFor(() => started.has('third'), 500)).rejects.toThrow(/Timed out/);

    await admin.query('COMMIT');
    expect((await first.wait('10s')).status).toBe('Completed');
    expect((await second.wait('10s')).status).toBe('Completed');
    expect((await third.wait('10s')).status).toBe('Completed');
    await stopRunner(runner);
  });
});
