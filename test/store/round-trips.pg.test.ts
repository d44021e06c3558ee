/**
 * Round trips of the hot-path transactions on PostgreSQL. Each is a wait on the server (≥ 0.2 ms
 * here, ~0.8 ms after an idle gap), so their count per transaction is part of the design:
 * counted at the driver (`pg.Client#query`), against a real server.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import { task, workflow } from '../../src/index.js';
import type { ScheduledExecution, Store } from '../../src/store/store.js';
import { freshDatabaseUrl } from '../helpers/backend.js';
import { countingQueries } from '../helpers/pg.js';
import { newExecutionId } from '../../src/core/execution-id.js';
import { executionOf, planOf } from '../helpers/plan.js';
import { single } from './fixtures/workflows.js';

const RUNNER = 'runner-1';

/** a → b: the smallest workflow whose first completion readies a dependent. */
const duo = workflow({
  name: 'duo',
  tasks: [
    task({ id: 'a' }, () => undefined),
    task({ id: 'b', dependencies: ['a'] }, () => undefined),
  ],
});

describe('PostgreSQL round trips', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openStore(freshDatabaseUrl());
    await store.migrate();
  });
  afterEach(async () => {
    await store.close();
  });

  /** Completes the claimed root of `scheduled`, claiming one next task of 'single' with it. */
  const completeClaimingOne = (scheduled: ScheduledExecution) =>
    store.completeTasks({
      completions: [{ ...scheduled.claimed[0]!, output: { done: 1 } }],
      nowMs: 2_000,
      runnerId: RUNNER,
      claimNext: { limit: 1, workflowNames: ['single'] },
    });

  /** Schedules a one-task execution, its root claimed for RUNNER when `claimRoots` is 1. */
  const schedule = (claimRoots: number, initialContext = {}) =>
    store.scheduleExecution(executionOf(single, { initialContext, runnerId: RUNNER, claimRoots }));

  it('a completion that ends its execution takes two: task with counter and closing read, outcome with COMMIT', async () => {
    const scheduled = await schedule(1, { input: 1 });
    const id = scheduled.record.id;
    const claim = scheduled.claimed[0]!;

    const { result, queries } = await countingQueries(() =>
      store.completeTasks({
        completions: [{ ...claim, output: { input: 1, done: true } }],
        nowMs: 2_000,
        runnerId: RUNNER,
      }),
    );

    expect(result.held).toEqual([true]);
    expect(queries).toBe(2);
    const record = await store.getExecution(id);
    expect(record).toMatchObject({
      status: 'Completed',
      finalContext: { input: 1, done: true },
      completedAtMs: 2_000,
    });
    const events = (await store.getEvents(id)).map((event) => event.type);
    expect(events.slice(-2)).toEqual(['task_completed', 'workflow_completed']);
  });

  it('a completion asked to read back the execution it ends still takes two: the read rides with COMMIT', async () => {
    const scheduled = await schedule(1, { input: 1 });
    const id = scheduled.record.id;

    const { result, queries } = await countingQueries(() =>
      store.completeTasks({
        completions: [{ ...scheduled.claimed[0]!, output: { input: 1, done: true } }],
        nowMs: 2_000,
        runnerId: RUNNER,
        readEnded: [id],
      }),
    );

    expect(queries).toBe(2);
    expect(result.ended).toEqual(await store.getEndedExecutions([id]));
    expect(result.ended?.[0]?.record).toMatchObject({ status: 'Completed', completedAtMs: 2_000 });
  });

  it('a completion that also claims the next task sends the claim with its first statement', async () => {
    const first = await schedule(1);
    // Running already (its root was claimed, then handed back): claiming its root again starts
    // no execution, so there is no further read.
    const second = await schedule(1);
    await store.releaseClaims({ claims: second.claimed, nowMs: 1_500, runnerId: RUNNER });

    const { result, queries } = await countingQueries(() => completeClaimingOne(first));

    expect(result.held).toEqual([true]);
    expect(result.claimed.map((task) => task.executionId)).toEqual([second.record.id]);
    expect(queries).toBe(2);
    expect((await store.getExecution(first.record.id))!.status).toBe('Completed');
  });

  it('a claim that starts a Pending execution takes two: claim with start, events with COMMIT', async () => {
    const pending = await schedule(0);
    expect(pending.record.status).toBe('Pending');

    const { result, queries } = await countingQueries(() =>
      store.claimReadyTasks({
        runnerId: RUNNER,
        limit: 1,
        nowMs: 2_000,
        workflowNames: ['single'],
      }),
    );

    expect(result.tasks.map((task) => task.executionId)).toEqual([pending.record.id]);
    expect(queries).toBe(2);
    expect(await store.getExecution(pending.record.id)).toMatchObject({
      status: 'Running',
      startedAtMs: 2_000,
    });
    const events = (await store.getEvents(pending.record.id)).map((event) => event.type);
    expect(events).toEqual(['task_ready', 'workflow_started', 'task_started']);
  });

  it('a completion that claims the root of a Pending execution starts it within the claim, in two', async () => {
    const first = await schedule(1);
    const pending = await schedule(0);

    const { result, queries } = await countingQueries(() => completeClaimingOne(first));

    expect(result.claimed.map((task) => task.executionId)).toEqual([pending.record.id]);
    expect(queries).toBe(2);
    expect((await store.getExecution(pending.record.id))!.status).toBe('Running');
  });

  it('the reads a waiter and a status check make take one each: no transaction around them', async () => {
    const scheduled = await schedule(1);
    await completeClaimingOne(scheduled);
    const id = scheduled.record.id;

    const ended = await countingQueries(() => store.getEndedExecutions([id]));
    const record = await countingQueries(() => store.getExecution(id));
    const tasks = await countingQueries(() => store.getTasks(id));

    expect([ended.queries, record.queries, tasks.queries]).toEqual([1, 1, 1]);
    expect(ended.result.map((e) => [e.record.status, e.tasks.length])).toEqual([['Completed', 1]]);
    expect(record.result?.status).toBe('Completed');
    expect(tasks.result.map((t) => t.status)).toEqual(['Completed']);
  });

  describe('a trigger fire', () => {
    /** Fires 'single' with its root claimed for RUNNER. */
    const fire = (deduplicate: boolean) =>
      store.fireTrigger({
        triggerName: 'sensor',
        executionId: newExecutionId(),
        workflowName: 'single',
        workflowVersion: single.version,
        tasks: planOf(single),
        context: { file: 'a' },
        contextHash: 'a',
        deduplicate,
        nowMs: 1_000,
        runnerId: RUNNER,
        claimRoots: 1,
      });

    it('without de-duplication takes the one round trip of a start', async () => {
      const { result, queries } = await countingQueries(() => fire(false));

      expect(queries).toBe(1);
      expect(result).toMatchObject({ status: 'fired' });
      if (result.status !== 'fired') throw new Error('expected a fire');
      expect(result.claimed).toHaveLength(1);
      const [run] = await store.getTriggerHistory({ triggerName: 'sensor', limit: 5, offset: 0 });
      expect(run).toMatchObject({ status: 'open', workflowExecutionId: result.executionId });
    });

    it('with de-duplication takes one more: whether an open run conflicts decides the rest', async () => {
      const { result, queries } = await countingQueries(() => fire(true));

      expect(queries).toBe(2);
      expect(result).toMatchObject({ status: 'fired' });
      expect(await fire(true)).toMatchObject({ status: 'deduplicated' });
    });
  });

  describe('a workflow concurrency limit far from reached', () => {
    /** Roomy: one stripe may do (see `ops/admission-core.ts`), with room to guess. */
    const roomy = { key: 'k', limit: 100_000 };
    const limited = (claimRoots: number, nowMs = 1_000) =>
      store.scheduleExecution(
        executionOf(single, { runnerId: RUNNER, claimRoots, concurrency: roomy, nowMs }),
      );

    it('a start takes the one round trip of an unlimited start: the place is guessed, checked with COMMIT', async () => {
      const plain = await countingQueries(() => schedule(1));
      const { result, queries } = await countingQueries(() => limited(1));

      expect(plain.queries).toBe(1);
      expect(queries).toBe(1);
      expect(result.record.status).toBe('Running');
      expect(result.claimed).toHaveLength(1);
    });

    it('an end takes the two round trips of an unlimited end', async () => {
      const scheduled = await limited(1);

      const { result, queries } = await countingQueries(() =>
        store.completeTasks({
          completions: [{ ...scheduled.claimed[0]!, output: { done: 1 } }],
          nowMs: 2_000,
          runnerId: RUNNER,
        }),
      );

      expect(result.held).toEqual([true]);
      expect(queries).toBe(2);
      expect((await store.getExecution(scheduled.record.id))!.status).toBe('Completed');
    });
  });

  it('a guess refused near the limit runs again counting, and its group counts first for a while', async () => {
    // The smallest roomy limit: a guess holds only while nobody waits and the places in use
    // leave room for what every other stripe may be starting.
    const group = { key: 'near', limit: 256 };
    const filler = Array.from({ length: 40 }, (_, i) =>
      executionOf(single, { runnerId: RUNNER, concurrency: group, nowMs: 1_000 + i }),
    );
    await store.scheduleExecutions(filler);

    const refused = await countingQueries(() =>
      store.scheduleExecution(executionOf(single, { runnerId: RUNNER, concurrency: group })),
    );
    const counted = await countingQueries(() =>
      store.scheduleExecution(executionOf(single, { runnerId: RUNNER, concurrency: group })),
    );

    // Counting near the limit: one stripe with the count (refused), all stripes with the
    // count, then the writes with COMMIT.
    expect(counted.queries).toBe(3);
    expect(counted.result.record.status).toBe('Pending');
    // The guess (refused at COMMIT) and its ROLLBACK came first; the next start remembered.
    expect(refused.queries).toBe(counted.queries + 2);
    expect(refused.result.record.status).toBe('Pending');
    const active = await store.listExecutions({
      workflowName: 'single',
      status: 'Pending',
      limit: 100,
      offset: 0,
    });
    expect(active).toHaveLength(42);
  });

  it('a completion that says it has no dependents but has some still readies them, counters exact', async () => {
    const scheduled = await store.scheduleExecution(
      executionOf(duo, { runnerId: RUNNER, claimRoots: 1 }),
    );
    const id = scheduled.record.id;
    await store.completeTasks({
      completions: [{ ...scheduled.claimed[0]!, hasDependents: false, output: { a: 1 } }],
      nowMs: 2_000,
      runnerId: RUNNER,
    });
    const [b] = (
      await store.claimReadyTasks({
        runnerId: RUNNER,
        limit: 5,
        nowMs: 3_000,
        workflowNames: ['duo'],
      })
    ).tasks;
    expect(b).toMatchObject({ taskId: 'b', input: { a: 1 } });
    expect((await store.getExecution(id))!.status).toBe('Running');

    await store.completeTasks({
      completions: [{ ...b!, output: { b: 2 } }],
      nowMs: 4_000,
      runnerId: RUNNER,
    });
    expect(await store.getExecution(id)).toMatchObject({
      status: 'Completed',
      finalContext: { a: 1, b: 2 },
    });
  });
});
