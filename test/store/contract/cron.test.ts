/**
 * Store contract, cron: schedules (`insertCronSchedule`, `getCronSchedule`,
 * `listCronSchedules`, `updateCronSchedule`, `deleteCronSchedule`, `dueCronSchedules`), the
 * fire (`claimCronFire`), history and counts (`cronHistory`, `cronStats`) and recovery
 * (`closeFinishedCronRuns`, `findCronLeftovers`, `recoverCronRun`), on both backends.
 */
import { describe, expect } from 'vitest';
import type {
  CronFireClaim,
  CronScheduleRecord,
  NewCronSchedule,
} from '../../../src/store/store.js';
import type { Store } from '../../../src/store/store.js';
import { executionOf } from '../../helpers/plan.js';
import { rawQuery } from '../../helpers/raw.js';
import { waitFor } from '../../helpers/wait.js';
import { RUNNER, complete, test } from './harness.js';
import { single } from '../fixtures/workflows.js';

const MINUTE = 60_000;

/** Inserts schedule `id` of `single`, next due at `nextRunAtMs`. */
function insert(
  store: Store,
  id: string,
  nextRunAtMs: number | null = 10 * MINUTE,
  extra: Partial<NewCronSchedule> = {},
): Promise<CronScheduleRecord> {
  return store.insertCronSchedule({
    id,
    workflowName: 'single',
    expression: '* * * * *',
    timezone: 'UTC',
    catchupPolicy: 'skip',
    context: { report: id },
    startAtMs: null,
    endAtMs: null,
    nextRunAtMs,
    nowMs: 1_000,
    ...extra,
  });
}

/** The claim of `row`'s due time (and any `earlier` ones) as a cron loop at `nowMs` makes it. */
function claimOf(
  row: CronScheduleRecord,
  nowMs: number,
  extra: Partial<CronFireClaim> = {},
  earlier: number[] = [],
): CronFireClaim {
  const times = [...earlier, row.nextRunAtMs!];
  return {
    scheduleId: row.id,
    seenVersion: row.version,
    seenNextRunAtMs: row.nextRunAtMs!,
    nextRunAtMs: row.nextRunAtMs! + MINUTE,
    workflowName: row.workflowName,
    fires: times.map((scheduledTimeMs) => ({
      scheduledTimeMs,
      execution: executionOf(single, {
        nowMs,
        claimRoots: 1,
        initialContext: { scheduled_time: new Date(scheduledTimeMs).toISOString() },
      }),
    })),
    missed: null,
    nowMs,
    runnerId: RUNNER,
    ...extra,
  };
}

