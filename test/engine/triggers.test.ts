import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  NotFoundError,
  TriggerResult,
  WorkflowNotFoundError,
  defaultTriggerRegistry,
  defineTrigger,
  registerTrigger,
  type DefaultRunner,
  type InputSchema,
  type JsonObject,
  type Trigger,
} from '../../src/index.js';
import { createRunner, stopRunner } from '../helpers/backend.js';
import { waitFor } from '../helpers/wait.js';
import { Gate, RecordingLogger, recordingWorkflow, sleep } from './triggers-fixtures.js';

const FAST = { triggerBasePollInterval: '20ms' } as const;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** A trigger that fires `ctx` on every poll (or skips with `skipReason`). */
function firing(
  name: string,
  ctx: JsonObject | undefined,
  options: { allowConcurrent?: boolean; pollInterval?: string; workflow?: string } = {},
): Trigger & { polls: number } {
  let polls = 0;
  const trigger = defineTrigger(
    {
      name,
      pollInterval: options.pollInterval ?? '50ms',
      allowConcurrent: options.allowConcurrent ?? false,
      ...(options.workflow !== undefined ? { workflow: options.workflow } : {}),
    },
    () => {
      polls += 1;
      return ctx === undefined ? true : TriggerResult.fire(ctx);
    },
  );
  return Object.defineProperty(Object.create(trigger) as Trigger, 'polls', {
    get: () => polls,
  }) as Trigger & { polls: number };
}

async function history(runner: DefaultRunner, name: string) {
  return runner.getTriggerExecutionHistory(name);
}

const gates: Gate[] = [];
function gate(): Gate {
  const g = new Gate();
  gates.push(g);
  return g;
}
afterEach(() => {
  for (const g of gates.splice(0)) g.open();
});

