/**
 * Cron across runners on one database: exactly-once firing, a runner killed between claim and
 * hand-off, and reconciliation of leftover runs. Real clock, small intervals.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { task, workflow, type DefaultRunner, type JsonObject } from '../../src/index.js';
import {
  backend,
  createRunner,
  freshDatabase,
  stopRunner,
  type FreshDatabase,
} from '../helpers/backend.js';
import { pgAdmin } from '../helpers/pg.js';
import { waitFor } from '../helpers/wait.js';

const CHILD = fileURLToPath(new URL('./cron-crash-child.ts', import.meta.url));

function recorder(name: string, seen: JsonObject[]): ReturnType<typeof workflow> {
  return workflow({ name, tasks: [task({ id: 'record' }, (ctx) => void seen.push(ctx.toJSON()))] });
}

async function runnerOn(db: FreshDatabase, config = {}): Promise<DefaultRunner> {
  return createRunner(
    {
      cronPollInterval: '100ms',
      ...config,
      ...(db.schema === undefined ? {} : { schema: db.schema }),
    },
    db.url,
  );
}

/** Stops a schedule and waits until every run it fired has finished. */
async function drain(runner: DefaultRunner, id: string): Promise<void> {
  await runner.setCronScheduleEnabled(id, false);
  await waitFor(async () =>
    (await runner.getCronExecutionHistory(id)).every((h) => h.status !== 'open'),
  );
}

/** Scheduled times of fired runs, oldest first; asserts each second in between is present once. */
async function assertEachSecondOnce(
  runner: DefaultRunner,
  id: string,
  seen: JsonObject[],
): Promise<number[]> {
  const history = await runner.getCronExecutionHistory(id, { limit: 1000 });
  expect(history.filter((h) => h.status !== 'completed')).toEqual([]);
  const times = history.map((h) => h.scheduledTime.getTime()).sort((a, b) => a - b);
  expect(new Set(times).size).toBe(times.length);
  for (let i = 1; i < times.length; i += 1) expect(times[i]! - times[i - 1]!).toBe(1_000);
  // One execution per scheduled time, and it ran once.
  expect(new Set(history.map((h) => h.workflowExecutionId)).size).toBe(history.length);
  const ran = seen.map((c) => Date.parse(c.scheduled_time as string)).sort((a, b) => a - b);
  expect(ran).toEqual(times);
  return times;
}

/**
 * Runs the child runner for `runMs` and resolves with how it ended; with `fault`, the child
 * injects it (see cron-crash-child.ts).
 */
