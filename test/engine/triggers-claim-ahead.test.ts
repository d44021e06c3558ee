/**
 * The trigger loop claims ahead: one claim takes more due triggers than slots are free (they
 * wait in memory for a slot), and claims a poll shortly before its due time (it starts then).
 * What stays: never two polls of one trigger at once, never more than `maxConcurrentPolls`,
 * polls an interval apart, and `lastPollAt` is when the poll started.
 */
import { describe, expect, it } from 'vitest';
import { TriggerResult, defineTrigger } from '../../src/index.js';
import { START_TOLERANCE_MS } from '../../src/engine/triggers/loop.js';
import type { Store } from '../../src/store/store.js';
import { WRAP_STORE } from '../../src/store-wrapper.js';
import { createRunner, stopRunner } from '../helpers/backend.js';
import { spyOnStore } from '../helpers/store-spy.js';
import { waitFor } from '../helpers/wait.js';
import { gaps, recordingWorkflow, sleep } from './triggers-fixtures.js';

const FAST = { triggerBasePollInterval: '20ms' } as const;

/** One call of `claimTriggerPolls`: when it was made and which triggers it named. */
interface Claim {
  readonly atMs: number;
  readonly names: readonly string[];
}

/** Wraps a store so that every poll claim is recorded in `claims`. */
function recordingClaims(claims: Claim[]): (store: Store) => Store {
  return spyOnStore({
    claimTriggerPolls: (input: Parameters<Store['claimTriggerPolls']>[0]) => {
      claims.push({ atMs: Date.now(), names: input.triggerNames });
    },
  });
}

describe('event triggers: claiming ahead', () => {
  it('a claim takes more triggers than slots are free, yet never two polls of one trigger nor more than maxConcurrentPolls run at once', async () => {
    const claims: Claim[] = [];
    const runner = await createRunner({
      ...FAST,
      maxConcurrentPolls: 2,
      [WRAP_STORE]: recordingClaims(claims),
    });
    runner.register(recordingWorkflow('wf'));
    const names = Array.from({ length: 30 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    const starts = new Map<string, number[]>(names.map((name) => [name, []]));
    const active = new Set<string>();
    let peak = 0;
    let overlapped = false;
    await Promise.all(
      names.map((name) =>
        runner.registerTrigger(
          defineTrigger({ name, pollInterval: '200ms' }, async () => {
            if (active.has(name)) overlapped = true;
            active.add(name);
            peak = Math.max(peak, active.size);
            starts.get(name)!.push(Date.now());
            await new Promise((resolve) => setImmediate(resolve));
            active.delete(name);
            return TriggerResult.skip();
          }),
          'wf',
        ),
      ),
    );
    await waitFor(
      () => names.every((name) => starts.get(name)!.length >= 3),
      10_000,
      'three polls of every trigger',
    );
    await stopRunner(runner);

    // Quick polls let one claim (one commit) take many more triggers than the two slots.
    expect(Math.max(...claims.map((c) => c.names.length))).toBeGreaterThan(2);
    expect(peak).toBeLessThanOrEqual(2);
    expect(overlapped).toBe(false);
    // Each trigger's polls stay an interval apart (its next due time counts from its start; a
    // base tick's scan may go by a lastPollAt up to the tolerance early; 1 ms of rounding).
    for (const name of names) {
      for (const gap of gaps(starts.get(name)!)) {
        expect(gap).toBeGreaterThanOrEqual(200 - START_TOLERANCE_MS - 1);
      }
    }
  });

  it('claims a poll before its due time and starts it then; lastPollAt is the start', async () => {
    const claims: Claim[] = [];
    const runner = await createRunner({ ...FAST, [WRAP_STORE]: recordingClaims(claims) });
    runner.register(recordingWorkflow('wf'));
    const starts: number[] = [];
    await runner.registerTrigger(
      defineTrigger({ name: 'steady', pollInterval: '300ms' }, () => {
        starts.push(Date.now());
        return TriggerResult.skip();
      }),
      'wf',
    );
    await waitFor(() => starts.length >= 4, 10_000, 'four polls');
    await runner.setTriggerEnabled('steady', false);
    const polled = starts.slice(0, 4);
    const schedule = (await runner.getTriggerSchedule('steady'))!;
    await stopRunner(runner);

    // Never early by more than the tolerance: the body reads the clock some time after the loop
    // started the poll, and under load that delay differs from one poll to the next by a few ms
    // (a full run once saw 297 ms); 1 ms of rounding, as above.
    for (const gap of gaps(polled)) {
      expect(gap).toBeGreaterThanOrEqual(300 - START_TOLERANCE_MS - 1);
    }
    // The last claim before each later poll came ahead of it: its commit is off the poll's path.
    const leads = polled.slice(1).map((start) => {
      const before = claims.filter((c) => c.names.includes('steady') && c.atMs <= start);
      return start - before.at(-1)!.atMs;
    });
    expect(Math.max(...leads)).toBeGreaterThanOrEqual(20);
    // Written ahead, lastPollAt is still when the last poll started.
    const last = starts.at(-1)!;
    expect(Math.abs(schedule.lastPollAt!.getTime() - last)).toBeLessThanOrEqual(
      START_TOLERANCE_MS + 1,
    );
  });

  it('a poll that waited for a slot longer than the tolerance has lastPollAt moved to its start', async () => {
    const runner = await createRunner({ ...FAST, maxConcurrentPolls: 1 });
    runner.register(recordingWorkflow('wf'));
    // Sorted by name, oldest due first: p00 polls alone and times the slot; then one claim
    // queues the rest, and those behind the slow p05x wait for the only slot.
    const names = [
      ...Array.from({ length: 20 }, (_, i) => `p${String(i).padStart(2, '0')}`),
      'p05x',
    ].sort();
    const started = new Map<string, number>();
    await Promise.all(
      names.map((name) =>
        runner.registerTrigger(
          defineTrigger({ name, pollInterval: '1h' }, async () => {
            started.set(name, Date.now());
            if (name === 'p05x') await sleep(80);
            return TriggerResult.skip();
          }),
          'wf',
        ),
      ),
    );
    await waitFor(() => started.size === names.length, 10_000, 'one poll of every trigger');
    const waited = names.filter((name) => name > 'p05x');
    await waitFor(
      async () => {
        for (const name of names) {
          const schedule = await runner.getTriggerSchedule(name);
          const at = schedule?.lastPollAt?.getTime() ?? Number.NaN;
          // The poll reads the clock just after the loop did: 1 ms of rounding.
          if (!(Math.abs(at - started.get(name)!) <= START_TOLERANCE_MS + 1)) return false;
        }
        return true;
      },
      5_000,
      'every lastPollAt within the tolerance of its poll start',
    );
    await stopRunner(runner);
    // The test needs polls that really waited: started well after the slow one did.
    expect(Math.min(...waited.map((name) => started.get(name)!))).toBeGreaterThan(
      started.get('p05x')! + START_TOLERANCE_MS,
    );
  });
});