describe('event triggers: fire and de-duplication', () => {
  it('suppresses a fire with the same context while the first run is open, and fires again after it ends', async () => {
    const runner = await createRunner(FAST);
    const g = gate();
    runner.register(recordingWorkflow('wf', { gate: g }));
    await runner.registerTrigger(firing('same', { file: 'a.csv' }), 'wf');

    await waitFor(
      async () => (await history(runner, 'same')).some((h) => h.status === 'deduplicated'),
      5000,
      'a suppressed fire',
    );
    let rows = await history(runner, 'same');
    const fired = rows.filter((h) => h.workflowExecutionId !== null);
    expect(fired).toHaveLength(1);
    expect(fired[0]!.status).toBe('open');
    const suppressed = rows.filter((h) => h.status === 'deduplicated');
    expect(suppressed[0]!.contextHash).toBe(fired[0]!.contextHash);
    expect(suppressed[0]!.workflowExecutionId).toBeNull();
    expect(await runner.listExecutions({ workflowName: 'wf' })).toHaveLength(1);

    g.open();
    await waitFor(
      async () => {
        rows = await history(runner, 'same');
        return rows.filter((h) => h.workflowExecutionId !== null).length >= 2;
      },
      5000,
      'a second fire after the first run ended',
    );
    const runs = rows.filter((h) => h.workflowExecutionId !== null).reverse();
    expect(runs[0]!.status).toBe('completed');
    expect(runs[0]!.completedAt).toBeInstanceOf(Date);
    expect(runs[1]!.workflowExecutionId).not.toBe(runs[0]!.workflowExecutionId);
    await runner.setTriggerEnabled('same', false);
    await stopRunner(runner);
  });

  it('fires a context-less trigger once while it is in flight', async () => {
    const runner = await createRunner(FAST);
    runner.register(recordingWorkflow('wf', { gate: gate() }));
    const trigger = firing('bare', undefined);
    await runner.registerTrigger(trigger, 'wf');
    await waitFor(() => trigger.polls >= 4, 5000, 'several polls');
    await runner.setTriggerEnabled('bare', false);
    const rows = await history(runner, 'bare');
    expect(rows.filter((h) => h.status === 'open')).toHaveLength(1);
    expect(rows.filter((h) => h.status === 'deduplicated').length).toBeGreaterThanOrEqual(1);
    expect(rows.every((h) => h.contextHash === 'fire_no_context')).toBe(true);
    expect(await runner.listExecutions({ workflowName: 'wf' })).toHaveLength(1);

    // The manual path applies the same rule.
    const manual = await runner.fireTrigger('bare');
    expect(manual.status).toBe('deduplicated');
    await stopRunner(runner, { graceful: false });
  });

  it('with allowConcurrent true starts every fire, even with equal contexts', async () => {
    const runner = await createRunner(FAST);
    runner.register(recordingWorkflow('wf', { gate: gate() }));
    const trigger = firing('drain', { queue: 'q1' }, { allowConcurrent: true });
    await runner.registerTrigger(trigger, 'wf');
    // Three polled fires started (a poll counts before its fire is written, so count the
    // executions), then two fired by hand with the same context.
    const started = async () => (await runner.listExecutions({ workflowName: 'wf' })).length;
    await waitFor(async () => (await started()) >= 3, 5000, 'three polled fires');
    await runner.setTriggerEnabled('drain', false);
    const first = await runner.fireTrigger('drain', { queue: 'q1' });
    const second = await runner.fireTrigger('drain', { queue: 'q1' });
    expect(first.status).toBe('fired');
    expect(second.status).toBe('fired');
    // A poll in flight when the trigger was disabled may still land: compare once both settle.
    await waitFor(
      async () => (await history(runner, 'drain')).length === (await started()),
      5000,
      'one history row per execution',
    );
    const rows = await history(runner, 'drain');
    expect(rows.some((h) => h.status === 'deduplicated')).toBe(false);
    expect(await started()).toBeGreaterThanOrEqual(5);
    await stopRunner(runner, { graceful: false });
  });

  it('treats multi-key contexts in different key orders as the same fire', async () => {
    const runner = await createRunner(FAST);
    runner.register(recordingWorkflow('wf', { gate: gate() }));
    await runner
      .dal()
      .triggerSchedules.upsert({ triggerName: 'multi', workflowName: 'wf', pollInterval: '1h' });
    const a = await runner.fireTrigger('multi', { a: 1, b: { x: 1, y: [1, 2] }, c: 'z' });
    const b = await runner.fireTrigger('multi', { c: 'z', b: { y: [1, 2], x: 1 }, a: 1 });
    expect(a.status).toBe('fired');
    expect(b.status).toBe('deduplicated');
    expect(b.contextHash).toBe(a.contextHash);
    if (a.status === 'fired' && b.status === 'deduplicated') {
      expect(b.openExecutionId).toBe(a.executionId);
    }
    const c = await runner.fireTrigger('multi', { a: 2, b: { x: 1, y: [1, 2] }, c: 'z' });
    expect(c.status).toBe('fired');
    await stopRunner(runner, { graceful: false });
  });

  it('gives root tasks the fired keys plus trigger_name and triggered_at (RFC 3339)', async () => {
    const runner = await createRunner(FAST);
    const seen: JsonObject[] = [];
    runner.register(recordingWorkflow('wf', { seen }));
    await runner.registerTrigger(firing('ctx', { filename: 'data.csv', size: 3 }), 'wf');
    await waitFor(() => seen.length > 0, 5000, 'the root task to run');
    await runner.setTriggerEnabled('ctx', false);
    const input = seen[0]!;
    expect(input.filename).toBe('data.csv');
    expect(input.size).toBe(3);
    expect(input.trigger_name).toBe('ctx');
    expect(input.triggered_at).toMatch(RFC3339);
    expect(Number.isNaN(Date.parse(input.triggered_at as string))).toBe(false);
    await stopRunner(runner);
  });

  it('records a fired reserved key as an error naming the key, and runs nothing', async () => {
    const runner = await createRunner(FAST);
    const seen: JsonObject[] = [];
    runner.register(recordingWorkflow('wf', { seen }));
    await runner.registerTrigger(firing('forger', { trigger_name: 'someone else' }), 'wf');
    await waitFor(
      async () => (await history(runner, 'forger')).some((h) => h.status === 'error'),
      5000,
      'a recorded error',
    );
    await runner.setTriggerEnabled('forger', false);
    const error = (await history(runner, 'forger')).find((h) => h.status === 'error')!;
    expect(error.errorMessage).toContain('RESERVED_KEY');
    expect(error.errorMessage).toContain("'trigger_name'");
    expect(error.workflowExecutionId).toBeNull();
    const schedule = await runner.getTriggerSchedule('forger');
    expect(schedule!.consecutiveErrors).toBeGreaterThanOrEqual(1);
    expect(schedule!.lastError).toContain('RESERVED_KEY');
    expect(await runner.listExecutions({ workflowName: 'wf' })).toHaveLength(0);
    expect(seen).toHaveLength(0);
    await expect(runner.fireTrigger('forger', { triggered_at: 'x' })).rejects.toMatchObject({
      code: 'RESERVED_KEY',
    });
    await stopRunner(runner);
  });

  it('fans out to every workflow that lists the trigger; a failing secondary never blocks the primary', async () => {
    const logger = new RecordingLogger();
    const runner = await createRunner({ ...FAST, logger });
    const primary: JsonObject[] = [];
    const secondary: JsonObject[] = [];
    runner.register(recordingWorkflow('primary', { seen: primary }));
    runner.register(recordingWorkflow('audit', { seen: secondary, triggers: ['orders'] }));
    const rejectAll: InputSchema = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: () => ({ issues: [{ path: ['x'], message: 'x is required' }] }),
      },
    };
    runner.register(recordingWorkflow('picky', { triggers: ['orders'], input: rejectAll }));
    await runner.dal().triggerSchedules.upsert({
      triggerName: 'orders',
      workflowName: 'primary',
      pollInterval: '1h',
    });
    const outcome = await runner.fireTrigger('orders', { order: 7 });
    expect(outcome.status).toBe('fired');
    if (outcome.status !== 'fired') return;
    expect(outcome.fanOutExecutionIds).toHaveLength(1);
    await runner.waitForExecution(outcome.executionId);
    await runner.waitForExecution(outcome.fanOutExecutionIds[0]!);
    expect(primary[0]).toMatchObject({ order: 7, trigger_name: 'orders' });
    expect(secondary[0]).toMatchObject({ order: 7, trigger_name: 'orders' });
    const fanOutWarnings = logger
      .about('orders', 'warn')
      .filter((c) => c.msg.includes('fan-out'))
      .map((c) => (c.fields as { workflow?: string }).workflow);
    expect(fanOutWarnings).toEqual(['picky']);
    await stopRunner(runner);
  });
});

