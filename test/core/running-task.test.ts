import { describe, expect, it } from 'vitest';
import { RunningTask } from '../../src/engine/running-task.js';
import { Slots } from '../../src/engine/slots.js';
import type { ClaimedTask } from '../../src/store/store.js';

const claim: ClaimedTask = {
  taskExecutionId: 'e:t',
  claimId: 'c',
  executionId: 'e',
  workflowName: 'w',
  workflowVersion: 'v',
  taskId: 't',
  attempt: 1,
  input: {},
  hasDependents: false,
  claimedAtMs: 0,
};

describe('a running task attempt', () => {
  it('hands out a signal already aborted with the reason when it is read after the abort', async () => {
    const task = new RunningTask(claim, new Slots(1).reserve(1));
    const reason = new Error('timed out');
    task.abort('timeout', reason);
    task.abort('cancelled', new Error('later'));
    expect(task.cause).toBe('timeout');
    expect(task.signal.aborted).toBe(true);
    expect(task.signal.reason).toBe(reason);
    await expect(task.aborted).rejects.toBe(reason);
  });

  it('aborts a signal read before the abort, and rejects the race promise', async () => {
    const task = new RunningTask(claim, new Slots(1).reserve(1));
    const signal = task.signal;
    const heard = new Promise((resolve) => signal.addEventListener('abort', resolve));
    const reason = new Error('cancelled');
    task.abort('cancelled', reason);
    await heard;
    expect(signal.reason).toBe(reason);
    await expect(task.aborted).rejects.toBe(reason);
  });

  it('ignores an abort once finished', () => {
    const task = new RunningTask(claim, new Slots(1).reserve(1));
    task.state = 'finished';
    task.abort('shutdown', new Error('stop'));
    expect(task.cause).toBeUndefined();
    expect(task.signal.aborted).toBe(false);
  });
});
