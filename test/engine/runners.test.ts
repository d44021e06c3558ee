/**
 * The runner registry through the Client: a runner is listed from its start with its
 * workflows, heartbeat and the tasks it holds Running; it is not live once stopped or silent
 * past its stale-claim threshold; day-old rows are pruned; a failed refresh never stops a runner.
 */
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  Client,
  ManualClock,
  task,
  workflow,
  type Logger,
  type RunnerInfo,
} from '../../src/index.js';
import { createRunner, freshDatabase, quietLogger, stopRunner } from '../helpers/backend.js';
import { gatedWorkload } from '../helpers/gated.js';
import { rawQuery } from '../helpers/raw.js';
import { waitFor } from '../helpers/wait.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const noop = (name: string) => workflow({ name, tasks: [task({ id: 'noop' }, () => undefined)] });

/** A logger that keeps the messages of its warnings. */
function warningsLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const logger: Logger = {
    ...quietLogger,
    warn: (obj, msg) => void warnings.push(typeof obj === 'string' ? obj : (msg ?? '')),
    child: () => logger,
  };
  return { logger, warnings };
}

describe('runner registry', () => {
  it('lists a running runner with its workflows and Running claims; after shutdown it is not live', async () => {
    const db = freshDatabase();
    const before = Date.now();
    const runner = await createRunner({ runnerName: 'worker one' }, db.url);
    await using client = await Client.connect(db.url);

    // Listed as soon as create() resolves.
    const [started] = await client.listRunners();
    expect(started).toMatchObject({
      runnerId: runner.runnerId,
      name: 'worker one',
      hostname: hostname(),
      pid: process.pid,
      live: true,
      stoppedAt: null,
      workflows: [],
      claims: 0,
    } satisfies Partial<RunnerInfo>);
    expect(started!.startedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(started!.heartbeatAt.getTime()).toBeGreaterThanOrEqual(started!.startedAt.getTime());

    runner.register(noop('other'));
    const gated = await gatedWorkload(runner, 'gated', 2);
    const holding = await waitFor(
      async () => {
        const [info] = await client.listRunners();
        return info?.claims === 2 && info.workflows.length === 2 ? info : null;
      },
      10_000,
      'the runner to show its workflows and two claims',
    );
    expect(holding.workflows).toEqual(['gated', 'other']);

    gated.release();
    await Promise.all(gated.handles.map((handle) => handle.wait('10s')));
    expect((await client.listRunners())[0]?.claims).toBe(0);

    await stopRunner(runner);
    expect(await client.listRunners()).toEqual([]);
    const [stopped] = await client.listRunners({ includeStopped: true });
    expect(stopped).toMatchObject({ runnerId: runner.runnerId, live: false, claims: 0 });
    expect(stopped!.stoppedAt).toBeInstanceOf(Date);
    expect(stopped!.stoppedAt!.getTime()).toBeGreaterThanOrEqual(stopped!.heartbeatAt.getTime());
  });

  it('refreshes the heartbeat on the heartbeat tick, with claiming on or off', async () => {
    const db = freshDatabase();
    // A threshold far above the interval: a busy machine must not make them look stale.
    const beating = await createRunner(
      { heartbeatInterval: '100ms', staleClaimThreshold: '30s' },
      db.url,
    );
    const unclaiming = await createRunner(
      { heartbeatInterval: '100ms', staleClaimThreshold: '30s', enableClaiming: false },
      db.url,
    );
    await using client = await Client.connect(db.url);
    const first = new Map(
      (await client.listRunners()).map((r) => [r.runnerId, r.heartbeatAt.getTime()]),
    );
    expect([...first.keys()].sort()).toEqual([beating.runnerId, unclaiming.runnerId].sort());
    await waitFor(
      async () =>
        (await client.listRunners()).filter((r) => r.heartbeatAt.getTime() > first.get(r.runnerId)!)
          .length === 2,
      10_000,
      'both heartbeats to move',
    );
    // Newest heartbeat first.
    const listed = await client.listRunners();
    expect(listed.map((r) => r.heartbeatAt.getTime())).toEqual(
      listed.map((r) => r.heartbeatAt.getTime()).sort((x, y) => y - x),
    );
    await stopRunner(beating);
    await stopRunner(unclaiming);
  });

  it('judges a runner by its own stale-claim threshold: silent past it, it is not live', async () => {
    const db = freshDatabase();
    // Its clock (what it writes) runs two minutes behind: its heartbeat looks two minutes old.
    const behind = await createRunner(
      { clock: new ManualClock(Date.now() - 120_000), staleClaimThreshold: '60s' },
      db.url,
    );
    const patient = await createRunner(
      { clock: new ManualClock(Date.now() - 120_000), staleClaimThreshold: '5m' },
      db.url,
    );
    await using client = await Client.connect(db.url);
    expect((await client.listRunners()).map((r) => r.runnerId)).toEqual([patient.runnerId]);
    const all = await client.listRunners({ includeStopped: true });
    expect(all.find((r) => r.runnerId === behind.runnerId)).toMatchObject({
      live: false,
      stoppedAt: null,
    });
    await stopRunner(behind);
    await stopRunner(patient);
  });

  it('deletes rows stopped or silent for a day when a runner refreshes, and keeps younger ones', async () => {
    const db = freshDatabase();
    // The client migrates the new database, so the rows below have a table to go in.
    await using client = await Client.connect(db.url);
    const nowMs = Date.now();
    const insert = (id: string, heartbeatAtMs: number, stoppedAtMs: number | null) =>
      rawQuery(
        db,
        `INSERT INTO runners (id, name, hostname, pid, started_at_ms, heartbeat_at_ms, stale_after_ms, workflows, stopped_at_ms)
         VALUES (?, NULL, 'elsewhere', 1, ?, ?, 60000, '[]', ?)`,
        [id, heartbeatAtMs - 1_000, heartbeatAtMs, stoppedAtMs],
      );
    // Stopped two days ago; died without stopping two days ago; stopped an hour ago.
    await insert('stopped-long-ago', nowMs - 2 * DAY_MS, nowMs - 2 * DAY_MS + 1_000);
    await insert('crashed-long-ago', nowMs - 2 * DAY_MS, null);
    await insert('stopped-recently', nowMs - 3_600_000, nowMs - 3_600_000 + 1_000);
    // Silent for a day, but stopped within it: its stop counts.
    await insert('stopped-late', nowMs - DAY_MS - 60_000, nowMs - DAY_MS + 60_000);
    const ids = async (): Promise<string[]> =>
      (await client.listRunners({ includeStopped: true })).map((r) => r.runnerId).sort();
    expect(await ids()).toEqual(
      ['crashed-long-ago', 'stopped-late', 'stopped-long-ago', 'stopped-recently'].sort(),
    );

    const runner = await createRunner({}, db.url);
    expect(await ids()).toEqual(['stopped-late', 'stopped-recently', runner.runnerId].sort());
    await stopRunner(runner);
  });

  it('keeps running when a refresh fails, and logs it', async () => {
    const db = freshDatabase();
    const { logger, warnings } = warningsLogger();
    const runner = await createRunner(
      { heartbeatInterval: '50ms', staleClaimThreshold: '30s', logger },
      db.url,
    );
    runner.register(noop('still_runs'));
    await rawQuery(db, 'DROP TABLE runners');
    await waitFor(
      () => warnings.some((w) => w.includes('runner registry failed')),
      10_000,
      'a failed refresh to be logged',
    );
    expect((await runner.execute('still_runs', {}, { timeout: '10s' })).status).toBe('Completed');
    await stopRunner(runner);
    expect(warnings.some((w) => w.includes('marking this runner stopped'))).toBe(true);
  });
});
