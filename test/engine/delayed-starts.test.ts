/**
 * Delayed starts: an execution written now with a later start time (`runAt` / `delay`) is
 * `Scheduled` until then, starts at that time on any runner with the workflow (also one started
 * after the runner that wrote it stopped), and can be cancelled or paused meanwhile. The runners
 * here run on a manual clock: a claim only takes what is due by that clock, so "not before its
 * time" is exact, and each check that nothing started is proved by an execution that did.
 */
import { describe, expect, it } from 'vitest';
import {
  Client,
  ConfigError,
  ManualClock,
  task,
  workflow,
  type DefaultRunner,
  type Workflow,
} from '../../src/index.js';
import { createRunner, freshDatabase, stopRunner, type FreshDatabase } from '../helpers/backend.js';
import { rawQuery } from '../helpers/raw.js';

const T0 = Date.parse('2026-12-05T12:00:00Z');
const MINUTE = 60_000;

/** A one-task workflow recording, per execution, the clock time its body ran at. */
function recorded(name: string, clock: ManualClock): { workflow: Workflow; ranAt: number[] } {
  const ranAt: number[] = [];
  const only = task({ id: 'only' }, (ctx) => {
    ranAt.push(clock.now());
    ctx.set('ran', true);
  });
  return { workflow: workflow({ name, tasks: [only] }), ranAt };
}

/** Runs an execution of `probe` to its end: the claim loop has passed at least once since. */
async function claimPassed(runner: DefaultRunner): Promise<void> {
  const result = await runner.execute('probe', {});
  expect(result.status).toBe('Completed');
}

const probe = workflow({ name: 'probe', tasks: [task({ id: 'p' }, () => undefined)] });

async function rowCount(db: FreshDatabase, table: string): Promise<number> {
  const [row] = await rawQuery<{ n: number | string }>(db, `SELECT COUNT(*) AS n FROM ${table}`);
  return Number(row!.n);
}