describe.concurrent('store contract: cron schedules', () => {
  test('inserts and reads a schedule', async ({ store }) => {
    const created = await insert(store, 's1', 10 * MINUTE, {
      startAtMs: 500,
      endAtMs: 99 * MINUTE,
    });
    expect(created).toEqual({
      id: 's1',
      workflowName: 'single',
      expression: '* * * * *',
      timezone: 'UTC',
      catchupPolicy: 'skip',
      enabled: true,
      context: { report: 's1' },
      startAtMs: 500,
      endAtMs: 99 * MINUTE,
      nextRunAtMs: 10 * MINUTE,
      lastRunAtMs: null,
      version: 1,
      createdAtMs: 1_000,
      updatedAtMs: 1_000,
    });
    expect(await store.getCronSchedule('s1')).toEqual(created);
    expect(await store.getCronSchedule('nope')).toBeNull();
  });

  test('lists schedules in creation order, enabled only when asked, by offset or key', async ({
    store,
  }) => {
    await insert(store, 'b', 1, { nowMs: 1_000 });
    await insert(store, 'a', 1, { nowMs: 2_000 });
    await insert(store, 'c', 1, { nowMs: 2_000 });
    await store.updateCronSchedule('a', 3_000, () => ({ enabled: false, nextRunAtMs: 1 }));
    const ids = async (filter: Parameters<Store['listCronSchedules']>[0]) =>
      (await store.listCronSchedules(filter)).map((s) => s.id);

    expect(await ids({ enabledOnly: false, limit: 10, offset: 0 })).toEqual(['b', 'a', 'c']);
    expect(await ids({ enabledOnly: true, limit: 10, offset: 0 })).toEqual(['b', 'c']);
    expect(await ids({ enabledOnly: false, limit: 1, offset: 1 })).toEqual(['a']);
    expect(
      await ids({
        enabledOnly: false,
        limit: 10,
        offset: 0,
        after: { createdAtMs: 2_000, id: 'a' },
      }),
    ).toEqual(['c']);
  });

  test('an update patches what its change returns, from the row as it is', async ({ store }) => {
    await insert(store, 's1');
    let seen: CronScheduleRecord | undefined;
    const updated = await store.updateCronSchedule('s1', 2_000, (current) => {
      seen = current;
      return { expression: '*/5 * * * *', nextRunAtMs: 15 * MINUTE };
    });

    expect(seen?.version).toBe(1);
    expect(updated).toMatchObject({
      expression: '*/5 * * * *',
      timezone: 'UTC',
      enabled: true,
      nextRunAtMs: 15 * MINUTE,
      version: 2,
      updatedAtMs: 2_000,
    });
    const paused = await store.updateCronSchedule('s1', 3_000, () => ({
      enabled: false,
      timezone: 'Europe/Paris',
      nextRunAtMs: null,
    }));
    expect(paused).toMatchObject({ enabled: false, timezone: 'Europe/Paris', nextRunAtMs: null });
    expect(await store.updateCronSchedule('nope', 3_000, () => ({ nextRunAtMs: 1 }))).toBeNull();
  });

  test('a change that throws aborts the update', async ({ store }) => {
    const before = await insert(store, 's1');
    await expect(
      store.updateCronSchedule('s1', 2_000, () => {
        throw new Error('invalid expression');
      }),
    ).rejects.toThrow('invalid expression');
    expect(await store.getCronSchedule('s1')).toEqual(before);
  });

  test('deletes a schedule, keeping its history', async ({ store }) => {
    const row = await insert(store, 's1');
    await store.claimCronFire(claimOf(row, 11 * MINUTE));

    expect(await store.deleteCronSchedule('s1')).toBe(true);
    expect(await store.deleteCronSchedule('s1')).toBe(false);
    expect(await store.getCronSchedule('s1')).toBeNull();
    const runs = await store.cronHistory({ scheduleId: 's1', limit: 10, offset: 0 });
    expect(runs).toHaveLength(1);
  });

  test('due schedules: enabled, of the named workflows, with a next run, earliest first', async ({
    store,
  }) => {
    await insert(store, 'late', 30 * MINUTE);
    await insert(store, 'early', 10 * MINUTE);
    await insert(store, 'ended', null);
    await insert(store, 'other', 5 * MINUTE, { workflowName: 'pair' });
    await insert(store, 'off', 1 * MINUTE);
    await store.updateCronSchedule('off', 2_000, () => ({ enabled: false, nextRunAtMs: MINUTE }));
    const due = async (names: string[], limit = 10) =>
      (await store.dueCronSchedules({ workflowNames: names, limit })).map((s) => s.id);

    expect(await due(['single'])).toEqual(['early', 'late']);
    expect(await due(['single', 'pair'])).toEqual(['other', 'early', 'late']);
    expect(await due(['single', 'pair'], 1)).toEqual(['other']);
    expect(await due([])).toEqual([]);
  });
});

