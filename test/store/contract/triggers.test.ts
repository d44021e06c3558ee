/**
 * Store contract, event triggers: schedule rows (`upsertTriggerSchedule`, `getTriggerSchedule`,
 * `listTriggerSchedules`, `setTriggerEnabled`, `deleteTriggerSchedule`), polling
 * (`findDueTriggers`, `claimTriggerPolls`, `recordTriggerPolls`, `recordTriggerError`), fires
 * (`fireTrigger`) and history (`getTriggerHistory`), on both backends.
 */
import { describe, expect } from 'vitest';
import type { Store } from '../../../src/store/store.js';
import type { TriggerFireInput } from '../../../src/store/trigger-store.js';
import { newExecutionId } from '../../../src/core/execution-id.js';
import { planOf } from '../../helpers/plan.js';
import { waitFor } from '../../helpers/wait.js';
import { RUNNER, complete, history, test } from './harness.js';
import { single } from '../fixtures/workflows.js';

/** Upserts trigger `name` of `workflowName`, polled every `pollIntervalMs`. */
function upsert(
  store: Store,
  name: string,
  nowMs = 1_000,
  pollIntervalMs = 100,
  workflowName = 'single',
) {
  return store.upsertTriggerSchedule({
    triggerName: name,
    workflowName,
    pollIntervalMs,
    allowConcurrent: false,
    nowMs,
  });
}

/** A fire of trigger `sensor` into `single` with `hash`, at `nowMs`. */
function fireOf(
  hash: string,
  nowMs: number,
  extra: Partial<TriggerFireInput> = {},
): TriggerFireInput {
  return {
    triggerName: 'sensor',
    executionId: newExecutionId(),
    workflowName: 'single',
    workflowVersion: single.version,
    tasks: planOf(single),
    context: { file: hash, trigger_name: 'sensor' },
    contextHash: hash,
    deduplicate: true,
    nowMs,
    runnerId: RUNNER,
    ...extra,
  };
}

