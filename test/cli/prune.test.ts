/**
 * Pruning without task code: `cloacinactl prune` through the real binary and `Client.prune`.
 * The history is seeded weeks back from the wall clock, which both of them read.
 */
import { describe, expect, it } from 'vitest';
import { Client, ConfigError } from '../../src/index.js';
import { createRunner, freshDatabase, stopRunner, type FreshDatabase } from '../helpers/backend.js';
import { rawQuery } from '../helpers/raw.js';
import { countByPrefix, seedExecutions } from '../helpers/seed.js';
import { cli, json, ok } from './cli-harness.js';

const DAY = 86_400_000;

/** A database with 30 Completed and 20 Failed executions ended 40 days ago, and what stays. */
async function seededDatabase(): Promise<FreshDatabase> {
  const db = freshDatabase();
  await stopRunner(await createRunner({}, db.url));
  const now = Date.now();
  const old = { createdAtMs: now - 41 * DAY, completedAtMs: now - 40 * DAY };
  await seedExecutions(db, { prefix: 'done-', count: 30, status: 'Completed', ...old });
  await seedExecutions(db, { prefix: 'fail-', count: 20, status: 'Failed', ...old });
  await seedExecutions(db, {
    prefix: 'young-',
    count: 10,
    status: 'Completed',
    createdAtMs: now - 2 * DAY,
    completedAtMs: now - DAY,
  });
  await seedExecutions(db, {
    prefix: 'live-',
    count: 5,
    status: 'Running',
    createdAtMs: now - 90 * DAY,
    completedAtMs: null,
  });
  await rawQuery(
    db,
    `INSERT INTO schedule_runs (id, schedule_kind, schedule_key, workflow_name, status, started_at_ms, completed_at_ms)
     VALUES ('t1', 'trigger', 'orders', 'ok', 'error', ?, ?)`,
    [now - 40 * DAY, now - 40 * DAY],
  );
  return db;
}

/** Executions left of each seeded kind. */
async function left(db: FreshDatabase): Promise<number[]> {
  const out: number[] = [];
  for (const prefix of ['done-', 'fail-', 'young-', 'live-']) {
    out.push(await countByPrefix(db, 'workflow_executions', prefix));
  }
  return out;
}

describe('cloacinactl prune', () => {
  it('prints what --dry-run would delete, deletes it without, and narrows to one --status', async () => {
    const db = await seededDatabase();
    const dry = await ok(db.url, ['prune', '--older-than', '30d', '--dry-run']);
    expect(dry).toBe(
      [
        'would delete (older than 30d):',
        'KIND          ROWS',
        'executions    50',
        'tasks         150',
        'events        250',
        'trigger runs  1',
        'cron runs     0',
        '',
      ].join('\n'),
    );
    expect(await left(db)).toEqual([30, 20, 10, 5]);

    const failed = await json(db.url, ['prune', '--older-than', '30d', '--status', 'failed']);
    expect(failed).toEqual({
      olderThanMs: 30 * DAY,
      status: 'Failed',
      dryRun: false,
      executions: 20,
      tasks: 60,
      events: 100,
      triggerRuns: 0,
      cronRuns: 0,
    });
    expect(await left(db)).toEqual([30, 0, 10, 5]);

    const rest = await ok(db.url, ['prune', '--older-than', '30d']);
    expect(rest.split('\n')[0]).toBe('deleted (older than 30d):');
    expect(rest).toMatch(/^executions {4}30$/m);
    expect(rest).toMatch(/^trigger runs {2}1$/m);
    expect(await left(db)).toEqual([0, 0, 10, 5]);
    expect(await countByPrefix(db, 'execution_events', 'live-')).toBe(25);
  }, 120_000);

  it('refuses a status that has not ended and an age of zero, in one line', async () => {
    const db = freshDatabase();
    await ok(db.url, ['migrate']);
    const [running, zero] = await Promise.all([
      cli(db.url, ['prune', '--older-than', '1d', '--status', 'Running']),
      cli(db.url, ['prune', '--older-than', '0s']),
    ]);
    for (const [run, pattern] of [
      [running, /--status must be one of Completed, Failed, Cancelled; received 'Running'/],
      [zero, /--older-than must be greater than zero/],
    ] as const) {
      expect(run.code).not.toBe(0);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(pattern);
    }
  }, 60_000);
});

describe('Client.prune', () => {
  it('counts with dryRun exactly what it then deletes', async () => {
    const db = await seededDatabase();
    await using client = await Client.connect(db.url);
    const counted = await client.prune({ olderThan: '30d', dryRun: true });
    expect(counted).toEqual({
      executions: 50,
      tasks: 150,
      events: 250,
      triggerRuns: 1,
      cronRuns: 0,
      dryRun: true,
    });
    expect(await left(db)).toEqual([30, 20, 10, 5]);
    expect(await client.prune({ olderThan: '30d' })).toEqual({ ...counted, dryRun: false });
    expect(await left(db)).toEqual([0, 0, 10, 5]);
    await expect(client.prune({ olderThan: '30d', status: 'Pending' as never })).rejects.toThrow(
      ConfigError,
    );
  });
});
