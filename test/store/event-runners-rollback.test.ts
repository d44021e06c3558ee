/**
 * The number of an event writer is kept only once the transaction that numbered it committed:
 * a transaction that numbers a writer and then fails leaves no number behind that later rows
 * could name. On PostgreSQL the numbering runs in the failing transaction (its guard is sent
 * with it); on SQLite a failed transaction's events are not written at all. Both backends.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GuardRefusedError, type Db } from '../../src/store/db.js';
import type { NewEvent } from '../../src/store/rows.js';
import { openFreshDb } from '../helpers/db.js';

const event = (executionId: string): NewEvent => ({
  executionId,
  taskId: null,
  type: 'workflow_paused',
  data: null,
  runnerId: 'the-writer',
  createdAtMs: 1_000,
});

describe('event writers numbered in a failed transaction', () => {
  let db: Db;
  beforeEach(async () => {
    db = openFreshDb();
    await db.migrate();
  });
  afterEach(async () => {
    await db.close();
  });

  it('are numbered again by the next transaction, whose rows name them', async () => {
    const failed = db.transaction(async (tx) => {
      tx.announce(event('lost'));
      tx.guard('1 = 0');
    });
    await expect(failed).rejects.toBeInstanceOf(GuardRefusedError);

    await db.transaction(async (tx) => {
      tx.announce(event('kept'));
    });

    const rows = await db.transaction((tx) =>
      tx.all<{ execution_id: string; runner_id: string | null }>(
        `SELECT ev.execution_id, r.runner_id FROM execution_events ev
         LEFT JOIN event_runners r ON r.ref = ev.runner_ref`,
      ),
    );
    expect(rows).toEqual([{ execution_id: 'kept', runner_id: 'the-writer' }]);
    const writers = await db.transaction((tx) =>
      tx.all<{ n: number }>('SELECT COUNT(*) AS n FROM event_runners'),
    );
    expect(Number(writers[0]!.n)).toBe(1);
  });
});
