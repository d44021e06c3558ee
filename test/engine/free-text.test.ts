/**
 * Free text the engine records (task errors, pause reasons, skip reasons, poll errors) may hold
 * U+0000, which PostgreSQL text cannot store: both backends store and return it with U+FFFD in
 * its place, and one such text never costs another record.
 */
import { describe, expect, it } from 'vitest';
import { TriggerResult, defineTrigger, rules, task, workflow } from '../../src/index.js';
import { openStore } from '../../src/store/open.js';
import { createRunner, freshDatabaseUrl, nextEvent, stopRunner } from '../helpers/backend.js';
import { waitFor } from '../helpers/wait.js';
import { Gate, RecordingLogger, recordingWorkflow } from './triggers-fixtures.js';

const NUL = '\u0000';
const REPLACED = '\uFFFD';

/** A trigger that skips with `reason` on every poll and counts its polls. */
function skipping(
  name: string,
  reason: string,
): { trigger: ReturnType<typeof defineTrigger>; polls: () => number } {
  let polls = 0;
  const trigger = defineTrigger({ name, pollInterval: '20ms' }, () => {
    polls += 1;
    return TriggerResult.skip(reason);
  });
  return { trigger, polls: () => polls };
}

describe('free text with NUL characters', () => {
  it('fails a task whose error message holds NUL, keeping the message with U+FFFD', async () => {
    const runner = await createRunner();
    runner.register(
      workflow({
        name: 'nul_error',
        tasks: [
          task({ id: 'boom', retry: { attempts: 2, initialDelay: '5ms', jitter: false } }, () => {
            throw new Error(`bad${NUL}byte`);
          }),
        ],
      }),
    );
    const result = await runner.execute('nul_error', {}, { timeout: '5s' });
    expect(result.status).toBe('Failed');
    expect(result.taskResults[0]!.errorMessage).toBe(`bad${REPLACED}byte`);
    const events = await runner.getExecutionEvents(result.executionId);
    expect(events.find((e) => e.type === 'task_retry_scheduled')?.data).toMatchObject({
      error: `bad${REPLACED}byte`,
    });
    expect(events.find((e) => e.type === 'task_failed')?.data).toMatchObject({
      error: `bad${REPLACED}byte`,
    });
    await stopRunner(runner);
  });

  it('skips a task whose rule names a key holding NUL, keeping the reason with U+FFFD', async () => {
    const runner = await createRunner();
    runner.register(
      workflow({
        name: 'nul_skip',
        tasks: [
          task({ id: 'first' }, () => undefined),
          task(
            {
              id: 'second',
              dependencies: ['first'],
              triggerRules: rules.contextValue(`k${NUL}`, 'equals', 1),
            },
            () => undefined,
          ),
        ],
      }),
    );
    const result = await runner.execute('nul_skip', {}, { timeout: '5s' });
    expect(result.status).toBe('Completed');
    const reason = `Trigger rule not satisfied: contextValue(k${REPLACED} equals 1)`;
    expect(result.taskResults.find((t) => t.taskId === 'second')?.skipReason).toBe(reason);
    const events = await runner.getExecutionEvents(result.executionId);
    expect(events.find((e) => e.type === 'task_skipped')?.data).toEqual({ reason });
    await stopRunner(runner);
  });

  it('pauses with a reason holding NUL, stored and announced with U+FFFD', async () => {
    const url = freshDatabaseUrl();
    const runner = await createRunner({}, url);
    const gate = new Gate();
    runner.register(recordingWorkflow('nul_pause', { gate }));
    const started = nextEvent(runner, (e) => e.type === 'task_started');
    const handle = await runner.executeAsync('nul_pause');
    await started;
    await handle.pause(`hold${NUL}on`);
    expect(await handle.status()).toBe('Paused');
    const paused = (await runner.getExecutionEvents(handle.executionId)).find(
      (e) => e.type === 'workflow_paused',
    );
    expect(paused?.data).toEqual({ reason: `hold${REPLACED}on` });
    const store = await openStore(url);
    try {
      expect((await store.getExecution(handle.executionId))?.pauseReason).toBe(`hold${REPLACED}on`);
    } finally {
      await store.close();
    }
    // Cancel before the gate opens: a paused execution whose last running task then finishes
    // completes, and a cancel after that would be refused.
    await handle.cancel();
    gate.open();
    await stopRunner(runner);
  });

  it('counts every skip of a trigger whose reason holds NUL and of a healthy one beside it', async () => {
    const url = freshDatabaseUrl();
    const logger = new RecordingLogger();
    const runner = await createRunner({ triggerBasePollInterval: '20ms', logger }, url);
    runner.register(recordingWorkflow('wf'));
    const dirty = skipping('dirty', `x${NUL}y`);
    const clean = skipping('clean', 'idle');
    await runner.registerTrigger(dirty.trigger, 'wf');
    await runner.registerTrigger(clean.trigger, 'wf');
    await waitFor(() => dirty.polls() >= 6 && clean.polls() >= 6, 5000, 'six polls of each');
    // A graceful stop writes the records of every finished poll.
    await stopRunner(runner);

    const store = await openStore(url);
    try {
      const dirtyRow = await store.getTriggerSchedule('dirty');
      const cleanRow = await store.getTriggerSchedule('clean');
      expect(cleanRow?.skips).toBe(clean.polls());
      expect(cleanRow?.lastSkipReason).toBe('idle');
      expect(dirtyRow?.skips).toBe(dirty.polls());
      expect(dirtyRow?.lastSkipReason).toBe(`x${REPLACED}y`);
    } finally {
      await store.close();
    }
    expect(logger.calls.filter((c) => c.level === 'warn')).toEqual([]);
  });

  it('records a poll error whose message holds NUL with U+FFFD', async () => {
    const runner = await createRunner({ triggerBasePollInterval: '20ms' });
    runner.register(recordingWorkflow('wf'));
    await runner.registerTrigger(
      defineTrigger({ name: 'broken', pollInterval: '20ms' }, () => {
        throw new Error(`broken${NUL}pipe`);
      }),
      'wf',
    );
    const rows = await waitFor(
      async () => {
        const history = await runner.getTriggerExecutionHistory('broken');
        return history.length > 0 ? history : undefined;
      },
      5000,
      'a poll error in the history',
    );
    expect(rows[0]!.status).toBe('error');
    expect(rows[0]!.errorMessage).toBe(`broken${REPLACED}pipe`);
    expect((await runner.getTriggerSchedule('broken'))?.lastError).toBe(`broken${REPLACED}pipe`);
    await runner.setTriggerEnabled('broken', false);
    await stopRunner(runner);
  });
});
