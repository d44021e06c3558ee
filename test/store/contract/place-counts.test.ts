/**
 * Store contract, concurrency place counts (`concurrency_counts`): the database keeps each
 * group's count of Pending and Running executions in the transaction that changes one, through
 * every path (start, queue, admission, completion, failure, cancel, pause, resume, a delete and
 * a move behind the store's back), from several stores at once, and a fold keeps every sum. The
 * count must always equal what the executions say: admission trusts it.
 */
import { describe, expect } from 'vitest';
import type { ClaimedTask, ScheduledExecution, Store } from '../../../src/store/store.js';
import { backend, type FreshDatabase } from '../../helpers/backend.js';
import { rawQuery, rawTransaction } from '../../helpers/raw.js';
import { RUNNER, claim, complete, schedule, test } from './harness.js';
import { executionOf } from '../../helpers/plan.js';
import { single } from '../fixtures/workflows.js';

/** Places by group as `concurrency_counts` holds them (groups summing to 0 left out). */
async function counted(db: FreshDatabase): Promise<Record<string, number>> {
  const rows = await rawQuery<{ workflow_name: string; concurrency_key: string; n: number }>(
    db,
    `SELECT workflow_name, concurrency_key, SUM(active) AS n FROM concurrency_counts
     GROUP BY workflow_name, concurrency_key`,
  );
  return Object.fromEntries(
    rows
      .filter((row) => Number(row.n) !== 0)
      .map((row) => [`${row.workflow_name}/${row.concurrency_key}`, Number(row.n)]),
  );
}

/** Places by group as the executions say. */
async function actual(db: FreshDatabase): Promise<Record<string, number>> {
  const rows = await rawQuery<{ workflow_name: string; concurrency_key: string; n: number }>(
    db,
    `SELECT workflow_name, concurrency_key, COUNT(*) AS n FROM workflow_executions
     WHERE concurrency_key IS NOT NULL AND status IN ('Pending', 'Running')
     GROUP BY workflow_name, concurrency_key`,
  );
  return Object.fromEntries(
    rows.map((row) => [`${row.workflow_name}/${row.concurrency_key}`, Number(row.n)]),
  );
}

/** Checks the counts against the executions, and returns them. */
async function agree(db: FreshDatabase): Promise<Record<string, number>> {
  const expected = await actual(db);
  expect(await counted(db)).toEqual(expected);
  return expected;
}

function fail(store: Store, task: ClaimedTask, nowMs: number) {
  return store.failTask({
    ...task,
    executionId: task.executionId,
    errorMessage: 'boom',
    nowMs,
    runnerId: RUNNER,
  });
}

const tight = { key: 'tight', limit: 2 };
const roomy = { key: 'roomy', limit: 1_000 };

