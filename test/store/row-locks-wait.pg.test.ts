/**
 * PostgreSQL's row locks make a second writer of a locked row wait until the holder commits:
 * here a group stripe, locked by one transaction and wanted, with every other stripe of its
 * group, by a second.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StripeRange, Tx } from '../../src/store/db.js';
import { PgDb } from '../../src/store/postgres/pg-db.js';
import { freshDatabase } from '../helpers/backend.js';
import { PG_URL } from '../helpers/pg.js';
import { waitFor } from '../helpers/wait.js';

const stripes = (first: number, last: number): StripeRange[] => [
  { workflowName: 'wf', key: 'k', first, last },
];

describe('row locks on PostgreSQL', () => {
  let db: PgDb;
  beforeEach(async () => {
    db = new PgDb({ url: PG_URL, poolSize: 3, schema: freshDatabase().schema });
    await db.migrate();
  });
  afterEach(async () => {
    await db.close();
  });

  it('makes a second writer of a locked stripe wait until the holder commits', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let held!: () => void;
    const holding = new Promise<void>((resolve) => (held = resolve));
    const holder = db.transaction(async (tx) => {
      tx.locks.groupStripes(tx, stripes(3, 3));
      await tx.all('SELECT 1 AS one');
      held();
      await released;
    });
    await holding;

    let waiterPid = 0;
    let waiterDone = false;
    const waiter = db
      .transaction(async (tx: Tx) => {
        waiterPid = Number((await tx.get<{ pid: number }>('SELECT pg_backend_pid() AS pid'))!.pid);
        // Every stripe of the group, the held one among them.
        tx.locks.groupStripes(tx, stripes(0, 7));
        await tx.all('SELECT 1 AS one');
      })
      .then(() => {
        waiterDone = true;
      });

    await waitFor(
      async () =>
        waiterPid !== 0 &&
        (
          await db.transaction(async (tx) =>
            tx.get<{ wait: string | null }>(
              'SELECT wait_event_type AS wait FROM pg_stat_activity WHERE pid = ?',
              [waiterPid],
            ),
          )
        )?.wait === 'Lock',
      10_000,
      'the second writer to wait on a row lock',
    );
    expect(waiterDone).toBe(false);
    release();
    await holder;
    await waiter;
    expect(waiterDone).toBe(true);
  });
});