describe.concurrent('store contract: trigger schedules', () => {
  test('an upsert creates a schedule, and a second one keeps its enabled flag and last poll', async ({
    store,
  }) => {
    const created = await upsert(store, 'sensor', 1_000, 100);
    expect(created).toEqual({
      triggerName: 'sensor',
      workflowName: 'single',
      pollIntervalMs: 100,
      allowConcurrent: false,
      enabled: true,
      lastPollAtMs: null,
      skips: 0,
      lastSkipReason: null,
      consecutiveErrors: 0,
      lastError: null,
      lastErrorAtMs: null,
      createdAtMs: 1_000,
      updatedAtMs: 1_000,
    });
    await store.setTriggerEnabled({ triggerName: 'sensor', enabled: false, nowMs: 1_500 });
    await store.claimTriggerPolls({ triggerNames: ['sensor'], now: () => 1_600 });

    const again = await store.upsertTriggerSchedule({
      triggerName: 'sensor',
      workflowName: 'pair',
      pollIntervalMs: 250,
      allowConcurrent: true,
      nowMs: 2_000,
    });
    // Disabled before the claim, so the poll was not claimed: lastPollAtMs is still null.
    expect(again).toMatchObject({
      workflowName: 'pair',
      pollIntervalMs: 250,
      allowConcurrent: true,
      enabled: false,
      lastPollAtMs: null,
      createdAtMs: 1_000,
      updatedAtMs: 2_000,
    });
    expect(await store.getTriggerSchedule('sensor')).toEqual(again);
    expect(await store.getTriggerSchedule('other')).toBeNull();
  });

  test('several upserts share one transaction and return their rows in order, the same name twice included', async ({
    store,
  }) => {
    await upsert(store, 'b', 1_000, 100);
    await store.setTriggerEnabled({ triggerName: 'b', enabled: false, nowMs: 1_100 });
    const input = (triggerName: string, pollIntervalMs: number) => ({
      triggerName,
      workflowName: 'single',
      pollIntervalMs,
      allowConcurrent: false,
      nowMs: 2_000,
    });
    const rows = await store.upsertTriggerSchedules([
      input('c', 300),
      input('b', 200),
      input('a', 100),
      input('c', 400),
    ]);
    expect(rows.map((r) => [r.triggerName, r.pollIntervalMs, r.enabled])).toEqual([
      ['c', 300, true],
      ['b', 200, false],
      ['a', 100, true],
      ['c', 400, true],
    ]);
    expect(await store.getTriggerSchedule('c')).toMatchObject({ pollIntervalMs: 400 });
    expect(await store.upsertTriggerSchedules([])).toEqual([]);
    // Distinct names (one statement): new and existing rows, in the order asked.
    const distinct = await store.upsertTriggerSchedules([
      input('z', 900),
      input('b', 250),
      input('m', 500),
    ]);
    expect(
      distinct.map((r) => [r.triggerName, r.pollIntervalMs, r.enabled, r.createdAtMs]),
    ).toEqual([
      ['z', 900, true, 2_000],
      ['b', 250, false, 1_000],
      ['m', 500, true, 2_000],
    ]);
    expect(await store.getTriggerSchedule('b')).toEqual(distinct[1]);
  });

  test('a re-registration keeps the time of the last poll', async ({ store }) => {
    await upsert(store, 'sensor', 1_000, 100);
    await store.claimTriggerPolls({ triggerNames: ['sensor'], now: () => 1_200 });
    expect((await upsert(store, 'sensor', 2_000, 100)).lastPollAtMs).toBe(1_200);
  });

  test('lists schedules by name, enabled only when asked, by offset or after a name', async ({
    store,
  }) => {
    for (const name of ['delta', 'alpha', 'charlie', 'bravo']) await upsert(store, name);
    await store.setTriggerEnabled({ triggerName: 'charlie', enabled: false, nowMs: 2_000 });
    const names = async (filter: Parameters<Store['listTriggerSchedules']>[0]) =>
      (await store.listTriggerSchedules(filter)).map((s) => s.triggerName);

    expect(await names({ enabledOnly: false, limit: 10, offset: 0 })).toEqual([
      'alpha',
      'bravo',
      'charlie',
      'delta',
    ]);
    expect(await names({ enabledOnly: true, limit: 10, offset: 0 })).toEqual([
      'alpha',
      'bravo',
      'delta',
    ]);
    expect(await names({ enabledOnly: false, limit: 2, offset: 1 })).toEqual(['bravo', 'charlie']);
    expect(await names({ enabledOnly: true, limit: 10, offset: 0, afterName: 'bravo' })).toEqual([
      'delta',
    ]);
  });

  test('enables, disables and deletes a schedule; unknown names change nothing', async ({
    store,
  }) => {
    await upsert(store, 'sensor');
    const disabled = await store.setTriggerEnabled({
      triggerName: 'sensor',
      enabled: false,
      nowMs: 2_000,
    });
    expect(disabled).toMatchObject({ enabled: false, updatedAtMs: 2_000 });
    expect(
      await store.setTriggerEnabled({ triggerName: 'nope', enabled: true, nowMs: 2_000 }),
    ).toBeNull();
    await store.recordTriggerError({
      triggerName: 'sensor',
      workflowName: 'single',
      errorMessage: 'x',
      nowMs: 2_500,
    });

    expect(await store.deleteTriggerSchedule('sensor')).toBe(true);
    expect(await store.deleteTriggerSchedule('sensor')).toBe(false);
    expect(await store.getTriggerSchedule('sensor')).toBeNull();
    // The history stays as an audit trail.
    const rows = await store.getTriggerHistory({ triggerName: 'sensor', limit: 10, offset: 0 });
    expect(rows.map((r) => r.status)).toEqual(['error']);
  });
});

