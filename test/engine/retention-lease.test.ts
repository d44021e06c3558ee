/**
 * Background retention: runners configured with `retention` prune on their interval, one at a
 * time, under the 'retention' lease; the lease passes on at shutdown, or once it expires when
 * its holder vanished without a word.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, DefaultRunner, ManualClock } from '../../src/index.js';
import { createRunner, freshDatabase, stopRunner, type FreshDatabase } from '../helpers/backend.js';
import { rawQuery } from '../helpers/raw.js';
import { countByPrefix, seedExecutions } from '../helpers/seed.js';
import { waitFor } from '../helpers/wait.js';
import { RecordingLogger } from './triggers-fixtures.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 2, 1);
const RETENTION = { completed: '30d', history: '30d', interval: '50ms' } as const;

/** The holder of the retention lease, or null. */
async function leaseHolder(db: FreshDatabase): Promise<string | null> {
  const rows = await rawQuery<{ holder: string }>(
    db,
    `SELECT holder FROM leases WHERE name = 'retention'`,
  );
  return rows[0]?.holder ?? null;
}

/** Executions this runner's retention deleted, from its `cloacina_pruned_rows_total`. */
async function prunedExecutions(runner: DefaultRunner): Promise<number> {
  const line = (await runner.metrics())
    .split('\n')
    .find((l) => l.startsWith('cloacina_pruned_rows_total{') && l.includes('kind="executions"'));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** Ended executions old enough for `RETENTION` to delete. */
function seedOld(db: FreshDatabase, prefix: string, count: number): Promise<void> {
  return seedExecutions(db, {
    prefix,
    count,
    status: 'Completed',
    createdAtMs: NOW - 41 * DAY,
    completedAtMs: NOW - 40 * DAY,
  });
}

describe('retention in the background', () => {
  it('is pruned by one runner at a time, and by another once the holder stops', async () => {
    const db = freshDatabase();
    const clock = new ManualClock(NOW);
    const a = await createRunner({ clock, retention: RETENTION }, db.url);
    const b = await createRunner({ clock, retention: RETENTION }, db.url);
    await seedOld(db, 'first-', 1_500);
    await waitFor(
      async () => (await countByPrefix(db, 'workflow_executions', 'first-')) === 0,
      20_000,
      'the first executions to be pruned',
    );
    const holderId = await leaseHolder(db);
    const [holder, other] = holderId === a.runnerId ? [a, b] : [b, a];
    expect(holder.runnerId).toBe(holderId);
    // Every execution was deleted by the holder alone, though both runners tick every 50 ms.
    expect(await prunedExecutions(holder)).toBe(1_500);
    expect(await prunedExecutions(other)).toBe(0);
    expect(await countByPrefix(db, 'execution_events', 'first-')).toBe(0);

    // The holder releases the lease at shutdown: the other takes it on its next tick.
    await stopRunner(holder);
    await seedOld(db, 'second-', 200);
    await waitFor(
      async () => (await countByPrefix(db, 'workflow_executions', 'second-')) === 0,
      20_000,
      'the second executions to be pruned',
    );
    expect(await leaseHolder(db)).toBe(other.runnerId);
    expect(await prunedExecutions(other)).toBe(200);
    await stopRunner(other);
    expect(await leaseHolder(db)).toBeNull();
  }, 60_000);

  it('waits for the lease of a vanished holder to expire', async () => {
    const db = freshDatabase();
    const clock = new ManualClock(NOW);
    // The schema first, then a holder that died without releasing: its lease runs a minute
    // past now.
    await stopRunner(await createRunner({ clock }, db.url));
    await rawQuery(
      db,
      `INSERT INTO leases (name, holder, acquired_at_ms, expires_at_ms) VALUES ('retention', 'gone', ?, ?)`,
      [NOW, NOW + 60_000],
    );
    await seedOld(db, 'old-', 100);
    const logger = new RecordingLogger();
    const runner = await createRunner({ clock, logger, retention: RETENTION }, db.url);
    const skipped = (): number =>
      logger.calls.filter((c) => c.msg === 'another runner holds the retention lease; not pruning')
        .length;
    const before = skipped();
    await waitFor(() => skipped() >= before + 3, 10_000, 'three ticks that skip pruning');
    expect(await countByPrefix(db, 'workflow_executions', 'old-')).toBe(100);
    expect(await leaseHolder(db)).toBe('gone');

    clock.advance(60_000);
    await waitFor(
      async () => (await countByPrefix(db, 'workflow_executions', 'old-')) === 0,
      10_000,
      'the executions to be pruned once the lease expired',
    );
    expect(await leaseHolder(db)).toBe(runner.runnerId);
    await stopRunner(runner);
  });

  it('rejects a retention config it cannot honour, naming every problem', async () => {
    const error = await DefaultRunner.create('sqlite::memory:', {
      retention: { completed: '30x', failed: 0, kept: '1d', interval: -1 } as never,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/unknown retention key 'kept'/);
    expect(problems.join('\n')).toMatch(/retention\.completed must be .*'30x'/);
    expect(problems.join('\n')).toMatch(/retention\.failed must be greater than 0/);
    expect(problems.join('\n')).toMatch(/retention\.interval must be .*-1/);
  });
});