describe.concurrent('store contract: cron fires', () => {
  test('a claim moves the schedule on and hands each time off to an execution', async ({
    store,
  }) => {
    const row = await insert(store, 's1', 10 * MINUTE);
    const claim = claimOf(row, 10 * MINUTE + 5, {
      missed: { count: 3, firstMs: 6 * MINUTE, message: '3 times skipped' },
    });

    const outcome = await store.claimCronFire(claim);

    const fire = claim.fires[0]!;
    expect(outcome).toMatchObject({
      claimed: true,
      fired: [{ scheduledTimeMs: 10 * MINUTE, executionId: fire.execution.id }],
    });
    expect(outcome.roots.map((t) => [t.executionId, t.taskId])).toEqual([
      [fire.execution.id, 'only'],
    ]);
    expect(await store.getCronSchedule('s1')).toMatchObject({
      nextRunAtMs: 11 * MINUTE,
      lastRunAtMs: 10 * MINUTE,
      version: 2,
    });
    expect(await store.getExecution(fire.execution.id)).toMatchObject({
      status: 'Running',
      initialContext: fire.execution.initialContext,
    });
    const runs = await store.cronHistory({ scheduleId: 's1', limit: 10, offset: 0 });
    expect(
      runs.map((r) => [r.status, r.scheduledTimeMs, r.workflowExecutionId, r.missedCount]),
    ).toEqual([
      ['open', 10 * MINUTE, fire.execution.id, null],
      ['missed', 6 * MINUTE, null, 3],
    ]);
    const events = await waitFor(async () => {
      const page = await store.readEvents({ after: null, limit: 20, workflow: 'single' });
      return page.events.length >= 2 ? page.events : null;
    });
    expect(events.slice(0, 2).map((e) => [e.type, e.executionId, e.data])).toEqual([
      [
        'cron_missed',
        null,
        {
          scheduleId: 's1',
          count: 3,
          firstScheduledTime: new Date(6 * MINUTE).toISOString(),
          message: '3 times skipped',
        },
      ],
      [
        'cron_fired',
        fire.execution.id,
        { scheduleId: 's1', scheduledTime: new Date(10 * MINUTE).toISOString() },
      ],
    ]);

    // The execution's end closes its run.
    await complete(store, outcome.roots, 10 * MINUTE + 50);
    const [closed] = await store.cronHistory({ scheduleId: 's1', limit: 1, offset: 0 });
    expect(closed).toMatchObject({ status: 'completed', completedAtMs: 10 * MINUTE + 50 });
  });

  test('a claim from a stale read, or of a disabled schedule, writes nothing', async ({
    store,
  }) => {
    const row = await insert(store, 's1', 10 * MINUTE);
    const stale = claimOf(row, 10 * MINUTE);
    expect((await store.claimCronFire(claimOf(row, 10 * MINUTE))).claimed).toBe(true);

    expect(await store.claimCronFire(stale)).toEqual({ claimed: false, fired: [], roots: [] });
    const current = (await store.getCronSchedule('s1'))!;
    const disabled = (await store.updateCronSchedule('s1', 2_000, (s) => ({
      enabled: false,
      nextRunAtMs: s.nextRunAtMs,
    })))!;
    expect((await store.claimCronFire(claimOf(disabled, 11 * MINUTE))).claimed).toBe(false);
    expect(current.version).toBe(2);
    expect(await store.cronHistory({ scheduleId: 's1', limit: 10, offset: 0 })).toHaveLength(1);
    expect(await store.getExecution(stale.fires[0]!.execution.id)).toBeNull();
  });

  test('of two processes claiming one time, one fires it', async ({ store, another }) => {
    const other = await another();
    const row = await insert(store, 's1', 10 * MINUTE);
    const outcomes = await Promise.all([
      store.claimCronFire(claimOf(row, 10 * MINUTE)),
      other.claimCronFire(claimOf(row, 10 * MINUTE)),
    ]);

    expect(outcomes.map((o) => o.claimed).sort()).toEqual([false, true]);
    expect(await store.cronHistory({ scheduleId: 's1', limit: 10, offset: 0 })).toHaveLength(1);
    expect(await store.countActiveExecutions()).toBe(1);
  });

  test('a time already in the history is left out rather than fired twice', async ({ store }) => {
    const row = await insert(store, 's1', 10 * MINUTE);
    await store.claimCronFire(claimOf(row, 10 * MINUTE));
    const moved = (await store.getCronSchedule('s1'))!;
    // A claim that names 10:00 again besides the due 11:00 (a bypassed compare-and-set).
    const again = claimOf(moved, 11 * MINUTE, {}, [10 * MINUTE]);

    const outcome = await store.claimCronFire(again);

    expect(outcome.claimed).toBe(true);
    expect(outcome.fired.map((f) => f.scheduledTimeMs)).toEqual([11 * MINUTE]);
    expect(await store.getExecution(again.fires[0]!.execution.id)).toBeNull();
    const times = (await store.cronHistory({ scheduleId: 's1', limit: 10, offset: 0 })).map(
      (r) => r.scheduledTimeMs,
    );
    expect(times).toEqual([11 * MINUTE, 10 * MINUTE]);
  });

  test('history newest first, by offset or before a time; counts since a time', async ({
    store,
  }) => {
    let row = await insert(store, 's1', 10 * MINUTE);
    const roots = [];
    for (let i = 0; i < 4; i += 1) {
      const outcome = await store.claimCronFire(
        claimOf(
          row,
          row.nextRunAtMs!,
          i === 0 ? { missed: { count: 2, firstMs: MINUTE, message: 'm' } } : {},
        ),
      );
      roots.push(...outcome.roots);
      row = (await store.getCronSchedule('s1'))!;
    }
    // 10:00 completes, 11:00 fails, 12:00 is cancelled, 13:00 stays open.
    await complete(store, [roots[0]!], 20 * MINUTE);
    await store.failTask({ ...roots[1]!, errorMessage: 'x', nowMs: 20 * MINUTE, runnerId: RUNNER });
    await store.cancelExecution({
      executionId: roots[2]!.executionId,
      nowMs: 20 * MINUTE,
      runnerId: RUNNER,
    });

    const history = async (filter: Partial<Parameters<Store['cronHistory']>[0]>) =>
      (await store.cronHistory({ scheduleId: 's1', limit: 10, offset: 0, ...filter })).map((r) => [
        r.scheduledTimeMs / MINUTE,
        r.status,
      ]);
    expect(await history({})).toEqual([
      [13, 'open'],
      [12, 'cancelled'],
      [11, 'failed'],
      [10, 'completed'],
      [1, 'missed'],
    ]);
    expect(await history({ limit: 2, offset: 1 })).toEqual([
      [12, 'cancelled'],
      [11, 'failed'],
    ]);
    expect(await history({ beforeTimeMs: 11 * MINUTE })).toEqual([
      [10, 'completed'],
      [1, 'missed'],
    ]);
    expect(await store.cronStats({ sinceMs: 0 })).toEqual({
      total: 4,
      successful: 1,
      failed: 2,
      lost: 0,
      missed: 2,
    });
    expect(await store.cronStats({ sinceMs: 99 * MINUTE })).toEqual({
      total: 0,
      successful: 0,
      failed: 0,
      lost: 0,
      missed: 0,
    });
  });
});