describe.concurrent('store contract: concurrency place counts', () => {
  test('follow every change of an execution’s place', async ({ store, db }) => {
    const started: ScheduledExecution[] = [];
    for (let i = 0; i < 4; i++) {
      started.push(await schedule(store, single, { concurrency: tight, nowMs: 1_000 + i }));
      started.push(await schedule(store, single, { concurrency: roomy, nowMs: 1_000 + i }));
    }
    await schedule(store, single); // no limit: no place
    expect(await agree(db)).toEqual({ 'single/tight': 2, 'single/roomy': 4 });
    // Running, then ended by a completion and by a failure: both free a place, and the tight
    // group's transaction admits a Queued execution into it.
    const claimed = await claim(store, single);
    expect(await agree(db)).toEqual({ 'single/tight': 2, 'single/roomy': 4 });
    const of = (i: number): ClaimedTask =>
      claimed.find((c) => c.executionId === started[i]!.record.id)!;
    await complete(store, [of(0)]); // tight: admits a Queued one
    await fail(store, of(1), 3_001); // roomy
    expect(await agree(db)).toEqual({ 'single/tight': 2, 'single/roomy': 3 });

    // Cancel, pause and resume.
    const roomyLeft = started.filter((s, i) => i % 2 === 1 && i > 1).map((s) => s.record.id);
    await store.cancelExecution({ executionId: roomyLeft[0]!, nowMs: 4_000, runnerId: RUNNER });
    await store.pauseExecution({
      executionId: roomyLeft[1]!,
      reason: null,
      nowMs: 4_001,
      runnerId: RUNNER,
    });
    expect(await agree(db)).toEqual({ 'single/tight': 2, 'single/roomy': 1 });
    await store.resumeExecution({ executionId: roomyLeft[1]!, nowMs: 4_002, runnerId: RUNNER });
    expect(await agree(db)).toEqual({ 'single/tight': 2, 'single/roomy': 2 });

    // Behind the store's back: a row moved to another group, and a row deleted.
    await rawQuery(db, `UPDATE workflow_executions SET concurrency_key = 'moved' WHERE id = ?`, [
      roomyLeft[1]!,
    ]);
    expect(await agree(db)).toEqual({
      'single/tight': 2,
      'single/roomy': 1,
      'single/moved': 1,
    });
    await rawTransaction(db, [
      { sql: 'DELETE FROM task_executions WHERE execution_id = ?', params: [roomyLeft[1]!] },
      { sql: 'DELETE FROM workflow_executions WHERE id = ?', params: [roomyLeft[1]!] },
    ]);
    expect(await agree(db)).toEqual({ 'single/tight': 2, 'single/roomy': 1 });

    // Everything run to its end: no place left anywhere.
    await store.completeTasks({
      completions: claimed.map((c) => ({ ...c, output: {} })),
      nowMs: 5_000,
      runnerId: RUNNER,
    });
    for (let round = 0; round < 5; round++) {
      const batch = await claim(store, single, 5_000 + round);
      if (batch.length > 0) await complete(store, batch, 5_000 + round);
    }
    expect(await agree(db)).toEqual({});
  });

  test('count the executions one statement writes, by group', async ({ store, db }) => {
    // Many executions of several groups written in one statement.
    await store.scheduleExecutions([
      ...[1, 2, 3].map((i) =>
        executionOf(single, { concurrency: { key: 'batch-a', limit: 10 }, nowMs: 1_100 + i }),
      ),
      ...[1, 2].map((i) =>
        executionOf(single, { concurrency: { key: 'batch-b', limit: 10 }, nowMs: 1_100 + i }),
      ),
      executionOf(single),
    ]);
    expect(await agree(db)).toEqual({
      'single/batch-a': 3,
      'single/batch-b': 2,
    });

    const claimed = await claim(store, single);
    expect(claimed).toHaveLength(6);
    await complete(store, claimed);
    expect(await agree(db)).toEqual({});
  });

  test('stay exact with two stores racing, and a fold keeps every sum', async ({
    store,
    another,
    db,
  }) => {
    const stores = [store, await another()];
    // Six lanes over two stores, each scheduling 20 and running one of every three.
    await Promise.all(
      Array.from({ length: 6 }, async (_, lane) => {
        const own = stores[lane % 2]!;
        for (let i = 1; i <= 20; i++) {
          const at = 1_000 + lane * 100 + i;
          await schedule(own, single, { concurrency: roomy, nowMs: at });
          if (i % 3 === 0) {
            const batch = await claim(own, single, at, 1);
            if (batch.length > 0) await complete(own, batch, at);
          }
        }
      }),
    );
    const before = await agree(db);
    // At most one in three ran (on PostgreSQL a claim may find the oldest locked and take none).
    expect(before['single/roomy']).toBeGreaterThanOrEqual(120 - 6 * 6);

    const slots = async (): Promise<number> =>
      Number(
        (
          await rawQuery<{ n: number }>(
            db,
            'SELECT COUNT(*) AS n FROM concurrency_counts WHERE slot <> 0',
          )
        )[0]!.n,
      );
    // PostgreSQL counts per database session; SQLite's single writer keeps one row per group.
    const sessionRows = await slots();
    if (backend === 'postgres') expect(sessionRows).toBeGreaterThan(0);
    else expect(sessionRows).toBe(0);

    expect(await store.foldPlaceCounts()).toBe(sessionRows);
    expect(await slots()).toBe(0);
    expect(await agree(db)).toEqual(before);
    // Later changes add to new session rows on top of the folded sum.
    const batch = await claim(store, single, 9_000, 10);
    await complete(store, batch, 9_000);
    await agree(db);
  });

  test('a database migrated from before the counts starts with its executions counted', async ({
    store,
    db,
  }) => {
    await schedule(store, single, { concurrency: tight });
    await schedule(store, single, { concurrency: tight, nowMs: 1_001 });
    await schedule(store, single, { concurrency: tight, nowMs: 1_002 }); // Queued
    // Back to the schema before migration 24, keeping the executions.
    const drop =
      backend === 'postgres'
        ? ['DROP TABLE concurrency_counts', 'DROP FUNCTION cloacina_count_places() CASCADE']
        : [
            'DROP TRIGGER workflow_executions_places_insert',
            'DROP TRIGGER workflow_executions_places_update',
            'DROP TRIGGER workflow_executions_places_delete',
            'DROP TABLE concurrency_counts',
          ];
    await rawTransaction(db, [
      ...drop.map((sql) => ({ sql })),
      { sql: 'DELETE FROM schema_migrations WHERE id = 24' },
    ]);
    await store.migrate();
    expect(await agree(db)).toEqual({ 'single/tight': 2 });
  });
});
