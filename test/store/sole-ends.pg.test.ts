/**
 * Guessed ends on PostgreSQL: the completion of the only task of an execution, hinted as such
 * (`Completion.soleTask`), writes the outcome without reading first, in one round trip, and
 * leaves exactly what the reading path leaves. A wrong guess rolls back and runs again reading.
 * Round trips are counted at the driver, against a real server.
 */
import { describe, expect } from 'vitest';
import type { JsonObject } from '../../src/core/json.js';
import type { CommitNotice } from '../../src/store/db.js';
import type {
  ClaimedTask,
  Completion,
  CompletionsOutcome,
  ScheduledExecution,
  Store,
} from '../../src/store/store.js';
import { countingQueries, watchQueries } from '../helpers/pg.js';
import { executionOf, type ExecutionOverrides } from '../helpers/plan.js';
import { RUNNER, test } from './contract/harness.js';
import { single } from './fixtures/workflows.js';

/** The completion of `claim` with `output`, hinted as the only task of its execution. */
const sole = (claim: ClaimedTask, output: JsonObject = { done: true }): Completion => ({
  ...claim,
  output,
  soleTask: {
    workflowName: claim.workflowName,
    taskId: claim.taskId,
    claimedAtMs: claim.claimedAtMs,
  },
});

/** Schedules a one-task execution of `single`, its root claimed for RUNNER. */
const schedule = (store: Store, overrides: ExecutionOverrides = {}) =>
  store.scheduleExecution(
    executionOf(single, {
      initialContext: { input: 1 },
      runnerId: RUNNER,
      claimRoots: 1,
      ...overrides,
    }),
  );

/** What a caller can see of an ended execution, ids aside. */
const seen = async (store: Store, scheduled: ScheduledExecution) => {
  const id = scheduled.record.id;
  const record = (await store.getExecution(id))!;
  const events = (await store.getEvents(id)).map(({ type, taskId, data }) => ({
    type,
    taskId,
    data,
  }));
  return {
    record: {
      status: record.status,
      finalContext: record.finalContext,
      errorMessage: record.errorMessage,
      startedAtMs: record.startedAtMs,
      completedAtMs: record.completedAtMs,
    },
    tasks: (await store.getTasks(id)).map((t) => [t.taskId, t.status, t.outputContext]),
    events,
  };
};