describe('event triggers: starting the fired workflow', () => {
  /** A runner with trigger 'manual' on a one-task workflow whose task waits for `g`. */
  async function manualTriggerRunner(g: Gate, maxConcurrentTasks?: number) {
    const runner = await createRunner({
      ...FAST,
      ...(maxConcurrentTasks === undefined ? {} : { maxConcurrentTasks }),
    });
    runner.register(recordingWorkflow('wf', { gate: g }));
    await runner.dal().triggerSchedules.upsert({
      triggerName: 'manual',
      workflowName: 'wf',
      pollInterval: '1h',
    });
    return runner;
  }

  it('claims the root task in the fire transaction: it runs when fireTrigger returns', async () => {
    const g = gate();
    const runner = await manualTriggerRunner(g);
    // Until the runner's first claim pass has ended, older Ready work may be waiting, and a
    // fire leaves its root to the claim passes (oldest-ready first).
    await waitFor(
      async () =>
        /^cloacina_claim_attempts_total\{[^}]*outcome="empty"/m.test(await runner.metrics()),
      5000,
      'the first claim pass',
    );
    // A claim pass that happens to be in flight holds the free slots for a moment, and then
    // the fire leaves its root Ready: of a few fires, one that ran into no pass is enough.
    let started: string | undefined;
    const fired: string[] = [];
    for (let n = 0; n < 5 && started === undefined; n += 1) {
      const outcome = await runner.fireTrigger('manual', { n });
      if (outcome.status !== 'fired') throw new Error(`fire ${n} was ${outcome.status}`);
      fired.push(outcome.executionId);
      // No claiming transaction ran in between: the fire itself marked the root Running.
      const result = await runner.getExecutionResult(outcome.executionId);
      if (result.status === 'Running' && result.taskResults[0]?.status === 'Running') {
        started = outcome.executionId;
      } else {
        // The pass this root's commit woke claims it: let it end before the next fire.
        await waitFor(
          async () =>
            (await runner.getExecutionResult(outcome.executionId)).taskResults[0]?.status ===
            'Running',
          5000,
          'the missed root to be claimed',
        );
      }
    }
    expect(started).toBeDefined();
    const types = (await runner.getExecutionEvents(started!)).map((e) => e.type);
    expect(types).toEqual(['task_ready', 'workflow_started', 'task_started']);
    g.open();
    for (const id of fired) expect((await runner.waitForExecution(id)).status).toBe('Completed');
    await stopRunner(runner);
  });

  it('leaves the root Ready for any runner when no slot is free', async () => {
    const g = gate();
    const runner = await manualTriggerRunner(g, 1);
    const first = await runner.fireTrigger('manual', { n: 1 });
    if (first.status !== 'fired') throw new Error('the first fire should fire');
    // The only slot is held once the first root runs (its task waits at the gate).
    await waitFor(
      async () =>
        (await runner.getExecutionResult(first.executionId)).taskResults[0]?.status === 'Running',
      5000,
      'the first root to run',
    );
    const second = await runner.fireTrigger('manual', { n: 2 });
    if (second.status !== 'fired') throw new Error('the second fire should fire');
    const waiting = await runner.getExecutionResult(second.executionId);
    expect(waiting.taskResults.map((t) => t.status)).toEqual(['Ready']);
    g.open();
    expect((await runner.waitForExecution(second.executionId)).status).toBe('Completed');
    expect((await runner.waitForExecution(first.executionId)).status).toBe('Completed');
    await stopRunner(runner);
  });
});