describe.concurrent('store contract: cron recovery', () => {
  test('closes open runs whose execution ended without closing them', async ({ store, db }) => {
    const row = await insert(store, 's1', 10 * MINUTE);
    const outcome = await store.claimCronFire(claimOf(row, 10 * MINUTE));
    const executionId = outcome.fired[0]!.executionId;
    // As a run written before executions closed their runs: unlinked, so its end leaves it open.
    await rawQuery(db, 'UPDATE workflow_executions SET schedule_linked = 0 WHERE id = ?', [
      executionId,
    ]);
    await complete(store, outcome.roots, 10 * MINUTE + 7);
    expect((await store.cronHistory({ scheduleId: 's1', limit: 1, offset: 0 }))[0]?.status).toBe(
      'open',
    );

    expect(await store.closeFinishedCronRuns(20 * MINUTE)).toBe(1);
    expect((await store.cronHistory({ scheduleId: 's1', limit: 1, offset: 0 }))[0]).toMatchObject({
      status: 'completed',
      completedAtMs: 10 * MINUTE + 7,
    });
    expect(await store.closeFinishedCronRuns(20 * MINUTE)).toBe(0);
  });

  test('finds open runs whose execution is gone, re-hands one off, and marks one lost', async ({
    store,
    db,
  }) => {
    const row = await insert(store, 's1', 10 * MINUTE);
    const first = await store.claimCronFire(claimOf(row, 10 * MINUTE));
    const next = (await store.getCronSchedule('s1'))!;
    const second = await store.claimCronFire(claimOf(next, 11 * MINUTE));
    // Their executions removed from outside: the runs stay open without one.
    for (const outcome of [first, second]) {
      const id = outcome.fired[0]!.executionId;
      await rawQuery(db, 'DELETE FROM task_executions WHERE execution_id = ?', [id]);
      await rawQuery(db, 'DELETE FROM workflow_executions WHERE id = ?', [id]);
    }

    expect(await store.findCronLeftovers({ startedBeforeMs: 10 * MINUTE, limit: 10 })).toEqual([]);
    const leftovers = await store.findCronLeftovers({ startedBeforeMs: 12 * MINUTE, limit: 10 });
    expect(leftovers.map((l) => [l.run.scheduledTimeMs, l.schedule?.id])).toEqual([
      [10 * MINUTE, 's1'],
      [11 * MINUTE, 's1'],
    ]);
    const [old, young] = leftovers;

    const execution = executionOf(single, { nowMs: 30 * MINUTE });
    const recover = (input: Partial<Parameters<Store['recoverCronRun']>[0]>) =>
      store.recoverCronRun({
        runId: young!.run.id,
        seenRecoveryAttempts: 0,
        execution,
        lostReason: '',
        nowMs: 30 * MINUTE,
        ...input,
      });
    expect(await recover({ seenRecoveryAttempts: 1 })).toBe(false);
    expect(await recover({})).toBe(true);
    expect(await recover({})).toBe(false);
    expect(await store.getExecution(execution.id)).toMatchObject({ status: 'Pending' });
    expect(
      await store.recoverCronRun({
        runId: old!.run.id,
        seenRecoveryAttempts: 0,
        execution: null,
        lostReason: 'lost: too old',
        nowMs: 30 * MINUTE,
      }),
    ).toBe(true);

    const runs = await store.cronHistory({ scheduleId: 's1', limit: 10, offset: 0 });
    expect(
      runs.map((r) => [
        r.scheduledTimeMs / MINUTE,
        r.status,
        r.workflowExecutionId,
        r.recoveryAttempts,
        r.message,
      ]),
    ).toEqual([
      [11, 'open', execution.id, 1, null],
      // The id of the execution that was removed stays as it was.
      [10, 'lost', first.fired[0]!.executionId, 0, 'lost: too old'],
    ]);
    expect(await store.findCronLeftovers({ startedBeforeMs: 99 * MINUTE, limit: 10 })).toEqual([]);
    expect((await store.cronStats({ sinceMs: 0 })).lost).toBe(1);
    const recovered = await waitFor(async () => {
      const page = await store.readEvents({ after: null, limit: 100, executionId: execution.id });
      return page.events.length > 0 ? page.events[0] : null;
    });
    expect(recovered).toMatchObject({
      type: 'cron_fired',
      data: {
        scheduleId: 's1',
        scheduledTime: new Date(11 * MINUTE).toISOString(),
        recovered: true,
      },
    });
  });
});
