/**
 * On PostgreSQL a runner sends one completion transaction at a time: concurrent ones would queue
 * on the row locks of the executions they share. Watched at the driver (`pg.Client#query`)
 * while another connection holds the execution's row lock, so the first completion stays open.
 */
import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { task, workflow } from '../../src/index.js';
import { createRunner, freshDatabase, stopRunner } from '../helpers/backend.js';
import { lockExecutionRow, opensCompletion, watchQueries } from '../helpers/pg.js';
import { gate } from '../helpers/gated.js';
import { waitFor } from '../helpers/wait.js';

let restore: (() => void) | undefined;
let admin: pg.Client | undefined;

afterEach(async () => {
  restore?.();
  await admin?.end();
  admin = undefined;
});

describe('completion transactions on PostgreSQL', () => {
  it('one at a time per runner: a task that finishes while one waits on a lock joins the next', async () => {
    // A completion transaction opens with the claim-guarded update of its tasks.
    let sent = 0;
    restore = watchQueries((_client, text) => {
      if (opensCompletion(text)) sent += 1;
    });
    const { url, schema } = freshDatabase();
    const runner = await createRunner({ maxConcurrentTasks: 10 }, url);
    const a = gate();
    const b = gate();
    runner.register(
      workflow({
        name: 'pair',
        tasks: [task({ id: 'a' }, a.body), task({ id: 'b' }, b.body)],
      }),
    );
    const handle = await runner.executeAsync('pair');
    // Both claimed and running first: a claim that starts the execution also takes its row.
    await waitFor(() => a.entered() && b.entered(), 10_000, 'both tasks running');

    // Another connection holds the execution's row lock: a's completion blocks on it.
    admin = await lockExecutionRow(schema, handle.executionId);
    a.open();
    await waitFor(() => sent === 1, 10_000, "a's completion transaction");

    // b finishes meanwhile. Sent at once, its transaction would be a second one open.
    b.open();
    await expect(waitFor(() => sent > 1, 500)).rejects.toThrow(/Timed out/);

    await admin.query('COMMIT');
    const result = await handle.wait('10s');
    await stopRunner(runner);
    expect(result.status).toBe('Completed');
    expect(sent).toBe(2);
  });
});
