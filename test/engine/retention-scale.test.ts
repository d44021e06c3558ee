/**
 * Pruning a big history: exactly the ended executions past their age go, every row of the
 * running ones stays, and work started meanwhile is held up by one batch at most, not by the
 * whole prune.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock, task, workflow } from '../../src/index.js';
import { createRunner, freshDatabase, stopRunner } from '../helpers/backend.js';
import { countByPrefix, seedExecutions } from '../helpers/seed.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1);

describe('pruning 10,000 ended executions', () => {
  it('deletes exactly those past their age, keeps the running ones whole, and never stalls a claim', async () => {
    const db = freshDatabase();
    const clock = new ManualClock(NOW);
    const runner = await createRunner({ clock }, db.url);
    // Ended 40 days ago, in every terminal status: 10,000 executions, 90,000 rows.
    for (const [prefix, status, count] of [
      ['done-', 'Completed', 6_000],
      ['fail-', 'Failed', 3_000],
      ['gone-', 'Cancelled', 1_000],
    ] as const) {
      await seedExecutions(db, {
        prefix,
        count,
        status,
        createdAtMs: NOW - 41 * DAY,
        completedAtMs: NOW - 40 * DAY,
      });
    }
    // Ended 10 days ago: younger than the age, kept.
    await seedExecutions(db, {
      prefix: 'young-',
      count: 50,
      status: 'Completed',
      createdAtMs: NOW - 11 * DAY,
      completedAtMs: NOW - 10 * DAY,
    });
    // Running since long before the cut, and Paused: never pruned, however old.
    await seedExecutions(db, {
      prefix: 'live-',
      count: 100,
      status: 'Running',
      createdAtMs: NOW - 90 * DAY,
      completedAtMs: null,
    });
    await seedExecutions(db, {
      prefix: 'held-',
      count: 10,
      status: 'Paused',
      createdAtMs: NOW - 90 * DAY,
      completedAtMs: null,
    });

    const counted = await runner.prune({ olderThan: '30d', dryRun: true });
    expect(counted).toEqual({
      executions: 10_000,
      tasks: 30_000,
      events: 50_000,
      triggerRuns: 0,
      cronRuns: 0,
      dryRun: true,
    });

    // A small workflow started while the prune runs: its task must start within about a
    // batch, not after the whole prune.
    let startedAt = 0;
    runner.register(
      workflow({
        name: 'probe',
        tasks: [task({ id: 'hello' }, () => void (startedAt = performance.now()))],
      }),
    );
    let pruneEndedAt = 0;
    const pruning = runner.prune({ olderThan: '30d' }).then((result) => {
      pruneEndedAt = performance.now();
      return result;
    });
    // Let the first batches commit, then start the probe.
    await new Promise((resolve) => setImmediate(resolve));
    const probeAt = performance.now();
    const probe = await runner.execute('probe');
    const result = await pruning;

    expect(probe.status).toBe('Completed');
    expect(result).toEqual({ ...counted, dryRun: false });
    const waitMs = startedAt - probeAt;
    // The probe overlapped the prune (else the check says nothing) and did not wait for it.
    expect(startedAt).toBeLessThan(pruneEndedAt);
    expect(waitMs).toBeLessThan(1_000);

    for (const prefix of ['done-', 'fail-', 'gone-']) {
      expect(await countByPrefix(db, 'workflow_executions', prefix)).toBe(0);
      expect(await countByPrefix(db, 'task_executions', prefix)).toBe(0);
      expect(await countByPrefix(db, 'execution_events', prefix)).toBe(0);
    }
    for (const [prefix, count] of [
      ['young-', 50],
      ['live-', 100],
      ['held-', 10],
    ] as const) {
      expect(await countByPrefix(db, 'workflow_executions', prefix)).toBe(count);
      expect(await countByPrefix(db, 'task_executions', prefix)).toBe(3 * count);
      expect(await countByPrefix(db, 'execution_events', prefix)).toBe(5 * count);
    }
    expect(await runner.prune({ olderThan: '30d', dryRun: true })).toMatchObject({
      executions: 0,
      tasks: 0,
      events: 0,
    });
    await stopRunner(runner);
  }, 120_000);
});
