/**
 * Suppressed (de-duplicated) fires: one history row per trigger, open execution and context,
 * counting every suppression, instead of one row per suppressed poll.
 */
import { describe, expect, it } from 'vitest';
import {
  TriggerResult,
  defineTrigger,
  type DefaultRunner,
  type TriggerExecution,
} from '../../src/index.js';
import { createRunner, stopRunner } from '../helpers/backend.js';
import { waitFor } from '../helpers/wait.js';
import { Gate, recordingWorkflow } from './triggers-fixtures.js';

const FIRES = 12;

const suppressedRows = async (runner: DefaultRunner): Promise<TriggerExecution[]> =>
  (await runner.getTriggerExecutionHistory('watch')).filter((h) => h.status === 'deduplicated');

describe('suppressed trigger fires', () => {
  it('keeps one counted row per open execution and context, and starts a new one when either changes', async () => {
    const runner = await createRunner({ triggerBasePollInterval: '20ms' });
    const gate = new Gate();
    runner.register(recordingWorkflow('wf', { gate }));
    let polls = 0;
    // Fires the same context FIRES times, then only skips: the first fire starts the workflow,
    // which the gate holds open, so the other FIRES - 1 are suppressed.
    const trigger = defineTrigger({ name: 'watch', pollInterval: '20ms' }, () => {
      polls += 1;
      return polls <= FIRES ? TriggerResult.fire({ file: 'a' }) : TriggerResult.skip('idle');
    });
    await runner.registerTrigger(trigger, 'wf');

    const sum = (rows: TriggerExecution[]): number => rows.reduce((n, h) => n + h.count, 0);
    const rows = await waitFor(
      async () => {
        const found = await suppressedRows(runner);
        return sum(found) >= FIRES - 1 ? found : undefined;
      },
      10_000,
      `${FIRES - 1} suppressed fires counted`,
    );
    expect(sum(rows)).toBe(FIRES - 1);
    expect(rows).toHaveLength(1);
    const history = await runner.getTriggerExecutionHistory('watch');
    const opened = history.filter((h) => h.status === 'open');
    expect(opened).toHaveLength(1);
    const first = rows[0]!;
    expect(first.contextHash).toBe(opened[0]!.contextHash);
    expect(first.openExecutionId).toBe(opened[0]!.workflowExecutionId);
    expect(first.workflowExecutionId).toBeNull();
    expect(first.completedAt!.getTime()).toBeGreaterThan(first.startedAt.getTime());
    expect(opened[0]!.count).toBe(1);
    await runner.setTriggerEnabled('watch', false);

    // Another context: its own execution, and its own row for its duplicates.
    const other = await runner.fireTrigger('watch', { file: 'b' });
    expect(other.status).toBe('fired');
    expect((await runner.fireTrigger('watch', { file: 'b' })).status).toBe('deduplicated');
    expect((await runner.fireTrigger('watch', { file: 'a' })).status).toBe('deduplicated');
    let suppressed = await suppressedRows(runner);
    expect(suppressed).toHaveLength(2);
    const byHash = new Map(suppressed.map((h) => [h.contextHash, h]));
    expect(byHash.get(first.contextHash)?.count).toBe(FIRES);
    expect(byHash.get(first.contextHash)?.id).toBe(first.id);
    expect(byHash.get(other.contextHash)?.count).toBe(1);
    if (other.status === 'fired') {
      expect(byHash.get(other.contextHash)?.openExecutionId).toBe(other.executionId);
    }

    // Once the execution has ended, the same context fires again and counts in a new row.
    gate.open();
    await waitFor(
      async () =>
        (await runner.getTriggerExecutionHistory('watch')).every((h) => h.status !== 'open'),
      5000,
      'both executions to end',
    );
    gate.close();
    const again = await runner.fireTrigger('watch', { file: 'a' });
    expect(again.status).toBe('fired');
    expect((await runner.fireTrigger('watch', { file: 'a' })).status).toBe('deduplicated');
    suppressed = await suppressedRows(runner);
    expect(suppressed).toHaveLength(3);
    const fresh = suppressed.filter(
      (h) => h.contextHash === first.contextHash && h.id !== first.id,
    );
    expect(fresh).toHaveLength(1);
    expect(fresh[0]!.count).toBe(1);
    if (again.status === 'fired') expect(fresh[0]!.openExecutionId).toBe(again.executionId);
    expect(suppressed.find((h) => h.id === first.id)?.count).toBe(FIRES);
    await stopRunner(runner, { graceful: false });
  });
});
