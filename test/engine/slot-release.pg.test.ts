/**
 * A slot counts task bodies executing. A task without dependents gives its slot back when its
 * body ends, before its result commits, so a new execution can start in it meanwhile. The
 * result is held back by another connection's lock on the execution row (PostgreSQL).
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { task, workflow } from '../../src/index.js';
import { createRunner, freshDatabase, stopRunner } from '../helpers/backend.js';
import { PG_URL, watchQueries } from '../helpers/pg.js';
import { waitFor } from '../helpers/wait.js';

let restore: (() => void) | undefined;
let admin: pg.Client | undefined;

afterEach(async () => {
  restore?.();
  await admin?.end();
  admin = undefined;
});

describe('slots', () => {
  it('a task without dependents frees its slot when its body ends, before its result commits', async () => {
    let completionsSent = 0;
    restore = watchQueries((_client, text) => {
      if (text.startsWith('BEGIN;') && text.includes("SET status = 'Completed'")) {
        completionsSent += 1;
      }
    });
    const { url, schema } = freshDatabase();
    const runner = await createRunner({ maxConcurrentTasks: 1 }, url);
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let secondStarted = false;
    runner.register(workflow({ name: 'first', tasks: [task({ id: 'only' }, () => released)] }));
    runner.register(
      workflow({
        name: 'second',
        tasks: [
          task({ id: 'only' }, () => {
            secondStarted = true;
          }),
        ],
      }),
    );
    // One workflow run to its end first: the runner has then seen no Ready work waiting (it
    // keeps slots for waiting work otherwise).
    runner.register(workflow({ name: 'warm', tasks: [task({ id: 'only' }, () => undefined)] }));
    expect((await (await runner.executeAsync('warm')).wait('10s')).status).toBe('Completed');
    completionsSent = 0;

    const first = await runner.executeAsync('first');

    // Another connection holds the first execution's row lock: its result cannot commit.
    admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query('BEGIN');
    await admin.query(`SELECT id FROM "${schema}".workflow_executions WHERE id = $1 FOR UPDATE`, [
      first.executionId,
    ]);
    release();
    await waitFor(() => completionsSent === 1, 10_000, "the first task's completion");

    const second = await runner.executeAsync('second');
    await waitFor(() => secondStarted, 10_000, 'the second task to start in the freed slot');
    expect(await runner.getExecutionStatus(first.executionId)).toBe('Running');

    await admin.query('COMMIT');
    expect((await first.wait('10s')).status).toBe('Completed');
    expect((await second.wait('10s')).status).toBe('Completed');
    await stopRunner(runner);
  });
});
