import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { NewTask, Store } from '../../src/store/store.js';
import { freshDatabaseUrl } from '../helpers/backend.js';

const RUNNER = 'runner-1';

/** The task rows of a chain a → b → c. */
function chain(): NewTask[] {
  const ids = ['a', 'b', 'c'];
  return ids.map((taskId, i) => ({
    taskId,
    position: i,
    dependencies: i === 0 ? [] : [ids[i - 1]!],
    dependents: i === ids.length - 1 ? [] : [ids[i + 1]!],
    triggerRule: { type: 'always' },
  }));
}

describe('claiming with a final write', () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
  });

  it('claims the dependent a completion readies, in the same transaction, and no more than asked', async () => {
    store = await openStore(freshDatabaseUrl());
    await store.migrate();
    const id = randomUUID();
    const scheduled = await store.scheduleExecution({
      id,
      workflowName: 'chain',
      workflowVersion: 'v1',
      initialContext: { n: 1 },
      tasks: chain(),
      nowMs: 1_000,
      runnerId: RUNNER,
      claimRoots: 1,
    });
    expect(scheduled.claimed.map((c) => c.taskId)).toEqual(['a']);
    expect(scheduled.claimed[0]!.hasDependents).toBe(true);
    expect(scheduled.record.status).toBe('Running');

    const a = scheduled.claimed[0]!;
    const afterA = await store.completeTask({
      taskExecutionId: a.taskExecutionId,
      claimId: a.claimId,
      output: { a: true },
      nowMs: 2_000,
      runnerId: RUNNER,
      claimNext: { limit: 5, workflowNames: ['chain'] },
    });
    expect(afterA.held).toBe(true);
    expect(afterA.claimed.map((c) => c.taskId)).toEqual(['b']);
    expect(afterA.claimed[0]!.input).toEqual({ a: true });
    const tasks = await store.getTasks(id);
    expect(tasks.find((t) => t.taskId === 'b')).toMatchObject({
      status: 'Running',
      claimedBy: RUNNER,
    });

    // Without claimNext (or with a limit of 0) the next dependent stays Ready for any runner.
    const b = afterA.claimed[0]!;
    const afterB = await store.completeTask({
      taskExecutionId: b.taskExecutionId,
      claimId: b.claimId,
      output: {},
      nowMs: 3_000,
      runnerId: RUNNER,
      claimNext: { limit: 0, workflowNames: ['chain'] },
    });
    expect(afterB).toEqual({ held: true, claimed: [] });
    expect((await store.getTasks(id)).find((t) => t.taskId === 'c')?.status).toBe('Ready');
  });

  it('claims no roots when asked for none, and signals them Ready instead', async () => {
    store = await openStore(freshDatabaseUrl());
    await store.migrate();
    const scheduled = await store.scheduleExecution({
      id: randomUUID(),
      workflowName: 'chain',
      workflowVersion: 'v1',
      initialContext: {},
      tasks: chain(),
      nowMs: 1_000,
      runnerId: RUNNER,
    });
    expect(scheduled.claimed).toEqual([]);
    expect(scheduled.record.status).toBe('Pending');
    const claimed = await store.claimReadyTasks({
      runnerId: RUNNER,
      limit: 10,
      nowMs: 1_000,
      workflowNames: ['chain'],
    });
    expect(claimed.map((c) => c.taskId)).toEqual(['a']);
  });
});
