import { describe, expect, it } from 'vitest';
import { TriggerError, TriggerResult, defineTrigger, type Trigger } from '../../src/index.js';
import { createRunner, freshDatabaseUrl, stopRunner } from '../helpers/backend.js';
import { waitFor } from '../helpers/wait.js';
import { RecordingLogger, gaps, recordingWorkflow, sleep } from './triggers-fixtures.js';

const FAST = { triggerBasePollInterval: '20ms' } as const;

/** A skipping trigger that records the wall-clock time of each poll. */
function timed(name: string, pollInterval: string | number, times: number[]): Trigger {
  return defineTrigger({ name, pollInterval }, () => {
    times.push(Date.now());
    return TriggerResult.skip();
  });
}

describe('event triggers: polling loop', () => {
  it('does not poll a disabled trigger; re-enabling resumes; disabling survives re-registration and restart', async () => {
    const url = freshDatabaseUrl();
    let runner = await createRunner(FAST, url);
    runner.register(recordingWorkflow('wf'));
    const times: number[] = [];
    await runner.registerTrigger(timed('gated', '30ms', times), 'wf');
    await waitFor(() => times.length >= 2, 5000, 'two polls');
    await runner.setTriggerEnabled('gated', false);
    await sleep(60); // a poll already in flight may still land
    const frozen = times.length;
    await sleep(200);
    expect(times.length).toBe(frozen);

    // Re-registration (a redeploy) updates the interval but keeps the operator's disable.
    const again = await runner.registerTrigger(timed('gated', '40ms', times), 'wf');
    expect(again.enabled).toBe(false);
    expect(again.pollIntervalMs).toBe(40);
    await sleep(150);
    expect(times.length).toBe(frozen);
    await stopRunner(runner);

    // A restart on the same database keeps it too.
    runner = await createRunner(FAST, url);
    runner.register(recordingWorkflow('wf'));
    const after: number[] = [];
    expect((await runner.registerTrigger(timed('gated', '40ms', after), 'wf')).enabled).toBe(false);
    await sleep(150);
    expect(after).toHaveLength(0);
    await runner.setTriggerEnabled('gated', true);
    await waitFor(() => after.length >= 2, 5000, 'polling to resume after re-enabling');
    await stopRunner(runner);
  });

  it("polls on each trigger's own interval between base ticks, and records every skip", async () => {
    // With a base tick of an hour, only the loop's due-time wake-ups can poll again.
    const runner = await createRunner({ triggerBasePollInterval: '1h' });
    runner.register(recordingWorkflow('wf'));
    const fast: number[] = [];
    const slow: number[] = [];
    await runner.registerTrigger(timed('fast', '40ms', fast), 'wf');
    await runner.registerTrigger(timed('slow', '120ms', slow), 'wf');
    await waitFor(() => slow.length >= 4, 10_000, 'four polls of the slow trigger');
    await runner.setTriggerEnabled('fast', false);
    await runner.setTriggerEnabled('slow', false);
    // Each kept its own cadence: the 40 ms trigger polled far more often than the 120 ms one.
    expect(fast.length).toBeGreaterThan(slow.length);
    // Every skip is recorded (a poll in flight at the disable is recorded a moment later).
    for (const [name, times] of [
      ['fast', fast],
      ['slow', slow],
    ] as const) {
      await waitFor(
        async () => (await runner.getTriggerSchedule(name))?.skips === times.length,
        5000,
        `every skip of '${name}' recorded`,
      );
    }
    await stopRunner(runner);
  });

  it('records throwing and hung polls, aborts the hung signal at the timeout, retries once the hung poll settles, and keeps other triggers on cadence', async () => {
    const logger = new RecordingLogger();
    const runner = await createRunner({ ...FAST, triggerPollTimeout: '150ms', logger });
    runner.register(recordingWorkflow('wf'));
    let boomCalls = 0;
    const boom = defineTrigger({ name: 'boom', pollInterval: '50ms' }, () => {
      boomCalls += 1;
      throw new Error('sensor offline');
    });
    const signals: AbortSignal[] = [];
    const hang = defineTrigger({ name: 'hang', pollInterval: '50ms' }, async (signal) => {
      signals.push(signal);
      // Ignores its signal and settles well after the timeout; only then is it polled again.
      await sleep(250);
      return true;
    });
    const steady: number[] = [];
    await runner.registerTrigger(boom, 'wf');
    await runner.registerTrigger(hang, 'wf');
    await runner.registerTrigger(timed('steady', '50ms', steady), 'wf');

    await waitFor(() => signals.length >= 3, 5000, 'the hung trigger to be retried twice');
    const steadyGaps = gaps(steady);
    await runner.setTriggerEnabled('boom', false);
    await runner.setTriggerEnabled('hang', false);
    await runner.setTriggerEnabled('steady', false);

    // The steady trigger kept its cadence: ~50 ms + at most a tick. A loop that waited for the
    // hung poll would hold it up 150 ms (the timeout) at each of the hung trigger's 3 polls;
    // one long gap is allowed for a busy machine.
    expect(steady.length).toBeGreaterThanOrEqual(6);
    const sorted = [...steadyGaps].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(100);
    expect(steadyGaps.filter((gap) => gap >= 150).length).toBeLessThanOrEqual(1);
    expect(boomCalls).toBeGreaterThanOrEqual(3);

    expect(signals[0]!.aborted).toBe(true);
    expect(signals[0]!.reason).toBeInstanceOf(TriggerError);
    expect((signals[0]!.reason as TriggerError).code).toBe('POLL_TIMEOUT');

    const hangErrors = (await runner.getTriggerExecutionHistory('hang')).filter(
      (h) => h.status === 'error',
    );
    expect(hangErrors.length).toBeGreaterThanOrEqual(2);
    expect(hangErrors[0]!.errorMessage).toContain('POLL_TIMEOUT');
    const boomHistory = await runner.getTriggerExecutionHistory('boom');
    expect(boomHistory.length).toBeGreaterThanOrEqual(3);
    expect(
      boomHistory.every((h) => h.status === 'error' && h.errorMessage === 'sensor offline'),
    ).toBe(true);
    const boomSchedule = (await runner.getTriggerSchedule('boom'))!;
    expect(boomSchedule.consecutiveErrors).toBeGreaterThanOrEqual(3);
    expect(boomSchedule.lastError).toBe('sensor offline');
    expect(boomSchedule.lastErrorAt).toBeInstanceOf(Date);

    // Logged once per streak, not once per failure.
    expect(logger.about('boom', 'warn')).toHaveLength(1);
    expect(logger.about('hang', 'warn')).toHaveLength(1);
    expect(await runner.listExecutions()).toHaveLength(0);
    await stopRunner(runner);
  });

  it('logs recovery once when a failing trigger succeeds again', async () => {
    const logger = new RecordingLogger();
    const runner = await createRunner({ ...FAST, logger });
    runner.register(recordingWorkflow('wf'));
    let calls = 0;
    const flaky = defineTrigger({ name: 'flaky', pollInterval: '30ms' }, () => {
      calls += 1;
      if (calls <= 3) throw new Error(`fail ${calls}`);
      return TriggerResult.skip('fine');
    });
    await runner.registerTrigger(flaky, 'wf');
    await waitFor(() => calls >= 6, 5000, 'recovery and a few more polls');
    await runner.setTriggerEnabled('flaky', false);
    expect(logger.about('flaky', 'warn')).toHaveLength(1);
    expect(logger.about('flaky', 'info').filter((c) => c.msg.includes('recovered'))).toHaveLength(
      1,
    );
    const schedule = (await runner.getTriggerSchedule('flaky'))!;
    expect(schedule.consecutiveErrors).toBe(0);
    expect(schedule.lastError).toBe('fail 3');
    await stopRunner(runner);
  });

  it('bounds polls in flight by maxConcurrentPolls', async () => {
    const runner = await createRunner({ ...FAST, maxConcurrentPolls: 2 });
    runner.register(recordingWorkflow('wf'));
    let active = 0;
    let peak = 0;
    let total = 0;
    for (const name of ['s1', 's2', 's3', 's4']) {
      await runner.registerTrigger(
        defineTrigger({ name, pollInterval: '20ms' }, async () => {
          active += 1;
          total += 1;
          peak = Math.max(peak, active);
          await sleep(40);
          active -= 1;
          return false;
        }),
        'wf',
      );
    }
    await waitFor(() => total >= 12, 5000, 'a dozen polls');
    for (const name of ['s1', 's2', 's3', 's4']) await runner.setTriggerEnabled(name, false);
    expect(peak).toBe(2);
    await stopRunner(runner);
  });

  it('with enableTriggerScheduling false polls nothing, while management and manual fires work', async () => {
    const runner = await createRunner({ ...FAST, enableTriggerScheduling: false });
    runner.register(recordingWorkflow('wf'));
    const times: number[] = [];
    await runner.registerTrigger(timed('idle', '20ms', times), 'wf');
    await sleep(150);
    expect(times).toHaveLength(0);
    const out = await runner.fireTrigger('idle', { manual: true });
    expect(out.status).toBe('fired');
    if (out.status === 'fired') await runner.waitForExecution(out.executionId);
    expect((await runner.listTriggerSchedules()).map((s) => s.triggerName)).toEqual(['idle']);
    await stopRunner(runner);
  });

  it('does not poll a schedule row without a registered object, and warns once', async () => {
    const logger = new RecordingLogger();
    const runner = await createRunner({ ...FAST, logger });
    runner.register(recordingWorkflow('wf'));
    await runner
      .dal()
      .triggerSchedules.upsert({ triggerName: 'ghost', workflowName: 'wf', pollInterval: '20ms' });
    await sleep(250); // about a dozen ticks
    const warnings = logger.about('ghost', 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toContain('no trigger object');
    expect((await runner.getTriggerSchedule('ghost'))!.lastPollAt).toBeNull();
    await stopRunner(runner);
  });

  it('two runners on one database poll a trigger once per interval between them', async () => {
    const url = freshDatabaseUrl();
    const a = await createRunner(FAST, url);
    const b = await createRunner(FAST, url);
    const times: number[] = [];
    const by: string[] = [];
    for (const [runner, label] of [
      [a, 'a'],
      [b, 'b'],
    ] as const) {
      runner.register(recordingWorkflow('wf'));
      await runner.registerTrigger(
        defineTrigger({ name: 'shared', pollInterval: '200ms' }, () => {
          times.push(Date.now());
          by.push(label);
          return false;
        }),
        'wf',
      );
    }
    const started = Date.now();
    await sleep(3000);
    await a.setTriggerEnabled('shared', false);
    const elapsed = Date.now() - started;
    await sleep(30);
    await stopRunner(a);
    await stopRunner(b);

    // One poller: about elapsed / (200 ms + up to one 20 ms tick); two would double it.
    const ideal = elapsed / 200;
    expect(times.length).toBeGreaterThanOrEqual(Math.floor(elapsed / 220) - 1);
    expect(times.length).toBeLessThanOrEqual(Math.ceil(ideal) + 1);
    // Never two polls in one interval (with some slack: the claim's database round trip sits
    // between the durable lastPollAt and the call of poll()).
    expect(Math.min(...gaps(times))).toBeGreaterThanOrEqual(150);
    expect(new Set(by).size).toBeGreaterThanOrEqual(1);
  });

  it('a restart does not re-poll a trigger that was polled just before', async () => {
    const url = freshDatabaseUrl();
    let runner = await createRunner(FAST, url);
    runner.register(recordingWorkflow('wf'));
    const before: number[] = [];
    // An hour: however long the restart takes, the trigger is not due again.
    await runner.registerTrigger(timed('slow', '1h', before), 'wf');
    await waitFor(() => before.length === 1, 5000, 'the first poll');
    const polledAt = (await runner.getTriggerSchedule('slow'))!.lastPollAt;
    await stopRunner(runner);

    runner = await createRunner(FAST, url);
    runner.register(recordingWorkflow('wf'));
    const after: number[] = [];
    await runner.registerTrigger(timed('slow', '1h', after), 'wf');
    await sleep(300);
    expect(after).toHaveLength(0);
    expect((await runner.getTriggerSchedule('slow'))!.lastPollAt).toEqual(polledAt);
    await stopRunner(runner);
  });

  it('writes the skips still waiting for a claim when the runner stops', async () => {
    const url = freshDatabaseUrl();
    let runner = await createRunner(FAST, url);
    runner.register(recordingWorkflow('wf'));
    const times: number[] = [];
    // Polled once, then not for an hour: no later claim carries the skip's record.
    await runner.registerTrigger(timed('hourly', '1h', times), 'wf');
    await waitFor(() => times.length === 1, 5000, 'the first poll');
    await stopRunner(runner);

    runner = await createRunner({ ...FAST, enableTriggerScheduling: false }, url);
    expect((await runner.getTriggerSchedule('hourly'))!.skips).toBe(1);
    await stopRunner(runner);
  });
});
