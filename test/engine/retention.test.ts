/**
 * `runner.prune()`: which executions and history rows go, and what stays linked to them. Time
 * is a manual clock: executions end at T0, and the clock is set weeks later to age them.
 */
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  ManualClock,
  NotFoundError,
  TaskError,
  TriggerResult,
  defineTrigger,
  task,
  workflow,
  type DefaultRunner,
} from '../../src/index.js';
import { createRunner, freshDatabase, stopRunner, type FreshDatabase } from '../helpers/backend.js';
import { rawQuery } from '../helpers/raw.js';
import { countByPrefix, seedExecutions } from '../helpers/seed.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

/** Every row of an execution: the execution, its tasks and its events (log lines included). */
async function rowsOf(db: FreshDatabase, id: string): Promise<[number, number, number]> {
  const one = async (sql: string): Promise<number> =>
    Number((await rawQuery<{ n: number | string }>(db, sql, [id]))[0]?.n ?? 0);
  return [
    await one('SELECT COUNT(*) AS n FROM workflow_executions WHERE id = ?'),
    await one('SELECT COUNT(*) AS n FROM task_executions WHERE execution_id = ?'),
    await one('SELECT COUNT(*) AS n FROM execution_events WHERE execution_id = ?'),
  ];
}

/** The counts a prune of exactly `ids` reports (executions, tasks, events), read beforehand. */
async function expectedCounts(db: FreshDatabase, ids: readonly string[]) {
  let tasks = 0;
  let events = 0;
  for (const id of ids) {
    const [, t, e] = await rowsOf(db, id);
    tasks += t;
    events += e;
  }
  return { executions: ids.length, tasks, events };
}

/** Workflows ending each way: `ok` (two tasks, a log line), `bad` (fails), `wait` (until cancelled). */
function registerFlows(runner: DefaultRunner, state: { fail: boolean }): void {
  runner.register(
    workflow({
      name: 'ok',
      tasks: [
        task({ id: 'a' }, (ctx, handle) => {
          handle.log.info('working');
          ctx.set('a', 1);
        }),
        task({ id: 'b', dependencies: ['a'] }, (ctx) => void ctx.set('b', 2)),
      ],
    }),
  );
  runner.register(
    workflow({
      name: 'bad',
      tasks: [
        task({ id: 'fragile' }, () => {
          if (state.fail) throw new TaskError('broken', { retryable: false });
        }),
      ],
    }),
  );
  runner.register(
    workflow({
      name: 'wait',
      tasks: [
        task(
          { id: 'forever' },
          (_ctx, handle) =>
            new Promise<void>((resolve) =>
              handle.signal.addEventListener('abort', () => resolve()),
            ),
        ),
      ],
    }),
  );
}

