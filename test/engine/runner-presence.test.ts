/**
 * A runner's registry row under a slow database: writes never overlap, a refresh resolves once
 * a write that started after it ends (however often refreshes keep coming), the row ends with
 * the latest workflows, and stop() marks it stopped after the write in flight.
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../src/engine/clock.js';
import { RunnerPresence } from '../../src/engine/runner-presence.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { freshDatabaseUrl, quietLogger } from '../helpers/backend.js';

/** The real store, with each registry write held back `delayMs` and counted while in flight. */
function slowed(store: Store, delayMs: number): { store: Store; most: () => number } {
  let inFlight = 0;
  let most = 0;
  const slow: Store = {
    ...store,
    upsertRunner: async (input) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      try {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        await store.upsertRunner(input);
      } finally {
        inFlight -= 1;
      }
    },
  };
  return { store: slow, most: () => most };
}

describe('runner presence', () => {
  it('never overlaps writes, and a refresh resolves while faster refreshes keep coming', async () => {
    const real = await openStore(freshDatabaseUrl());
    await real.migrate();
    const { store, most } = slowed(real, 30);
    let workflows: string[] = [];
    const presence = new RunnerPresence({
      store,
      clock: systemClock,
      logger: quietLogger,
      runnerId: 'presence-test',
      name: null,
      staleAfterMs: 60_000,
      workflows: () => workflows,
    });
    // Refreshes every 5 ms, six times faster than a write completes.
    const ticker = setInterval(() => void presence.refresh(), 5);
    try {
      const started = Date.now();
      await presence.refresh();
      expect(Date.now() - started).toBeLessThan(2_000);
      workflows = ['b', 'a'];
      await presence.refresh();
      const [row] = await real.listRunners({ nowMs: Date.now(), includeStopped: true });
      expect(row?.workflows).toEqual(['a', 'b']);
    } finally {
      clearInterval(ticker);
    }
    expect(most()).toBe(1);
    await presence.stop();
    const [stopped] = await real.listRunners({ nowMs: Date.now(), includeStopped: true });
    expect(stopped?.stoppedAtMs).not.toBeNull();
    // Refreshes after stop write nothing: the row stays stopped.
    await presence.refresh();
    const [still] = await real.listRunners({ nowMs: Date.now(), includeStopped: true });
    expect(still?.stoppedAtMs).toBe(stopped?.stoppedAtMs);
    await real.close();
  });
});
