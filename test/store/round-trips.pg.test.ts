/**
 * Round trips of the hot-path transactions on PostgreSQL. Each is a wait on the server (≥ 0.2 ms
 * here, ~0.8 ms after an idle gap), so their count per transaction is part of the design:
 * counted at the driver (`pg.Client#query`), against a real server.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { newExecutionId } from '../../src/core/execution-id.js';
import { openStore } from '../../src/store/open.js';
import type { NewTask, Store } from '../../src/store/store.js';
import { freshDatabaseUrl } from '../helpers/backend.js';

const RUNNER = 'runner-1';

/** Counts the queries every pg client sends while `fn` runs. */
async function countingQueries<T>(fn: () => Promise<T>): Promise<{ result: T; queries: number }> {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  let queries = 0;
  proto.query = function (this: unknown, ...args: unknown[]): unknown {
    queries += 1;
    return original.apply(this, args);
  };
  try {
    return { result: await fn(), queries };
  } finally {
    proto.query = original;
  }
}

const ONE_TASK: NewTask[] = [
  {
    taskId: 'only',
    position: 0,
    dependencies: [],
    dependents: [],
    triggerRule: { type: 'always' },
  },
];

describe('PostgreSQL round trips', () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
  });

  it('a completion that ends its execution takes three: task, counter with results, outcome with COMMIT', async () => {
    store = await openStore(freshDatabaseUrl());
    await store.migrate();
    const id = newExecutionId();
    const scheduled = await store.scheduleExecution({
      id,
      workflowName: 'one',
      workflowVersion: 'v1',
      initialContext: { input: 1 },
      tasks: ONE_TASK,
      nowMs: 1_000,
      runnerId: RUNNER,
      claimRoots: 1,
    });
    const claim = scheduled.claimed[0]!;

    const { result, queries } = await countingQueries(() =>
      store!.completeTasks({
        completions: [{ ...claim, output: { input: 1, done: true } }],
        nowMs: 2_000,
        runnerId: RUNNER,
      }),
    );

    expect(result.held).toEqual([true]);
    expect(queries).toBe(3);
    const record = await store.getExecution(id);
    expect(record).toMatchObject({
      status: 'Completed',
      finalContext: { input: 1, done: true },
      completedAtMs: 2_000,
    });
    const events = (await store.getEvents(id)).map((event) => event.type);
    expect(events.slice(-2)).toEqual(['task_completed', 'workflow_completed']);
  });

  it('a completion that also claims the next task reads the closing execution and claims in one', async () => {
    store = await openStore(freshDatabaseUrl());
    await store.migrate();
    const schedule = (claimRoots: number) =>
      store!.scheduleExecution({
        id: newExecutionId(),
        workflowName: 'one',
        workflowVersion: 'v1',
        initialContext: {},
        tasks: ONE_TASK,
        nowMs: 1_000,
        runnerId: RUNNER,
        claimRoots,
      });
    const first = await schedule(1);
    // Running already (its root was claimed, then handed back): claiming its root again starts
    // no execution, so there is no further read.
    const second = await schedule(1);
    await store.releaseClaims({ claims: second.claimed, nowMs: 1_500, runnerId: RUNNER });

    const { result, queries } = await countingQueries(() =>
      store!.completeTasks({
        completions: [{ ...first.claimed[0]!, output: { done: 1 } }],
        nowMs: 2_000,
        runnerId: RUNNER,
        claimNext: { limit: 1, workflowNames: ['one'] },
      }),
    );

    expect(result.held).toEqual([true]);
    expect(result.claimed.map((task) => task.executionId)).toEqual([second.record.id]);
    expect(queries).toBe(3);
    expect((await store.getExecution(first.record.id))!.status).toBe('Completed');
  });
});