describe('delayed starts', () => {
  it('waits as Scheduled until runAt, then runs once, not before', async () => {
    const clock = new ManualClock(T0);
    const runner = await createRunner({ clock });
    try {
      const { workflow: wf, ranAt } = recorded('report', clock);
      runner.register(wf);
      runner.register(probe);
      const runAt = new Date(T0 + 10 * MINUTE);
      const handle = await runner.executeAsync('report', { day: 'mon' }, { runAt });
      expect(handle.created).toBe(true);
      expect(await runner.getExecutionStatus(handle.executionId)).toBe('Scheduled');

      clock.set(T0 + 10 * MINUTE - 1);
      await claimPassed(runner);
      expect(ranAt).toEqual([]);
      expect(await runner.getExecutionStatus(handle.executionId)).toBe('Scheduled');

      clock.set(T0 + 10 * MINUTE);
      const result = await handle.wait();
      expect(result).toMatchObject({ status: 'Completed', runAt });
      expect(result.finalContext.get('ran')).toBe(true);
      expect(ranAt).toEqual([T0 + 10 * MINUTE]);
      expect(result.startedAt.getTime()).toBeGreaterThanOrEqual(runAt.getTime());

      const types = (await runner.getExecutionEvents(handle.executionId)).map((e) => e.type);
      expect(types.slice(0, 3)).toEqual(['workflow_scheduled', 'task_ready', 'workflow_started']);
      const [scheduled] = await runner.getExecutionEvents(handle.executionId);
      expect(scheduled!.data).toEqual({ runAt: runAt.toISOString() });
    } finally {
      await stopRunner(runner);
    }
  });

  it('survives the runner that wrote it: a runner started later runs it once, at its time', async () => {
    const db = freshDatabase();
    const clock = new ManualClock(T0);
    const first = await createRunner({ clock }, db.url);
    const { workflow: wf, ranAt } = recorded('report', clock);
    first.register(wf);
    const handle = await first.executeAsync('report', {}, { delay: '5m' });
    await stopRunner(first);

    // A second runner, whose clock reads before the start time: nothing starts.
    clock.set(T0 + 4 * MINUTE);
    const second = await createRunner({ clock }, db.url);
    try {
      second.register(wf);
      second.register(probe);
      await claimPassed(second);
      expect(ranAt).toEqual([]);

      clock.set(T0 + 5 * MINUTE);
      const result = await second.waitForExecution(handle.executionId);
      expect(result).toMatchObject({ status: 'Completed', runAt: new Date(T0 + 5 * MINUTE) });
      expect(ranAt).toEqual([T0 + 5 * MINUTE]);
      // Later claim passes take it no more.
      clock.set(T0 + 60 * MINUTE);
      await claimPassed(second);
      expect(ranAt).toHaveLength(1);
    } finally {
      await stopRunner(second);
    }
  });

  it('cancels a Scheduled execution: nothing of it runs when its time comes', async () => {
    const clock = new ManualClock(T0);
    const runner = await createRunner({ clock });
    try {
      const { workflow: wf, ranAt } = recorded('report', clock);
      runner.register(wf);
      runner.register(probe);
      const handle = await runner.executeAsync('report', {}, { delay: 60_000 });
      await runner.cancelExecution(handle.executionId);
      clock.set(T0 + 2 * MINUTE);
      await claimPassed(runner);
      const result = await runner.getExecutionResult(handle.executionId);
      expect(result.status).toBe('Cancelled');
      expect(result.taskResults.map((t) => t.status)).toEqual(['Cancelled']);
      expect(ranAt).toEqual([]);
    } finally {
      await stopRunner(runner);
    }
  });

  it('pauses a Scheduled execution; resumed before its time it is Scheduled again, after it runs', async () => {
    const clock = new ManualClock(T0);
    const runner = await createRunner({ clock });
    try {
      const { workflow: wf, ranAt } = recorded('report', clock);
      runner.register(wf);
      runner.register(probe);
      const handle = await runner.executeAsync('report', {}, { delay: '10m' });
      await runner.pauseExecution(handle.executionId, 'hold on');
      await runner.resumeExecution(handle.executionId);
      expect(await runner.getExecutionStatus(handle.executionId)).toBe('Scheduled');

      await runner.pauseExecution(handle.executionId);
      clock.set(T0 + 11 * MINUTE);
      await claimPassed(runner);
      expect(ranAt).toEqual([]); // paused past its time: still nothing runs
      await runner.resumeExecution(handle.executionId);
      expect(await handle.wait()).toMatchObject({ status: 'Completed' });
      expect(ranAt).toEqual([T0 + 11 * MINUTE]);
    } finally {
      await stopRunner(runner);
    }
  });

  it('starts at once for a runAt that is not in the future, and records no start time', async () => {
    const clock = new ManualClock(T0);
    const runner = await createRunner({ clock });
    try {
      const { workflow: wf, ranAt } = recorded('report', clock);
      runner.register(wf);
      for (const runAt of [T0 - MINUTE, T0]) {
        const result = await runner.execute('report', {}, { runAt });
        expect(result.status).toBe('Completed');
        expect(result.runAt).toBeUndefined();
        const types = (await runner.getExecutionEvents(result.executionId)).map((e) => e.type);
        expect(types).not.toContain('workflow_scheduled');
      }
      expect(ranAt).toEqual([T0, T0]);
    } finally {
      await stopRunner(runner);
    }
  });

  it('lists and counts Scheduled executions; a keyed delayed start is found again by its key', async () => {
    const clock = new ManualClock(T0);
    const db = freshDatabase();
    const runner = await createRunner({ clock }, db.url);
    const client = await Client.connect(db.url);
    try {
      runner.register(recorded('report', clock).workflow);
      const a = await runner.executeAsync('report', {}, { delay: '1h', idempotencyKey: 'k' });
      const again = await runner.executeAsync('report', {}, { delay: '2h', idempotencyKey: 'k' });
      expect(again).toMatchObject({ executionId: a.executionId, created: false });
      const listed = await runner.listExecutions({ status: 'Scheduled' });
      expect(listed.map((r) => r.executionId)).toEqual([a.executionId]);
      expect(listed[0]!.runAt).toEqual(new Date(T0 + 60 * MINUTE));
      const page = await runner.listExecutionsPage({ status: 'Scheduled' });
      expect(page.items.map((r) => [r.executionId, r.runAt])).toEqual([
        [a.executionId, new Date(T0 + 60 * MINUTE)],
      ]);
      const stats = await client.getExecutionStats();
      expect(stats.active).toMatchObject({ Scheduled: 1, Pending: 0, Running: 0 });
      await runner.cancelExecution(a.executionId);
    } finally {
      await client.close();
      await stopRunner(runner);
    }
  });

  it('refuses a bad runAt or delay, or both, before writing anything', async () => {
    const db = freshDatabase();
    const runner = await createRunner({}, db.url);
    try {
      runner.register(probe);
      const bad: object[] = [
        { runAt: new Date('not a date') },
        { runAt: Number.NaN },
        { runAt: '2026-12-05' },
        { delay: '-1s' },
        { delay: 'soon' },
        { runAt: Date.now() + 1000, delay: '1s' },
      ];
      for (const options of bad) {
        const error = await runner.executeAsync('probe', {}, options).catch((e: unknown) => e);
        expect(error, JSON.stringify(options)).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).message).toMatch(/runAt|delay/);
      }
      expect(await rowCount(db, 'workflow_executions')).toBe(0);
    } finally {
      await stopRunner(runner);
    }
  });

  it('the status check of the executions table takes Scheduled and still refuses an unknown status', async () => {
    const db = freshDatabase();
    const runner = await createRunner({ clock: new ManualClock(T0) }, db.url);
    try {
      runner.register(probe);
      const handle = await runner.executeAsync('probe', {}, { delay: '1h' });
      const [row] = await rawQuery<{ status: string }>(
        db,
        'SELECT status FROM workflow_executions WHERE id = ?',
        [handle.executionId],
      );
      expect(row!.status).toBe('Scheduled');
      await expect(
        rawQuery(db, "UPDATE workflow_executions SET status = 'Sleeping' WHERE id = ?", [
          handle.executionId,
        ]),
      ).rejects.toThrow(/check/i);
    } finally {
      await stopRunner(runner);
    }
  });

  it('a Client schedules a delayed start that a runner starts at its time', async () => {
    const db = freshDatabase();
    const clock = new ManualClock(Date.now());
    const runner = await createRunner({ clock }, db.url);
    const { workflow: wf, ranAt } = recorded('report', clock);
    runner.register(wf);
    await runner.definitionsStored();
    const client = await Client.connect(db.url);
    try {
      // The client writes with the system clock: one hour from now, as the runner's clock reads.
      const handle = await client.executeAsync('report', {}, { delay: '1h' });
      expect(await client.getExecutionStatus(handle.executionId)).toBe('Scheduled');
      const runAt = (await client.getExecutionResult(handle.executionId)).runAt!;
      clock.set(runAt.getTime());
      expect(await runner.waitForExecution(handle.executionId)).toMatchObject({
        status: 'Completed',
      });
      expect(ranAt).toEqual([runAt.getTime()]);
    } finally {
      await client.close();
      await stopRunner(runner);
    }
  });
});
