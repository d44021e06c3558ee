/**
 * Workflow rate limits across processes: two runner processes on one database start the
 * executions of each key at most `limit` per period between them. The executions are scheduled
 * to start in 3 s by a runner in this process that stops before then, so every admission is
 * made by the runner processes, racing for the same windows.
 */
import { describe, expect, it } from 'vitest';
import { Client, ManualClock } from '../../src/index.js';
import { openStore } from '../../src/store/open.js';
import { createRunner, freshDatabase, stopRunner, type FreshDatabase } from '../helpers/backend.js';
import { spawnTsx, type Child } from '../helpers/child.js';
import { RATE_LIMIT, RATE_PERIOD_MS, ratedPerKey } from './rate-limits-fixtures.js';

const COUNT = 60;
const KEYS = 2;

async function scheduleAll(db: FreshDatabase): Promise<string[]> {
  // The scheduling runner's clock stands still: every start stays ahead of it, so it admits none.
  const now = Date.now();
  const setup = await createRunner({ clock: new ManualClock(now) }, db.url);
  setup.register(ratedPerKey());
  const runAt = new Date(now + 3_000);
  const ids: string[] = [];
  for (let n = 0; n < COUNT; n++) {
    const context = { key: `k${n % KEYS}`, n };
    ids.push((await setup.executeAsync('rated-per-key', context, { runAt })).executionId);
  }
  await stopRunner(setup);
  return ids;
}

function spawnRunner(db: FreshDatabase, label: string): Child {
  return spawnTsx('test/engine/rate-limits-child.ts', [db.url, db.schema ?? '', label]);
}

describe('workflow rate limits across processes', () => {
  it('two runner processes start at most limit per period of each key between them', async () => {
    const db = freshDatabase();
    const ids = await scheduleAll(db);
    const children = ['a', 'b'].map((label) => spawnRunner(db, label));
    const client = await Client.connect(db.url);
    try {
      await Promise.all(children.map((child) => child.line(/^ready /)));
      const results = await Promise.all(ids.map((id) => client.waitForExecution(id, '60s')));
      expect(results.filter((r) => r.status !== 'Completed')).toEqual([]);
    } finally {
      for (const child of children) child.send('stop');
      await Promise.all(children.map((child) => child.exited()));
      await client.close();
    }
    const bodies = children.flatMap((child) =>
      child.lines(/^start /).map((line) => {
        const [, n, , label] = line.split(' ');
        return { n: Number(n), label: label! };
      }),
    );
    // Each execution ran once, none was lost.
    expect(bodies.map((b) => b.n).sort((a, b) => a - b)).toEqual(
      Array.from({ length: COUNT }, (_, n) => n),
    );
    // The work was shared: both processes ran bodies.
    expect(new Set(bodies.map((b) => b.label)).size).toBe(2);
    const store = await openStore(db.url);
    try {
      for (let key = 0; key < KEYS; key++) {
        const starts: number[] = [];
        for (const [n, id] of ids.entries()) {
          if (n % KEYS !== key) continue;
          starts.push((await store.getExecution(id))!.rateStartedAtMs!);
        }
        starts.sort((a, b) => a - b);
        for (let i = 0; i + RATE_LIMIT < starts.length; i++) {
          expect(
            starts[i + RATE_LIMIT]! - starts[i]!,
            `key k${key}: starts #${i} and #${i + RATE_LIMIT} are less than a period apart`,
          ).toBeGreaterThanOrEqual(RATE_PERIOD_MS);
        }
      }
    } finally {
      await store.close();
    }
  }, 90_000);
});