describe.concurrent('store contract: trigger polls', () => {
  test('finds due schedules, never polled first, then least recently polled', async ({ store }) => {
    await upsert(store, 'fast', 1_000, 100);
    await upsert(store, 'slow', 1_000, 10_000);
    await upsert(store, 'old', 1_000, 100);
    await upsert(store, 'fresh', 1_000, 100);
    await upsert(store, 'off', 1_000, 100);
    await store.setTriggerEnabled({ triggerName: 'off', enabled: false, nowMs: 1_000 });
    await store.claimTriggerPolls({ triggerNames: ['old'], now: () => 1_000 });
    await store.claimTriggerPolls({ triggerNames: ['slow', 'fast'], now: () => 1_050 });

    const due = await store.findDueTriggers({ nowMs: 1_150 });
    expect(due.map((s) => s.triggerName)).toEqual(['fresh', 'old', 'fast']);
  });

  test('a poll is claimed once per interval, even by two processes at once', async ({
    store,
    another,
  }) => {
    const other = await another();
    await upsert(store, 'sensor', 1_000, 100);
    const claimAt = (s: Store, nowMs: number) =>
      s.claimTriggerPolls({ triggerNames: ['sensor'], now: () => nowMs });

    const [a, b] = await Promise.all([claimAt(store, 1_000), claimAt(other, 1_000)]);
    expect(a.length + b.length).toBe(1);
    expect([...a, ...b][0]).toMatchObject({ triggerName: 'sensor', lastPollAtMs: 1_000 });
    expect(await claimAt(store, 1_099)).toEqual([]);
    expect((await claimAt(other, 1_100)).map((s) => s.lastPollAtMs)).toEqual([1_100]);
    expect(await store.claimTriggerPolls({ triggerNames: [], now: () => 5_000 })).toEqual([]);
  });

  test('records skips with their reason and ends an error streak', async ({ store }) => {
    await upsert(store, 'skipper');
    await upsert(store, 'firer');
    for (const name of ['skipper', 'firer']) {
      await store.recordTriggerError({
        triggerName: name,
        workflowName: 'single',
        errorMessage: 'down',
        nowMs: 1_100,
      });
    }
    await store.recordTriggerPolls({
      polls: [
        { triggerName: 'skipper', skipped: true, skipReason: 'no file', errorStreak: 1 },
        { triggerName: 'skipper', skipped: true, skipReason: 'still none', errorStreak: 0 },
        { triggerName: 'firer', skipped: false, skipReason: null, errorStreak: 1 },
      ],
      nowMs: 1_200,
    });

    expect(await store.getTriggerSchedule('skipper')).toMatchObject({
      skips: 2,
      lastSkipReason: 'still none',
      consecutiveErrors: 0,
    });
    expect(await store.getTriggerSchedule('firer')).toMatchObject({
      skips: 0,
      consecutiveErrors: 0,
      lastError: 'down',
    });
  });

  test('a claim records the polls that finished since the last one in its transaction', async ({
    store,
  }) => {
    await upsert(store, 'sensor', 1_000, 100);
    const claimed = await store.claimTriggerPolls({
      triggerNames: ['sensor'],
      now: () => 1_000,
      records: [{ triggerName: 'sensor', skipped: true, skipReason: 'empty', errorStreak: 0 }],
    });
    expect(claimed).toHaveLength(1);
    expect(await store.getTriggerSchedule('sensor')).toMatchObject({
      skips: 1,
      lastSkipReason: 'empty',
      lastPollAtMs: 1_000,
    });
  });

  test("a claim ahead of the due time writes each poll's start and needs the trigger due by then", async ({
    store,
  }) => {
    await upsert(store, 'a', 1_000, 100);
    await upsert(store, 'b', 1_000, 100);
    await upsert(store, 'c', 1_000, 100);
    await store.claimTriggerPolls({ triggerNames: ['a', 'b', 'c'], now: () => 1_000 });

    // At 1,060: a starts at 1,100 (due then), b at its due time too; c asked for 1,090 is not due.
    const claimed = await store.claimTriggerPolls({
      triggerNames: ['a', 'b', 'c'],
      startAtMs: [1_100, 1_100, 1_090],
      now: () => 1_060,
    });
    expect(claimed.map((s) => [s.triggerName, s.lastPollAtMs]).sort()).toEqual([
      ['a', 1_100],
      ['b', 1_100],
    ]);
    // A start before now means now.
    const late = await store.claimTriggerPolls({
      triggerNames: ['c'],
      startAtMs: [1_050],
      now: () => 1_120,
    });
    expect(late.map((s) => s.lastPollAtMs)).toEqual([1_120]);
  });

  test('a poll recorded with its late start moves lastPollAt there, unless the row moved on', async ({
    store,
  }) => {
    for (const name of ['late', 'failed', 'overtaken']) await upsert(store, name, 1_000, 100);
    await store.claimTriggerPolls({
      triggerNames: ['late', 'failed', 'overtaken'],
      now: () => 1_000,
    });
    // 'overtaken' was claimed again (at 1,100) before its late start was recorded.
    await store.claimTriggerPolls({ triggerNames: ['overtaken'], now: () => 1_100 });
    const started = { claimedAtMs: 1_000, startedAtMs: 1_040 };
    await store.recordTriggerPolls({
      polls: [
        { triggerName: 'late', skipped: true, skipReason: null, errorStreak: 0, started },
        { triggerName: 'overtaken', skipped: true, skipReason: null, errorStreak: 0, started },
      ],
      nowMs: 1_150,
    });
    await store.recordTriggerError({
      triggerName: 'failed',
      workflowName: 'single',
      errorMessage: 'down',
      nowMs: 1_150,
      started: { claimedAtMs: 1_000, startedAtMs: 1_030 },
    });

    expect(await store.getTriggerSchedule('late')).toMatchObject({ lastPollAtMs: 1_040, skips: 1 });
    expect(await store.getTriggerSchedule('failed')).toMatchObject({
      lastPollAtMs: 1_030,
      consecutiveErrors: 1,
    });
    expect(await store.getTriggerSchedule('overtaken')).toMatchObject({ lastPollAtMs: 1_100 });
    // Due an interval after the start, not after the claim.
    expect((await store.findDueTriggers({ nowMs: 1_129 })).map((s) => s.triggerName)).toEqual([]);
    expect((await store.findDueTriggers({ nowMs: 1_140 })).map((s) => s.triggerName)).toEqual([
      'failed',
      'late',
    ]);
  });

  test('a failed poll adds to the streak, writes a history row and a feed event', async ({
    store,
  }) => {
    await upsert(store, 'sensor');
    const error = (nowMs: number) =>
      store.recordTriggerError({
        triggerName: 'sensor',
        workflowName: 'single',
        errorMessage: `offline at ${nowMs}`,
        nowMs,
        runnerId: RUNNER,
      });

    expect(await error(1_100)).toBe(1);
    expect(await error(1_200)).toBe(2);
    expect(await store.getTriggerSchedule('sensor')).toMatchObject({
      consecutiveErrors: 2,
      lastError: 'offline at 1200',
      lastErrorAtMs: 1_200,
    });
    const rows = await store.getTriggerHistory({ triggerName: 'sensor', limit: 10, offset: 0 });
    expect(rows.map((r) => [r.status, r.errorMessage, r.startedAtMs])).toEqual([
      ['error', 'offline at 1200', 1_200],
      ['error', 'offline at 1100', 1_100],
    ]);
    const events = await waitFor(async () => {
      const page = await store.readEvents({ after: null, limit: 10, workflow: 'single' });
      return page.events.length === 2 ? page.events : null;
    });
    expect(events[1]).toMatchObject({
      type: 'trigger_poll_failed',
      executionId: null,
      workflow: 'single',
      runnerId: RUNNER,
      data: { trigger: 'sensor', error: 'offline at 1200', consecutiveErrors: 2 },
    });
  });
});