describe('PostgreSQL guessed ends of sole tasks', () => {
  test('ends the execution in one round trip, leaving what the reading path leaves', async ({
    store,
  }) => {
    const guessed = await schedule(store);
    const read = await schedule(store);

    const one = await countingQueries(() =>
      store.completeTasks({
        completions: [sole(guessed.claimed[0]!, { input: 1, done: true })],
        nowMs: 2_500,
        runnerId: RUNNER,
      }),
    );
    const two = await countingQueries(() =>
      store.completeTasks({
        completions: [{ ...read.claimed[0]!, output: { input: 1, done: true } }],
        nowMs: 2_500,
        runnerId: RUNNER,
      }),
    );

    expect([one.result.held, two.result.held]).toEqual([[true], [true]]);
    expect([one.queries, two.queries]).toEqual([1, 2]);
    const expected = await seen(store, read);
    expect(expected.record).toEqual({
      status: 'Completed',
      finalContext: { input: 1, done: true },
      errorMessage: null,
      startedAtMs: 1_000,
      completedAtMs: 2_500,
    });
    expect(expected.events.slice(-2)).toEqual([
      { type: 'task_completed', taskId: 'only', data: { attempt: 1, durationMs: 1_500 } },
      { type: 'workflow_completed', taskId: null, data: { durationMs: 1_500 } },
    ]);
    expect(await seen(store, guessed)).toEqual(expected);
  });

  test('ends a lone one as a statement of its own, returning the ended records a read would give', async ({
    store,
  }) => {
    const scheduled = await schedule(store);
    const id = scheduled.record.id;
    const sent: string[] = [];
    const restore = watchQueries((_client, text) => void sent.push(text));
    let result: CompletionsOutcome;
    try {
      result = await store.completeTasks({
        completions: [sole(scheduled.claimed[0]!, { input: 1, done: true })],
        nowMs: 2_500,
        runnerId: RUNNER,
        readEnded: [id],
      });
    } finally {
      restore();
    }

    // No BEGIN and no COMMIT: one statement, which commits alone.
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/^WITH ended AS/);
    expect(result.held).toEqual([true]);
    expect(result.claimed).toEqual([]);
    expect(result.ended).toEqual(await store.getEndedExecutions([id]));
    expect(result.ended![0]!.record.status).toBe('Completed');
    expect(result.ended![0]!.tasks.map((t) => [t.taskId, t.status])).toEqual([
      ['only', 'Completed'],
    ]);
  });

  test('announces a lone end as a transaction does: its events here, a wake-up to other processes', async ({
    store,
    another,
  }) => {
    const other = await another();
    const heard: CommitNotice[] = [];
    const remote = new Promise<CommitNotice>((resolve) => {
      other.onCommit((notice) => {
        if (notice.remote && notice.channels.has('executions')) resolve(notice);
      });
    });
    const scheduled = await schedule(store);
    const stop = store.onCommit((notice) => heard.push(notice));
    try {
      await store.completeTasks({
        completions: [sole(scheduled.claimed[0]!)],
        nowMs: 2_000,
        runnerId: RUNNER,
      });
    } finally {
      stop();
    }

    expect(heard).toHaveLength(1);
    expect(heard[0]!.remote).toBe(false);
    expect([...heard[0]!.channels]).toEqual(['executions']);
    expect(heard[0]!.events.map((e) => [e.type, e.executionId, e.taskId, e.data])).toEqual([
      ['task_completed', scheduled.record.id, 'only', { attempt: 1, durationMs: 1_000 }],
      ['workflow_completed', scheduled.record.id, null, { durationMs: 1_000 }],
    ]);
    expect([...(await remote).channels].sort()).toEqual(['events', 'executions']);
  });

  test('writes a lone end the usual way when its writer of events has no number yet', async ({
    store,
  }) => {
    const scheduled = await schedule(store);
    // A writer this database has never seen: numbering it takes a statement of its own.
    const sent: string[] = [];
    const restore = watchQueries((_client, text) => void sent.push(text));
    let result: CompletionsOutcome;
    try {
      result = await store.completeTasks({
        completions: [sole(scheduled.claimed[0]!)],
        nowMs: 2_000,
        runnerId: 'runner-never-seen',
      });
    } finally {
      restore();
    }

    expect(result.held).toEqual([true]);
    // The guessed batch, the writer numbered in it: still one round trip.
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatch(/^BEGIN;/);
    expect((await store.getExecution(scheduled.record.id))!.status).toBe('Completed');
    const events = await store.getEvents(scheduled.record.id);
    expect(events.slice(-2).map((e) => [e.type, e.runnerId])).toEqual([
      ['task_completed', 'runner-never-seen'],
      ['workflow_completed', 'runner-never-seen'],
    ]);
  });

  test('takes a clock with fractions of a millisecond as the usual way does, rounding the stored times', async ({
    store,
  }) => {
    const ended = [];
    for (const hinted of [true, false]) {
      const scheduled = await schedule(store, { nowMs: 1_000.25 });
      const claim = scheduled.claimed[0]!;
      const result = await store.completeTasks({
        completions: [hinted ? sole(claim) : { ...claim, output: { done: true } }],
        nowMs: 2_500.5,
        runnerId: RUNNER,
      });
      expect(result.held).toEqual([true]);
      ended.push(await seen(store, scheduled));
    }
    expect(ended[0]!.record).toMatchObject({ status: 'Completed', completedAtMs: 2_501 });
    expect(ended[0]).toEqual(ended[1]);
  });

  test('ends several executions of one batch together, and reads back those waited for with COMMIT', async ({
    store,
  }) => {
    const first = await schedule(store);
    const second = await schedule(store);
    const ids = [first.record.id, second.record.id];

    const { result, queries } = await countingQueries(() =>
      store.completeTasks({
        completions: [sole(first.claimed[0]!), sole(second.claimed[0]!)],
        nowMs: 2_000,
        runnerId: RUNNER,
        readEnded: ids,
      }),
    );

    expect(queries).toBe(1);
    expect(result.held).toEqual([true, true]);
    expect(result.ended).toEqual(await store.getEndedExecutions(ids));
    expect(result.ended?.map((e) => e.record.status)).toEqual(['Completed', 'Completed']);
  });

  test('writes nothing for a claim that was lost: the guess is refused and the reading path finds the claim gone', async ({
    store,
  }) => {
    const scheduled = await schedule(store);
    const claim = scheduled.claimed[0]!;
    await store.releaseClaims({ claims: [claim], nowMs: 1_500, runnerId: RUNNER });

    const result = await store.completeTasks({
      completions: [sole(claim)],
      nowMs: 2_000,
      runnerId: RUNNER,
    });

    expect(result.held).toEqual([false]);
    expect((await store.getExecution(scheduled.record.id))!.status).toBe('Running');
    expect((await store.getTasks(scheduled.record.id)).map((t) => t.status)).toEqual(['Ready']);
    const types = (await store.getEvents(scheduled.record.id)).map((e) => e.type);
    expect(types).not.toContain('task_completed');
    expect(types).not.toContain('workflow_completed');
  });

  test('ends an execution that has more to write at its end by reading, and that workflow reads first for a while', async ({
    store,
  }) => {
    // A concurrency key releases a place at the end: not what the guess writes.
    const limited = await schedule(store, { concurrency: { key: 'k', limit: 100_000 } });
    const plain = await schedule(store);

    const refused = await countingQueries(() =>
      store.completeTasks({
        completions: [sole(limited.claimed[0]!)],
        nowMs: 2_000,
        runnerId: RUNNER,
      }),
    );
    const after = await countingQueries(() =>
      store.completeTasks({
        completions: [sole(plain.claimed[0]!)],
        nowMs: 2_000,
        runnerId: RUNNER,
      }),
    );

    expect(refused.result.held).toEqual([true]);
    // The guess as a statement of its own, refused, then the reading path, which guesses the
    // place it gives back (two round trips).
    expect(refused.queries).toBe(3);
    expect(after.queries).toBe(2);
    for (const scheduled of [limited, plain]) {
      const types = (await store.getEvents(scheduled.record.id)).map((e) => e.type);
      expect(types.filter((t) => t === 'workflow_completed')).toHaveLength(1);
      expect((await store.getExecution(scheduled.record.id))!.status).toBe('Completed');
    }
    // The place was given back: a start in the group runs at once.
    const next = await schedule(store, { concurrency: { key: 'k', limit: 1 } });
    expect(next.record.status).toBe('Running');
  });
});
