import { describe, expect, it } from 'vitest';
import { TriggerResult, defineTrigger } from '../../src/index.js';
import { createRunner, stopRunner } from '../helpers/backend.js';
import { waitFor } from '../helpers/wait.js';
import { recordingWorkflow, sleep } from './triggers-fixtures.js';

const FAST = { triggerBasePollInterval: '20ms' } as const;

describe('event triggers: slots, hung polls and long timeouts', () => {
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
