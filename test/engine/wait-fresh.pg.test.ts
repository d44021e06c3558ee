/**
 * Waiting for an execution this runner has just started, on PostgreSQL: the caller's wait reads
 * nothing before the end (seen at the driver, `pg.Client#query`), and an end written by another
 * runner still reaches it, by the wake-up that runner's commit sends, not by the slow backstop
 * poll (pushed out of reach here by a long poll interval).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { task, workflow, type DefaultRunner } from '../../src/index.js';
import { createRunner, freshDatabase, stopRunner } from '../helpers/backend.js';
import { watchQueries } from '../helpers/pg.js';
import { gate } from '../helpers/gated.js';
import { waitFor } from '../helpers/wait.js';

/** A read of terminal records on its own: the waiters' read, never part of a transaction. */
const isWaiterRead = (text: string): boolean =>
  text.startsWith('SELECT * FROM workflow_executions WHERE id IN');

let restore: (() => void) | undefined;
const runners: DefaultRunner[] = [];

afterEach(async () => {
  restore?.();
  restore = undefined;
  await Promise.all(runners.splice(0).map((runner) => stopRunner(runner)));
});

describe('waiting for an execution this runner started, on PostgreSQL', () => {
  it('reads nothing before the end, and gets the result from the write that ends it', async () => {
    const runner = await createRunner();
    runners.push(runner);
    const held = gate();
    runner.register(workflow({ name: 'held', tasks: [task({ id: 'only' }, held.body)] }));
    let waiterReads = 0;
    restore = watchQueries((_client, text) => {
      if (isWaiterRead(text)) waiterReads += 1;
    });

    const handle = await runner.executeAsync('held');
    const result = handle.wait('10s');
    await waitFor(held.entered, 10_000, 'the task running');
    held.open();

    expect((await result).status).toBe('Completed');
    expect(waiterReads).toBe(0);
  });

  it('gets an end another runner wrote from that runner’s wake-up', async () => {
    const db = freshDatabase();
    const held = gate();
    const definition = workflow({ name: 'elsewhere', tasks: [task({ id: 'only' }, held.body)] });
    // Starts executions and waits; its backstop poll (every 30 s) never comes in this test.
    const starter = await createRunner(
      { enableClaiming: false, schedulerPollInterval: '30s' },
      db.url,
    );
    const worker = await createRunner({}, db.url);
    runners.push(starter, worker);
    starter.register(definition);
    worker.register(definition);

    const handle = await starter.executeAsync('elsewhere');
    await waitFor(held.entered, 10_000, 'the task running on the other runner');
    held.open();
    // Ended and visible to the starter before it waits: the wake-up may already be in.
    await waitFor(
      async () => (await starter.getExecutionStatus(handle.executionId)) === 'Completed',
      10_000,
      'the end committed',
    );

    const result = await handle.wait('10s');
    expect(result.status).toBe('Completed');
  });
});
