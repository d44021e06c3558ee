import { afterEach, describe, expect, it } from 'vitest';
import { newExecutionId } from '../../src/core/execution-id.js';
import { openStore } from '../../src/store/open.js';
import type { ClaimedTask, NewTask, Store } from '../../src/store/store.js';
import { freshDatabaseUrl } from '../helpers/backend.js';

const RUNNER = 'runner-1';
const ALL = { limit: 10, workflowNames: ['fan'] };

/** a → (b, c, d) → e: a fan-out and a join. */
function fan(): NewTask[] {
  const middle = ['b', 'c', 'd'];
  return [
    {
      taskId: 'a',
      position: 0,
      dependencies: [],
      dependents: middle,
      triggerRule: { type: 'always' },
    },
    ...middle.map((taskId, i) => ({
      taskId,
      position: i + 1,
      dependencies: ['a'],
      dependents: ['e'],
      triggerRule: { type: 'always' } as const,
    })),
    {
      taskId: 'e',
      position: 4,
      dependencies: middle,
      dependents: [],
      triggerRule: { type: 'always' },
    },
  ];
}

describe('settling tasks', () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
  });

  it('keeps the open-task count exact through a fan-out and a join settled in separate batches', async () => {
    store = await openStore(freshDatabaseUrl());
    await store.migrate();
    const id = newExecutionId();
    const { claimed: roots } = await store.scheduleExecution({
      id,
      workflowName: 'fan',
      workflowVersion: 'v1',
      initialContext: {},
      tasks: fan(),
      nowMs: 1_000,
      runnerId: RUNNER,
      claimRoots: 1,
    });
    let now = 1_000;
    const complete = async (tasks: readonly ClaimedTask[]): Promise<readonly ClaimedTask[]> => {
      now += 1;
      const out = await store!.completeTasks({
        completions: tasks.map((task) => ({ ...task, output: { [task.taskId]: true } })),
        nowMs: now,
        runnerId: RUNNER,
        claimNext: ALL,
      });
      expect(out.held).toEqual(tasks.map(() => true));
      return out.claimed;
    };
    const openTasks = async (): Promise<number> => (await store!.getExecution(id))!.openTasks;

    const middle = await complete(roots);
    expect(middle.map((t) => t.taskId).sort()).toEqual(['b', 'c', 'd']);
    expect(await openTasks()).toBe(4);
    expect(await complete(middle.slice(0, 1))).toEqual([]);
    expect(await openTasks()).toBe(3);
    expect((await store.getExecution(id))!.status).toBe('Running');
    const join = await complete(middle.slice(1));
    expect(join.map((t) => t.taskId)).toEqual(['e']);
    expect(await openTasks()).toBe(1);
    expect(await complete(join)).toEqual([]);
    const done = (await store.getExecution(id))!;
    expect(done).toMatchObject({ status: 'Completed', openTasks: 0 });
    expect(done.finalContext).toEqual({ a: true, b: true, c: true, d: true, e: true });
  });
});
