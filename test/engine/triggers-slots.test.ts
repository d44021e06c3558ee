import { describe, expect, it } from 'vitest';
import { TriggerResult, defineTrigger, type Trigger } from '../../src/index.js';
import { createRunner, stopRunner } from '../helpers/backend.js';
import { waitFor } from '../helpers/wait.js';
import { recordingWorkflow, sleep } from './triggers-fixtures.js';

const FAST = { triggerBasePollInterval: '20ms' } as const;

/** A trigger whose poll never settles and ignores its signal; `calls` counts its polls. */
function hung(name: string, calls: Map<string, number>): Trigger {
  return defineTrigger({ name, pollInterval: '30ms' }, () => {
    calls.set(name, (calls.get(name) ?? 0) + 1);
    return new Promise<boolean>(() => undefined);
  });
}

describe('event triggers: slots, hung polls and long timeouts', () => {
  it('more hung polls than slots do not starve a healthy trigger, and each hung trigger is polled once', async () => {
    const runner = await createRunner({
      ...FAST,
      maxConcurrentPolls: 2,
      triggerPollTimeout: '100ms',
    });
    runner.register(recordingWorkflow('wf'));
    const calls = new Map<string, number>();
    const hungNames = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7', 'h8'];
    // Registered first, so they are the oldest due and take both slots before the healthy one.
    for (const name of hungNames) await runner.registerTrigger(hung(name, calls), 'wf');
    const healthy: number[] = [];
    await runner.registerTrigger(
      defineTrigger({ name: 'healthy', pollInterval: '30ms' }, () => {
        healthy.push(Date.now());
        return TriggerResult.skip();
      }),
      'wf',
    );

    // Each hung poll holds a slot for 100 ms at most: after ~400 ms the healthy trigger runs on
    // its 30 ms cadence (~1.3 s for 30 polls). Before, the hung triggers took the slots back at
    // every timeout, and the healthy one got about one poll in nine: some 11 in 5 s.
    await waitFor(() => healthy.length >= 30, 5000, 'the healthy trigger to be polled 30 times');
    // Every hung trigger got its turn (oldest due first), and none was polled a second time
    // while its first poll still hangs.
    for (const name of hungNames) expect(calls.get(name)).toBe(1);
    for (const name of [...hungNames, 'healthy']) await runner.setTriggerEnabled(name, false);
    for (const name of hungNames) {
      const errors = (await runner.getTriggerExecutionHistory(name)).filter(
        (h) => h.status === 'error',
      );
      expect(errors).toHaveLength(1);
      expect(errors[0]!.errorMessage).toContain('POLL_TIMEOUT');
    }
    await stopRunner(runner);
  });

  it('serves due triggers oldest due first when they outnumber the slots', async () => {
    const runner = await createRunner({ ...FAST, maxConcurrentPolls: 1 });
    runner.register(recordingWorkflow('wf'));
    const calls = new Map<string, number>();
    const names = ['a', 'b', 'c'];
    // Each poll takes longer than the interval, so all three are always due and one slot serves
    // them: taken oldest due first, they go round in turn.
    for (const name of names) {
      await runner.registerTrigger(
        defineTrigger({ name, pollInterval: '10ms' }, async () => {
          calls.set(name, (calls.get(name) ?? 0) + 1);
          await sleep(40);
          return false;
        }),
        'wf',
      );
    }
    const total = (): number => [...calls.values()].reduce((sum, n) => sum + n, 0);
    await waitFor(() => total() >= 15, 5000, 'fifteen polls');
    for (const name of names) await runner.setTriggerEnabled(name, false);
    // Before, a scan made every due trigger due "now", and the first registered won each tie.
    for (const name of names) expect(calls.get(name) ?? 0).toBeGreaterThanOrEqual(4);
    await stopRunner(runner);
  });

  it('does not poll a trigger again until its timed-out poll settles, and ignores the late result', async () => {
    const runner = await createRunner({ ...FAST, triggerPollTimeout: '40ms' });
    runner.register(recordingWorkflow('wf'));
    const spans: { start: number; end: number }[] = [];
    await runner.registerTrigger(
      defineTrigger({ name: 'late', pollInterval: '10ms' }, async () => {
        const span = { start: performance.now(), end: Number.POSITIVE_INFINITY };
        spans.push(span);
        await sleep(150); // ignores its signal, well past the timeout
        span.end = performance.now();
        return TriggerResult.fire({ late: true });
      }),
      'wf',
    );
    await waitFor(() => spans.length >= 3, 5000, 'three polls');
    await runner.setTriggerEnabled('late', false);

    // Never two polls of one trigger at once: each starts after the previous one settled.
    for (let i = 1; i < spans.length; i += 1) {
      expect(spans[i]!.start).toBeGreaterThanOrEqual(spans[i - 1]!.end);
    }
    // A result that comes after the timeout fires nothing; the timeout is what is recorded.
    const history = await runner.getTriggerExecutionHistory('late');
    expect(history.length).toBeGreaterThanOrEqual(2);
    expect(history.every((h) => h.status === 'error')).toBe(true);
    expect(await runner.listExecutions()).toHaveLength(0);
    await stopRunner(runner);
  });

  it("with triggerPollTimeout '30d' a poll that takes a few ms fires instead of timing out", async () => {
    const runner = await createRunner({ ...FAST, triggerPollTimeout: '30d' });
    runner.register(recordingWorkflow('wf'));
    await runner.registerTrigger(
      defineTrigger({ name: 'patient', pollInterval: '1h' }, async () => {
        await sleep(5);
        return TriggerResult.fire({ ok: true });
      }),
      'wf',
    );
    const [entry] = await waitFor(
      async () => {
        const rows = await runner.getTriggerExecutionHistory('patient');
        return rows.length > 0 ? rows : undefined;
      },
      5000,
      'the first poll to be recorded',
    );
    expect(entry!.errorMessage).toBeNull();
    expect(entry!.workflowExecutionId).not.toBeNull();
    await runner.waitForExecution(entry!.workflowExecutionId!);
    await stopRunner(runner);
  });
});