describe('event triggers: registration and management', () => {
  it('validates registration: no workflow, unknown workflow, invalid trigger', async () => {
    const runner = await createRunner(FAST);
    runner.register(recordingWorkflow('wf'));
    await expect(runner.registerTrigger(firing('nowf', undefined))).rejects.toBeInstanceOf(
      ConfigError,
    );
    await expect(runner.registerTrigger(firing('t', undefined), 'nope')).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );
    await expect(
      runner.registerTrigger({ name: 'bad name', pollInterval: 0 } as unknown as Trigger, 'wf'),
    ).rejects.toBeInstanceOf(ConfigError);
    const own = await runner.registerTrigger(
      firing('own', undefined, { workflow: 'wf', pollInterval: '1h' }),
    );
    expect(own.workflowName).toBe('wf');
    expect(await runner.listTriggerSchedules()).toHaveLength(1);
    await stopRunner(runner);
  });

  it('returns camelCase schedules with Dates, counts skips and keeps the last skip reason', async () => {
    const runner = await createRunner(FAST);
    runner.register(recordingWorkflow('wf'));
    let polls = 0;
    const skipper = defineTrigger({ name: 'skipper', pollInterval: '30ms' }, () => {
      polls += 1;
      return TriggerResult.skip(`nothing yet (${polls})`);
    });
    const created = await runner.registerTrigger(skipper, 'wf');
    expect(created).toMatchObject({
      triggerName: 'skipper',
      workflowName: 'wf',
      pollIntervalMs: 30,
      allowConcurrent: false,
      enabled: true,
      skips: 0,
      lastSkipReason: null,
      consecutiveErrors: 0,
      lastError: null,
    });
    expect(created.createdAt).toBeInstanceOf(Date);
    await waitFor(
      async () => ((await runner.getTriggerSchedule('skipper'))?.skips ?? 0) >= 3,
      5000,
      'three skips',
    );
    await runner.setTriggerEnabled('skipper', false);
    const schedule = (await runner.getTriggerSchedule('skipper'))!;
    expect(schedule.lastPollAt).toBeInstanceOf(Date);
    expect(schedule.lastSkipReason).toMatch(/^nothing yet \(\d+\)$/);
    expect((await history(runner, 'skipper')).length).toBe(0);
    await stopRunner(runner);
  });

  it('lists with enabledOnly and paging; unknown names give [] / null / NotFoundError', async () => {
    const runner = await createRunner(FAST);
    runner.register(recordingWorkflow('wf'));
    for (const name of ['c', 'a', 'b']) {
      await runner
        .dal()
        .triggerSchedules.upsert({ triggerName: name, workflowName: 'wf', pollInterval: '1h' });
    }
    await runner.setTriggerEnabled('b', false);
    expect((await runner.listTriggerSchedules()).map((s) => s.triggerName)).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(
      (await runner.listTriggerSchedules({ enabledOnly: true })).map((s) => s.triggerName),
    ).toEqual(['a', 'c']);
    expect(
      (await runner.listTriggerSchedules({ limit: 1, offset: 1 })).map((s) => s.triggerName),
    ).toEqual(['b']);
    expect(await runner.getTriggerExecutionHistory('missing')).toEqual([]);
    expect(await runner.getTriggerSchedule('missing')).toBeNull();
    await expect(runner.setTriggerEnabled('missing', true)).rejects.toBeInstanceOf(NotFoundError);
    await expect(runner.fireTrigger('missing')).rejects.toBeInstanceOf(NotFoundError);
    await expect(runner.listTriggerSchedules({ limit: 0 })).rejects.toBeInstanceOf(ConfigError);
    expect(await runner.deleteTrigger('a')).toBe(true);
    expect(await runner.deleteTrigger('a')).toBe(false);
    expect(await runner.getTriggerSchedule('a')).toBeNull();
    await stopRunner(runner);
  });

  it('pages history newest first', async () => {
    const runner = await createRunner(FAST);
    runner.register(recordingWorkflow('wf'));
    await runner.dal().triggerSchedules.upsert({
      triggerName: 'h',
      workflowName: 'wf',
      pollInterval: '1h',
      allowConcurrent: true,
    });
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const out = await runner.fireTrigger('h', { i });
      if (out.status === 'fired') ids.push(out.executionId);
    }
    const all = await runner.getTriggerExecutionHistory('h');
    expect(all.map((h) => h.workflowExecutionId)).toEqual([...ids].reverse());
    const page = await runner.getTriggerExecutionHistory('h', { limit: 2, offset: 1 });
    expect(page.map((h) => h.workflowExecutionId)).toEqual([ids[3], ids[2]]);
    for (const id of ids) await runner.waitForExecution(id);
    await stopRunner(runner);
  });

  it('supports the seed path: module-level registerTrigger plus dal().triggerSchedules.upsert', async () => {
    const runner = await createRunner(FAST);
    const seen: JsonObject[] = [];
    runner.register(recordingWorkflow('wf', { seen }));
    let fired = false;
    const trigger = defineTrigger({ name: 'seed_path', pollInterval: '40ms' }, () => {
      if (fired) return TriggerResult.skip();
      fired = true;
      return TriggerResult.fire({ filename: 'x.csv' });
    });
    registerTrigger(trigger);
    try {
      const row = await runner.dal().triggerSchedules.upsert({
        triggerName: 'seed_path',
        workflowName: 'wf',
        pollInterval: '40ms',
      });
      expect(row.pollIntervalMs).toBe(40);
      await waitFor(() => seen.length === 1, 5000, 'the seed-path trigger to fire');
      expect(seen[0]).toMatchObject({ filename: 'x.csv', trigger_name: 'seed_path' });
      await runner.setTriggerEnabled('seed_path', false);
    } finally {
      defaultTriggerRegistry.delete('seed_path');
    }
    await expect(
      runner
        .dal()
        .triggerSchedules.upsert({ triggerName: 'x', workflowName: '', pollInterval: 'soon' }),
    ).rejects.toBeInstanceOf(ConfigError);
    await sleep(0);
    await stopRunner(runner);
  });
});