describe.concurrent('store contract: trigger fires', () => {
  test('a fire starts its execution, linked to an open history row', async ({ store }) => {
    const input = fireOf('h1', 2_000, { claimRoots: 1 });
    const outcome = await store.fireTrigger(input);

    expect(outcome).toMatchObject({ status: 'fired', executionId: input.executionId });
    if (outcome.status !== 'fired') throw new Error('expected a fire');
    expect(outcome.claimed.map((t) => [t.taskId, t.input])).toEqual([
      ['only', { file: 'h1', trigger_name: 'sensor' }],
    ]);
    expect(await store.getExecution(input.executionId)).toMatchObject({
      status: 'Running',
      workflowName: 'single',
      initialContext: input.context,
    });
    const [row] = await store.getTriggerHistory({ triggerName: 'sensor', limit: 10, offset: 0 });
    expect(row).toMatchObject({
      id: outcome.runId,
      status: 'open',
      workflowExecutionId: input.executionId,
      contextHash: 'h1',
      count: 1,
      startedAtMs: 2_000,
    });
    // The fire is in the feed, before the execution's own events, not in its history.
    const events = await waitFor(async () => {
      const page = await store.readEvents({ after: null, limit: 10 });
      return page.events.length >= 4 ? page.events : null;
    });
    expect(events[0]).toMatchObject({
      type: 'trigger_fired',
      executionId: input.executionId,
      data: { trigger: 'sensor', contextHash: 'h1' },
    });
    expect(await history(store, input.executionId)).not.toContain('trigger_fired');

    // The execution's end closes the run.
    await complete(store, outcome.claimed, 3_000);
    const [closed] = await store.getTriggerHistory({ triggerName: 'sensor', limit: 1, offset: 0 });
    expect(closed).toMatchObject({ status: 'completed', completedAtMs: 3_000 });
  });

  test('fires with the hash of an open run are counted in one row; its end lets the next fire', async ({
    store,
  }) => {
    const first = await store.fireTrigger(fireOf('same', 2_000, { claimRoots: 1 }));
    if (first.status !== 'fired') throw new Error('expected a fire');
    const suppressed: Awaited<ReturnType<Store['fireTrigger']>>[] = [];
    for (let i = 1; i <= 5; i += 1)
      suppressed.push(await store.fireTrigger(fireOf('same', 2_000 + i)));

    expect(suppressed.map((s) => s.status)).toEqual(Array(5).fill('deduplicated'));
    expect(new Set(suppressed.map((s) => s.runId)).size).toBe(1);
    expect(suppressed[0]).toMatchObject({ openExecutionId: first.executionId });
    const rows = await store.getTriggerHistory({ triggerName: 'sensor', limit: 10, offset: 0 });
    expect(rows.map((r) => [r.status, r.count, r.openExecutionId, r.completedAtMs])).toEqual([
      ['deduplicated', 5, first.executionId, 2_005],
      ['open', 1, null, null],
    ]);
    // Suppression events at the 1st, 2nd and 4th suppressed fire only.
    const counts = await waitFor(async () => {
      const page = await store.readEvents({ after: null, limit: 100 });
      const found = page.events.filter((e) => e.type === 'trigger_suppressed');
      return found.length === 3 ? found.map((e) => e.data?.['count']) : null;
    });
    expect(counts).toEqual([1, 2, 4]);
    // Another hash, or no de-duplication, fires alongside.
    expect((await store.fireTrigger(fireOf('other', 2_010))).status).toBe('fired');
    expect((await store.fireTrigger(fireOf('same', 2_011, { deduplicate: false }))).status).toBe(
      'fired',
    );

    await complete(store, first.claimed, 3_000);
    expect((await store.fireTrigger(fireOf('same', 3_100))).status).toBe('fired');
  });

  test('pages the history newest first, by offset or after a row', async ({ store }) => {
    const outcomes: Awaited<ReturnType<Store['fireTrigger']>>[] = [];
    for (const nowMs of [1_000, 2_000, 2_000, 3_000]) {
      outcomes.push(await store.fireTrigger(fireOf(`h${outcomes.length}`, nowMs)));
    }
    const newestFirst = [...outcomes].reverse().map((o) => o.runId);
    const page = async (filter: Partial<Parameters<Store['getTriggerHistory']>[0]>) =>
      (
        await store.getTriggerHistory({ triggerName: 'sensor', limit: 10, offset: 0, ...filter })
      ).map((r) => r.id);

    expect(await page({})).toEqual(newestFirst);
    expect(await page({ limit: 2, offset: 1 })).toEqual(newestFirst.slice(1, 3));
    const rows = await store.getTriggerHistory({ triggerName: 'sensor', limit: 2, offset: 0 });
    const after = { startedAtMs: rows[1]!.startedAtMs, id: rows[1]!.id };
    expect(await page({ after })).toEqual(newestFirst.slice(2));
    expect(await page({ triggerName: 'other' })).toEqual([]);
  });

  test('concurrent fires with one hash start one execution', async ({ store, another }) => {
    const other = await another();
    const outcomes = await Promise.all(
      [store, other, store, other].map((s, i) => s.fireTrigger(fireOf('race', 2_000 + i))),
    );
    expect(outcomes.filter((o) => o.status === 'fired')).toHaveLength(1);
    expect(await store.countActiveExecutions()).toBe(1);
  });
});