describe('runner.prune', () => {
  it('deletes ended executions past the age with all their rows, by status, and counts first with dryRun', async () => {
    const db = freshDatabase();
    const clock = new ManualClock(T0);
    const runner = await createRunner({ clock }, db.url);
    registerFlows(runner, { fail: true });

    const ok = await runner.execute('ok');
    const bad = await runner.execute('bad');
    const cancelled = await runner.executeAsync('wait');
    await runner.cancelExecution(cancelled.executionId);
    expect(await cancelled.status()).toBe('Cancelled');
    // Started at T0 and still running when everything else is pruned.
    const running = await runner.executeAsync('wait');
    clock.set(T0 + 10 * DAY);
    const young = await runner.execute('ok');
    expect([ok.status, bad.status, young.status]).toEqual(['Completed', 'Failed', 'Completed']);
    clock.set(T0 + 31 * DAY);
    const runningRows = await rowsOf(db, running.executionId);

    // Only Failed: the one failed execution, and not a row more.
    const failedOnly = await expectedCounts(db, [bad.executionId]);
    const failedCount = await runner.prune({ olderThan: '30d', status: 'Failed', dryRun: true });
    expect(failedCount).toEqual({ ...failedOnly, triggerRuns: 0, cronRuns: 0, dryRun: true });
    expect(await rowsOf(db, bad.executionId)).toEqual([1, 1, failedOnly.events]);
    expect(await runner.prune({ olderThan: '30d', status: 'Failed' })).toEqual({
      ...failedCount,
      dryRun: false,
    });
    expect(await rowsOf(db, bad.executionId)).toEqual([0, 0, 0]);
    expect(await rowsOf(db, ok.executionId)).not.toEqual([0, 0, 0]);
    await expect(runner.getExecutionResult(bad.executionId)).rejects.toBeInstanceOf(NotFoundError);

    // Every terminal status: Completed and Cancelled past 30 days; the young and the running stay.
    const rest = await expectedCounts(db, [ok.executionId, cancelled.executionId]);
    const counted = await runner.prune({ olderThan: '30d', dryRun: true });
    expect(counted).toEqual({ ...rest, triggerRuns: 0, cronRuns: 0, dryRun: true });
    expect(await runner.prune({ olderThan: '30d' })).toEqual({ ...counted, dryRun: false });
    expect(await rowsOf(db, ok.executionId)).toEqual([0, 0, 0]);
    expect(await rowsOf(db, cancelled.executionId)).toEqual([0, 0, 0]);
    expect((await rowsOf(db, young.executionId))[0]).toBe(1);
    expect(await rowsOf(db, running.executionId)).toEqual(runningRows);
    expect(await running.status()).toBe('Running');
    expect(await runner.prune({ olderThan: '30d', dryRun: true })).toMatchObject({
      executions: 0,
      tasks: 0,
      events: 0,
    });

    await runner.cancelExecution(running.executionId);
    await stopRunner(runner);
  });

  it('keeps a rerun whole when its original is pruned, and frees a pruned execution’s idempotency key', async () => {
    const db = freshDatabase();
    const clock = new ManualClock(T0);
    const runner = await createRunner({ clock }, db.url);
    const state = { fail: true };
    registerFlows(runner, state);

    const original = await runner.execute('bad');
    const keyed = await runner.execute('ok', {}, { idempotencyKey: 'order-1' });
    clock.set(T0 + DAY);
    state.fail = false;
    const rerun = await (await runner.rerunExecution(original.executionId)).wait();
    expect(rerun.status).toBe('Completed');
    expect((await runner.executeAsync('ok', {}, { idempotencyKey: 'order-1' })).created).toBe(
      false,
    );

    clock.set(T0 + 30 * DAY + DAY / 2);
    const pruned = await runner.prune({ olderThan: '30d' });
    expect(pruned.executions).toBe(2);
    await expect(runner.getExecutionResult(original.executionId)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    // The rerun still names its original (an id that reads as pruned) and works as before.
    const after = await runner.getExecutionResult(rerun.executionId);
    expect(after.status).toBe('Completed');
    expect(after.rerunOf).toBe(original.executionId);
    expect(after.taskResults.map((t) => t.status)).toEqual(['Completed']);
    const second = await (await runner.rerunExecution(rerun.executionId, { from: 'start' })).wait();
    expect(second.rerunOf).toBe(rerun.executionId);
    await expect(runner.rerunExecution(original.executionId)).rejects.toBeInstanceOf(NotFoundError);

    // The key lived as long as its execution: a new start with it makes a new execution.
    const again = await runner.executeAsync('ok', {}, { idempotencyKey: 'order-1' });
    expect(again.created).toBe(true);
    expect(again.executionId).not.toBe(keyed.executionId);
    await again.wait();
    await stopRunner(runner);
  });

  it('deletes trigger and cron history past the age, keeps open runs and the executions they name', async () => {
    const db = freshDatabase();
    const clock = new ManualClock(T0);
    const runner = await createRunner({ clock, cronEnableRecovery: false }, db.url);
    registerFlows(runner, { fail: false });
    await runner.registerTrigger(
      defineTrigger({ name: 'orders', pollInterval: '1h' }, () => TriggerResult.skip('quiet')),
      'ok',
    );
    const fired = await runner.fireTrigger('orders', { order: 1 });
    if (fired.status !== 'fired') throw new Error(`the fire started nothing: ${fired.status}`);
    await runner.waitForExecution(fired.executionId);
    expect(await runner.getTriggerExecutionHistory('orders')).toHaveLength(1);

    // Cron history and events of no execution, as the cron loop and the trigger loop write them.
    await seedExecutions(db, {
      prefix: 'linked-',
      count: 1,
      status: 'Completed',
      createdAtMs: T0,
      completedAtMs: T0,
    });
    await rawQuery(db, `UPDATE workflow_executions SET schedule_linked = 1 WHERE id = 'linked-1'`);
    const run = `INSERT INTO schedule_runs
      (id, schedule_kind, schedule_key, workflow_name, workflow_execution_id, scheduled_time_ms,
       status, started_at_ms, completed_at_ms)
      VALUES (?, 'cron', 'nightly', 'ok', ?, ?, ?, ?, ?)`;
    await rawQuery(db, run, ['c1', null, T0, 'completed', T0, T0]);
    await rawQuery(db, run, ['c2', null, T0 + 1, 'missed', T0 + 1, T0 + 1]);
    await rawQuery(db, run, ['c3', 'linked-1', T0 + 2, 'open', T0 + 2, null]);
    await rawQuery(db, run, ['c4', null, T0 + 20 * DAY, 'completed', T0 + 20 * DAY, T0 + 20 * DAY]);
    const event = `INSERT INTO execution_events
      (execution_id, task_id, event_type, data, runner_id, created_at_ms, workflow_name)
      VALUES ('', NULL, 'trigger_poll_failed', '{}', 'r', ?, 'ok')`;
    await rawQuery(db, event, [T0]);
    await rawQuery(db, event, [T0 + 20 * DAY]);

    clock.set(T0 + 31 * DAY);
    const executions = await expectedCounts(db, [fired.executionId]);
    const counted = await runner.prune({ olderThan: '30d', dryRun: true });
    expect(counted).toEqual({
      ...executions,
      events: executions.events + 1,
      triggerRuns: 1,
      cronRuns: 2,
      dryRun: true,
    });
    expect(await runner.prune({ olderThan: '30d' })).toEqual({ ...counted, dryRun: false });

    expect(await runner.getTriggerExecutionHistory('orders')).toEqual([]);
    const cron = await rawQuery<{ id: string }>(db, 'SELECT id FROM schedule_runs ORDER BY id');
    expect(cron.map((row) => row.id)).toEqual(['c3', 'c4']);
    // Named by a run still open: cron recovery would take it for a lost hand-off if it went.
    expect(await countByPrefix(db, 'workflow_executions', 'linked-')).toBe(1);
    const left = await rawQuery<{ n: number | string }>(
      db,
      `SELECT COUNT(*) AS n FROM execution_events WHERE execution_id = ''`,
    );
    expect(Number(left[0]?.n)).toBe(1);
    // With a status, only executions of it are pruned: history is left alone.
    await rawQuery(db, run, ['c5', null, T0 + 3, 'completed', T0 + 3, T0 + 3]);
    expect(
      await runner.prune({ olderThan: '30d', status: 'Completed', dryRun: true }),
    ).toMatchObject({ triggerRuns: 0, cronRuns: 0, events: 0 });
    await stopRunner(runner);
  });

  it('refuses options it cannot honour with a ConfigError naming the value', async () => {
    const runner = await createRunner();
    const problems = async (options: unknown): Promise<readonly string[]> => {
      const error = await runner.prune(options as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).problems;
    };
    expect(await problems({})).toEqual(["olderThan is required, e.g. { olderThan: '30d' }."]);
    expect((await problems({ olderThan: 0 }))[0]).toMatch(/olderThan must be greater than 0/);
    expect((await problems({ olderThan: '30x' }))[0]).toMatch(/olderThan must be .*'30x'/);
    expect((await problems({ olderThan: '1d', status: 'Running' }))[0]).toMatch(
      /status must be one of Completed, Failed, Cancelled .*'Running'/,
    );
    expect((await problems({ olderThan: '1d', dryrun: true }))[0]).toMatch(
      /unknown prune option 'dryrun'/,
    );
    await stopRunner(runner);
  });
});
