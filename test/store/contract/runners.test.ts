/**
 * Store contract, the runner registry: `upsertRunner`, `markRunnerStopped`, `listRunners`
 * (with the tasks each holds), on both backends.
 */
import { describe, expect } from 'vitest';
import type { RunnerPresenceInput } from '../../../src/store/runner-store.js';
import type { Store } from '../../../src/store/store.js';
import { schedule, test } from './harness.js';
import { pair } from '../fixtures/workflows.js';

/** Writes the row of `runnerId` with a heartbeat at `nowMs`, pruning rows silent since `pruneBeforeMs`. */
function beat(
  store: Store,
  runnerId: string,
  nowMs: number,
  extra: Partial<RunnerPresenceInput> = {},
): Promise<void> {
  return store.upsertRunner({
    runnerId,
    name: `${runnerId}-name`,
    hostname: 'host-a',
    pid: 42,
    startedAtMs: 1_000,
    staleAfterMs: 10_000,
    workflows: ['pair'],
    nowMs,
    pruneBeforeMs: 0,
    ...extra,
  });
}

describe.concurrent('store contract: runners', () => {
  test('lists live runners, newest heartbeat first, with the tasks each holds Running', async ({
    store,
  }) => {
    await beat(store, 'r1', 5_000);
    await beat(store, 'r2', 6_000, { name: null, workflows: [] });
    // Claims of r1: two Running, one Deferred (not counted).
    const held = await schedule(store, pair, { claimRoots: 2, runnerId: 'r1' });
    const third = await schedule(store, pair, { claimRoots: 1, runnerId: 'r1' });
    await store.setDeferred({ ...third.claimed[0]!, deferred: true, nowMs: 5_500, runnerId: 'r1' });
    expect(held.claimed).toHaveLength(2);

    expect(await store.listRunners({ nowMs: 7_000, includeStopped: false })).toEqual([
      {
        runnerId: 'r2',
        name: null,
        hostname: 'host-a',
        pid: 42,
        startedAtMs: 1_000,
        heartbeatAtMs: 6_000,
        staleAfterMs: 10_000,
        stoppedAtMs: null,
        workflows: [],
        claims: 0,
      },
      expect.objectContaining({
        runnerId: 'r1',
        name: 'r1-name',
        heartbeatAtMs: 5_000,
        workflows: ['pair'],
        claims: 2,
      }),
    ]);
  });

  test('a silent or stopped runner is no longer live, but still listed when asked', async ({
    store,
  }) => {
    await beat(store, 'silent', 1_000);
    await beat(store, 'stopped', 14_000);
    await beat(store, 'live', 14_000);
    await store.markRunnerStopped({ runnerId: 'stopped', nowMs: 14_500 });
    const ids = async (includeStopped: boolean) =>
      (await store.listRunners({ nowMs: 15_000, includeStopped })).map((r) => [
        r.runnerId,
        r.stoppedAtMs,
      ]);

    expect(await ids(false)).toEqual([['live', null]]);
    expect(await ids(true)).toEqual([
      ['live', null],
      ['stopped', 14_500],
      ['silent', null],
    ]);
    // A new heartbeat brings a stopped runner back.
    await beat(store, 'stopped', 15_000);
    expect((await ids(false)).map(([id]) => id)).toEqual(['stopped', 'live']);
  });

  test('a heartbeat prunes the rows of other runners silent or stopped for too long', async ({
    store,
  }) => {
    await beat(store, 'old', 1_000);
    await beat(store, 'gone', 3_000);
    await store.markRunnerStopped({ runnerId: 'gone', nowMs: 4_000 });
    await beat(store, 'recent', 8_000);

    await beat(store, 'self', 9_000, { pruneBeforeMs: 5_000 });

    const left = await store.listRunners({ nowMs: 9_000, includeStopped: true });
    expect(left.map((r) => r.runnerId)).toEqual(['self', 'recent']);
    await beat(store, 'self', 20_000, { pruneBeforeMs: 25_000 });
    // Never its own row.
    expect(
      (await store.listRunners({ nowMs: 20_000, includeStopped: true })).map((r) => r.runnerId),
    ).toEqual(['self']);
  });
});