async function runChild(
  db: FreshDatabase,
  workflowName: string,
  runMs: number,
  fault?: 'kill-before-handoff',
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const args = [CHILD, db.url, db.schema ?? '', workflowName, String(runMs)];
  const child = spawn(process.execPath, ['--import', 'tsx', ...args, ...(fault ? [fault] : [])], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
}

describe('cron across runners', () => {
  it('two runner processes on one database fire each second of */1 * * * * * exactly once', async () => {
    const db = freshDatabase();
    // Manages the schedule and finishes tasks the children left; fires nothing itself. Same
    // definition as the children's, so their executions run here on the same version.
    const admin = await runnerOn(db, { enableCronScheduling: false });
    admin.register(workflow({ name: 'beat', tasks: [task({ id: 'work' }, () => undefined)] }));
    const id = await admin.registerCronWorkflow('beat', '*/1 * * * * *', 'UTC', {
      catchupPolicy: 'run_all',
    });
    const exits = await Promise.all([runChild(db, 'beat', 10_000), runChild(db, 'beat', 10_000)]);
    expect(exits).toEqual([
      { code: 0, signal: null, stderr: '' },
      { code: 0, signal: null, stderr: '' },
    ]);
    await drain(admin, id);
    const history = await admin.getCronExecutionHistory(id, { limit: 1000 });
    // ~10 s of a per-second schedule, allowing for the children's start-up.
    expect(history.length).toBeGreaterThanOrEqual(6);
    const times = history.map((h) => h.scheduledTime.getTime()).sort((a, b) => a - b);
    expect(new Set(times).size).toBe(times.length);
    for (let i = 1; i < times.length; i += 1) expect(times[i]! - times[i - 1]!).toBe(1_000);
    const executions = await admin.listExecutions({ workflowName: 'beat', limit: 1000 });
    expect(executions.length).toBe(history.length);
    expect(new Set(history.map((h) => h.workflowExecutionId))).toEqual(
      new Set(executions.map((e) => e.executionId)),
    );
    expect(history.filter((h) => h.status !== 'completed')).toEqual([]);
    await stopRunner(admin);
  });

  it('two runners on one database fire each second of */1 * * * * * exactly once', async () => {
    const db = freshDatabase();
    const seen: JsonObject[] = [];
    const a = await runnerOn(db);
    const b = await runnerOn(db);
    a.register(recorder('beat', seen));
    b.register(recorder('beat', seen));
    const id = await a.registerCronWorkflow('beat', '*/1 * * * * *', 'UTC', {
      catchupPolicy: 'run_all',
    });
    await waitFor(async () => (await a.getCronExecutionHistory(id)).length >= 3, 10_000);
    await new Promise((r) => setTimeout(r, 500));
    await drain(a, id);
    const times = await assertEachSecondOnce(a, id, seen);
    expect(times.length).toBeGreaterThanOrEqual(3);
    expect((await a.getCronExecutionStats()).missed).toBe(0);
    await stopRunner(a);
    await stopRunner(b);
  });

  it('a runner killed between claim and hand-off leaves nothing half done; the time runs exactly once', async () => {
    const db = freshDatabase();
    const seen: JsonObject[] = [];
    const admin = await runnerOn(db, { enableCronScheduling: false });
    admin.register(recorder('crash-wf', seen));
    const id = await admin.registerCronWorkflow('crash-wf', '* * * * * *', 'UTC', {
      catchupPolicy: 'run_all',
    });
    const first = (await admin.getCronSchedule(id))!.nextRunAt!.getTime();

    const exit = await runChild(db, 'crash-wf', 10_000, 'kill-before-handoff');
    expect(exit).toEqual({ code: null, signal: 'SIGKILL', stderr: '' });

    // The claim died with its transaction: the time is still due, nothing was recorded.
    expect((await admin.getCronSchedule(id))!.nextRunAt!.getTime()).toBe(first);
    expect(await admin.getCronExecutionHistory(id)).toEqual([]);
    expect(await admin.listExecutions({ workflowName: 'crash-wf' })).toEqual([]);
    await stopRunner(admin);

    const survivor = await runnerOn(db);
    survivor.register(recorder('crash-wf', seen));
    await waitFor(async () =>
      (await survivor.getCronExecutionHistory(id)).some((h) => h.status === 'completed'),
    );
    await drain(survivor, id);
    const times = await assertEachSecondOnce(survivor, id, seen);
    expect(times[0]).toBe(first);
    await stopRunner(survivor);
  });

  it('recovery re-hands off an open run without an execution once, and marks a too-old one lost', async () => {
    const db = freshDatabase();
    const seen: JsonObject[] = [];
    const admin = await runnerOn(db, { enableCronScheduling: false });
    admin.register(recorder('report', seen));
    const id = await admin.registerCronWorkflow('report', '0 0 1 1 *', 'UTC', {
      context: { kind: 'yearly' },
    });
    await stopRunner(admin);
    const now = Date.now();
    const recent = Date.parse('2025-01-01T00:00:00Z');
    const ancient = Date.parse('2024-01-01T00:00:00Z');
    await writeLeftover(db, {
      id: 'leftover-recent',
      scheduleId: id,
      scheduledMs: recent,
      startedMs: now - 5 * 60_000,
    });
    await writeLeftover(db, {
      id: 'leftover-old',
      scheduleId: id,
      scheduledMs: ancient,
      startedMs: now - 3 * 3_600_000,
    });
    await writeLeftover(db, {
      id: 'leftover-young',
      scheduleId: id,
      scheduledMs: recent + 1,
      startedMs: now,
    });

    const runner = await runnerOn(db, { cronLostThreshold: '1m', cronMaxRecoveryAge: '1h' });
    runner.register(recorder('report', seen));
    const history = await waitFor(async () => {
      const rows = await runner.getCronExecutionHistory(id);
      const byId = new Map(rows.map((r) => [r.id, r]));
      return byId.get('leftover-recent')?.status === 'completed' &&
        byId.get('leftover-old')?.status === 'lost'
        ? byId
        : null;
    });
    expect(history.get('leftover-old')!.message).toMatch(/^lost: .*cronMaxRecoveryAge/);
    // Younger than cronLostThreshold: possibly still being handed off, so left alone.
    expect(history.get('leftover-young')!.status).toBe('open');
    expect(seen).toEqual([
      {
        kind: 'yearly',
        scheduled_time: '2025-01-01T00:00:00.000Z',
        schedule_id: id,
        schedule_timezone: 'UTC',
        schedule_expression: '0 0 1 1 *',
      },
    ]);
    const stats = await runner.getCronExecutionStats();
    expect(stats).toMatchObject({ successful: 1, lost: 1, failed: 0 });
    expect(stats.successRate).toBeCloseTo(0.5);
    await stopRunner(runner);
  });
});

/** Writes an open cron run without an execution, as an interrupted hand-off would leave it. */
async function writeLeftover(
  db: FreshDatabase,
  run: { id: string; scheduleId: string; scheduledMs: number; startedMs: number },
): Promise<void> {
  const columns = `(id, schedule_kind, schedule_key, workflow_name, scheduled_time_ms, status, started_at_ms)`;
  const values = [run.id, run.scheduleId, 'report', run.scheduledMs, run.startedMs];
  if (backend === 'sqlite') {
    const sqlite = new Database(db.url.replace(/^sqlite:\/\//, ''));
    try {
      sqlite
        .prepare(`INSERT INTO schedule_runs ${columns} VALUES (?, 'cron', ?, ?, ?, 'open', ?)`)
        .run(...values);
    } finally {
      sqlite.close();
    }
  } else {
    await pgAdmin(
      `INSERT INTO "${db.schema}".schedule_runs ${columns} VALUES ($1, 'cron', $2, $3, $4, 'open', $5)`,
      values,
    );
  }
}
