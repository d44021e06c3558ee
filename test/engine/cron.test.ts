import { describe, expect, it } from 'vitest';
import {
  CronError,
  ManualClock,
  NotFoundError,
  WorkflowNotFoundError,
  task,
  workflow,
  type DefaultRunner,
  type JsonObject,
} from '../../src/index.js';
import { createRunner, freshDatabaseUrl, stopRunner } from '../helpers/backend.js';
import { waitFor } from '../helpers/wait.js';

const T0 = Date.parse('2025-01-01T00:00:30Z');
const MIN = 60_000;
const at = (iso: string): number => Date.parse(iso);

/** A one-task workflow recording the context its root task saw. */
function recorder(
  name: string,
  seen: JsonObject[] = [],
): { wf: ReturnType<typeof workflow>; seen: JsonObject[] } {
  const root = task({ id: 'record' }, (ctx) => {
    seen.push(ctx.toJSON());
  });
  return { wf: workflow({ name, tasks: [root] }), seen };
}

async function manualRunner(clock: ManualClock, url?: string, extra = {}): Promise<DefaultRunner> {
  return createRunner({ clock, cronPollInterval: '20ms', ...extra }, url);
}

/** Waits until every fired run of the schedule is closed (its workflow ended). */
async function settled(runner: DefaultRunner, id: string, fires: number): Promise<void> {
  await waitFor(async () => {
    const history = await runner.getCronExecutionHistory(id);
    const runs = history.filter((h) => h.status !== 'missed');
    return runs.length === fires && runs.every((h) => h.status === 'completed');
  });
}

describe('cron scheduling with an injected clock', () => {
  it('skip: after a downtime of 10 ticks fires once, for the most recent time, and records 9 missed', async () => {
    const clock = new ManualClock(T0);
    const runner = await manualRunner(clock);
    const { wf, seen } = recorder('tick');
    runner.register(wf);
    const id = await runner.registerCronWorkflow('tick', '* * * * *', 'UTC');
    expect((await runner.getCronSchedule(id))?.nextRunAt?.toISOString()).toBe(
      '2025-01-01T00:01:00.000Z',
    );

    clock.advance(10 * MIN); // 00:10:30: 00:01 … 00:10 passed unfired
    await settled(runner, id, 1);
    const history = await runner.getCronExecutionHistory(id);
    expect(history.map((h) => [h.status, h.scheduledTime.toISOString(), h.missedCount])).toEqual([
      ['completed', '2025-01-01T00:10:00.000Z', null],
      ['missed', '2025-01-01T00:01:00.000Z', 9],
    ]);
    expect(history[1]!.message).toContain('to 2025-01-01T00:09:00.000Z');
    expect(seen.map((c) => c.scheduled_time)).toEqual(['2025-01-01T00:10:00.000Z']);
    const schedule = await runner.getCronSchedule(id);
    expect(schedule?.nextRunAt?.toISOString()).toBe('2025-01-01T00:11:00.000Z');
    expect(schedule?.lastRunAt?.toISOString()).toBe('2025-01-01T00:10:00.000Z');
    const stats = await runner.getCronExecutionStats({ since: 0 });
    expect(stats).toEqual({
      total: 1,
      successful: 1,
      failed: 0,
      lost: 0,
      missed: 9,
      successRate: 1,
    });
    await stopRunner(runner);
  });

  it('run_all: a restarted runner fires all 10 missed times, oldest first', async () => {
    const clock = new ManualClock(T0);
    const url = freshDatabaseUrl();
    const first = await manualRunner(clock, url);
    first.register(recorder('tick').wf);
    const id = await first.registerCronWorkflow('tick', '* * * * *', 'UTC', {
      catchupPolicy: 'run_all',
    });
    await stopRunner(first);

    clock.advance(10 * MIN); // the downtime
    const second = await manualRunner(clock, url);
    const { wf, seen } = recorder('tick');
    second.register(wf);
    await settled(second, id, 10);
    const expected = Array.from({ length: 10 }, (_, i) =>
      new Date(T0 + 30_000 + i * MIN).toISOString(),
    );
    const history = await second.getCronExecutionHistory(id);
    expect(history.map((h) => h.scheduledTime.toISOString())).toEqual([...expected].reverse());
    expect(history.every((h) => h.workflowExecutionId !== null)).toBe(true);
    expect(seen.map((c) => c.scheduled_time).sort()).toEqual(expected);
    await stopRunner(second);
  });

  it('run_all into a workflow with a concurrency limit: the catch-up runs one at a time, in order', async () => {
    const clock = new ManualClock(T0);
    const url = freshDatabaseUrl();
    const limited = (seen: JsonObject[], spans: [number, number][]) =>
      workflow({
        name: 'tick',
        concurrency: { limit: 1 },
        tasks: [
          task({ id: 'record' }, async (ctx) => {
            const start = performance.now();
            seen.push(ctx.toJSON());
            await new Promise((resolve) => setTimeout(resolve, 5));
            spans.push([start, performance.now()]);
          }),
        ],
      });
    const first = await manualRunner(clock, url);
    first.register(limited([], []));
    const id = await first.registerCronWorkflow('tick', '* * * * *', 'UTC', {
      catchupPolicy: 'run_all',
    });
    await stopRunner(first);

    clock.advance(5 * MIN); // the downtime
    const second = await manualRunner(clock, url);
    const seen: JsonObject[] = [];
    const spans: [number, number][] = [];
    second.register(limited(seen, spans));
    await settled(second, id, 5);
    const expected = Array.from({ length: 5 }, (_, i) =>
      new Date(T0 + 30_000 + i * MIN).toISOString(),
    );
    expect(seen.map((c) => c.scheduled_time)).toEqual(expected);
    for (let i = 1; i < spans.length; i++) {
      expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
    }
    await stopRunner(second);
  });

  it('run_all stops at cronMaxCatchupExecutions: the oldest fire, the rest are recorded as missed', async () => {
    const clock = new ManualClock(T0);
    const runner = await manualRunner(clock, undefined, { cronMaxCatchupExecutions: 4 });
    runner.register(recorder('tick').wf);
    const id = await runner.registerCronWorkflow('tick', '* * * * *', 'UTC', {
      catchupPolicy: 'run_all',
    });
    clock.advance(10 * MIN);
    await settled(runner, id, 4);
    const history = await runner.getCronExecutionHistory(id);
    // Newest scheduled time first: the missed row stands at the oldest time it skipped.
    expect(
      history.map((h) => [h.status, h.scheduledTime.toISOString().slice(11, 16), h.missedCount]),
    ).toEqual([
      ['missed', '00:05', 6],
      ['completed', '00:04', null],
      ['completed', '00:03', null],
      ['completed', '00:02', null],
      ['completed', '00:01', null],
    ]);
    expect(history[0]!.message).toContain('cronMaxCatchupExecutions (4)');
    expect((await runner.getCronSchedule(id))?.nextRunAt?.toISOString()).toBe(
      '2025-01-01T00:11:00.000Z',
    );
    await stopRunner(runner);
  });

  it('passes the schedule context and the reserved keys to the root task', async () => {
    const clock = new ManualClock(T0);
    const runner = await manualRunner(clock);
    const { wf, seen } = recorder('report');
    runner.register(wf);
    const id = await runner.registerCronWorkflow('report', '0 9 * * MON-FRI', 'America/New_York', {
      context: { region: 'eu', nested: { a: 1 } },
    });
    // 2025-01-01 is a Wednesday: 09:00 EST = 14:00Z.
    expect((await runner.getCronSchedule(id))?.nextRunAt?.toISOString()).toBe(
      '2025-01-01T14:00:00.000Z',
    );
    clock.set(at('2025-01-01T14:00:00Z'));
    await settled(runner, id, 1);
    expect(seen).toEqual([
      {
        region: 'eu',
        nested: { a: 1 },
        scheduled_time: '2025-01-01T14:00:00.000Z',
        schedule_id: id,
        schedule_timezone: 'America/New_York',
        schedule_expression: '0 9 * * MON-FRI',
      },
    ]);
    await stopRunner(runner);
  });

  it('update recomputes the next run and the loop follows the new expression', async () => {
    const clock = new ManualClock(T0);
    const runner = await manualRunner(clock);
    const { wf, seen } = recorder('tick');
    runner.register(wf);
    const id = await runner.registerCronWorkflow('tick', '0 * * * *');
    expect((await runner.getCronSchedule(id))?.nextRunAt?.toISOString()).toBe(
      '2025-01-01T01:00:00.000Z',
    );
    const updated = await runner.updateCronSchedule(id, { expression: '*/5 * * * *' });
    expect(updated.nextRunAt?.toISOString()).toBe('2025-01-01T00:05:00.000Z');
    expect(updated.expression).toBe('*/5 * * * *');
    const zoned = await runner.updateCronSchedule(id, {
      expression: '0 9 * * *',
      timezone: 'Asia/Tokyo',
    });
    expect(zoned.nextRunAt?.toISOString()).toBe('2025-01-02T00:00:00.000Z');
    await expect(runner.updateCronSchedule(id, { timezone: 'Mars/Olympus' })).rejects.toThrow(
      CronError,
    );
    await expect(runner.updateCronSchedule('nope', { expression: '* * * * *' })).rejects.toThrow(
      NotFoundError,
    );
    expect((await runner.getCronSchedule(id))?.timezone).toBe('Asia/Tokyo');

    await runner.updateCronSchedule(id, { expression: '*/5 * * * *', timezone: 'UTC' });
    clock.set(at('2025-01-01T00:05:00Z'));
    await settled(runner, id, 1);
    expect(seen.map((c) => c.scheduled_time)).toEqual(['2025-01-01T00:05:00.000Z']);
    await stopRunner(runner);
  });

  it('disable stops firing; re-enabling computes the next run from now, without catching up', async () => {
    const clock = new ManualClock(T0);
    const runner = await manualRunner(clock);
    runner.register(recorder('tick').wf);
    runner.register(recorder('witness').wf);
    const id = await runner.registerCronWorkflow('tick', '* * * * *', 'UTC', {
      catchupPolicy: 'run_all',
    });
    const witness = await runner.registerCronWorkflow('witness', '*/10 * * * *');
    const disabled = await runner.setCronScheduleEnabled(id, false);
    expect(disabled.enabled).toBe(false);
    expect(disabled.nextRunAt).toBeNull();
    expect((await runner.listCronSchedules({ enabledOnly: true })).map((s) => s.id)).toEqual([
      witness,
    ]);

    clock.advance(10 * MIN); // 00:10:30
    await settled(runner, witness, 1); // the loop ran past the disabled schedule's times
    expect(await runner.getCronExecutionHistory(id)).toEqual([]);

    const enabled = await runner.setCronScheduleEnabled(id, true);
    expect(enabled.nextRunAt?.toISOString()).toBe('2025-01-01T00:11:00.000Z');
    clock.set(at('2025-01-01T00:11:00Z'));
    await settled(runner, id, 1);
    expect(
      (await runner.getCronExecutionHistory(id)).map((h) => h.scheduledTime.toISOString()),
    ).toEqual(['2025-01-01T00:11:00.000Z']);
    await expect(runner.setCronScheduleEnabled('nope', true)).rejects.toThrow(NotFoundError);
    await stopRunner(runner);
  });

  it('delete stops firing and keeps the history', async () => {
    const clock = new ManualClock(T0);
    const runner = await manualRunner(clock);
    runner.register(recorder('tick').wf);
    runner.register(recorder('witness').wf);
    const id = await runner.registerCronWorkflow('tick', '* * * * *');
    const witness = await runner.registerCronWorkflow('witness', '*/5 * * * *');
    clock.set(at('2025-01-01T00:01:00Z'));
    await settled(runner, id, 1);
    expect(await runner.deleteCronSchedule(id)).toBe(true);
    expect(await runner.deleteCronSchedule(id)).toBe(false);
    expect(await runner.getCronSchedule(id)).toBeNull();
    clock.set(at('2025-01-01T00:05:00Z'));
    await settled(runner, witness, 1);
    const history = await runner.getCronExecutionHistory(id);
    expect(history.map((h) => h.scheduledTime.toISOString())).toEqual(['2025-01-01T00:01:00.000Z']);
    await stopRunner(runner);
  });

  it('respects startDate and endDate, and a finished schedule has no next run', async () => {
    const clock = new ManualClock(T0);
    const runner = await manualRunner(clock);
    runner.register(recorder('tick').wf);
    const id = await runner.registerCronWorkflow('tick', '*/30 * * * *', 'UTC', {
      catchupPolicy: 'run_all',
      startDate: new Date('2025-01-01T01:00:00Z'),
      endDate: '2025-01-01T01:45:00Z',
    });
    const schedule = await runner.getCronSchedule(id);
    expect(schedule?.nextRunAt?.toISOString()).toBe('2025-01-01T01:00:00.000Z');
    expect(schedule?.startDate?.toISOString()).toBe('2025-01-01T01:00:00.000Z');
    clock.set(at('2025-01-01T03:00:00Z')); // 01:00 and 01:30 are due; 02:00 is past the end
    await settled(runner, id, 2);
    expect(
      (await runner.getCronExecutionHistory(id)).map((h) => h.scheduledTime.toISOString()),
    ).toEqual(['2025-01-01T01:30:00.000Z', '2025-01-01T01:00:00.000Z']);
    expect((await runner.getCronSchedule(id))?.nextRunAt).toBeNull();

    const ended = await runner.registerCronWorkflow('tick', '* * * * *', 'UTC', {
      endDate: T0 - MIN,
    });
    expect((await runner.getCronSchedule(ended))?.nextRunAt).toBeNull();
    await expect(
      runner.registerCronWorkflow('tick', '* * * * *', 'UTC', { startDate: T0, endDate: T0 - 1 }),
    ).rejects.toThrow(CronError);
    await stopRunner(runner);
  });

  it('rejects bad expressions, zones, options and unknown workflows with the reason', async () => {
    const runner = await createRunner();
    runner.register(recorder('tick').wf);
    await expect(runner.registerCronWorkflow('tick', '61 * * * *')).rejects.toThrow(CronError);
    await expect(runner.registerCronWorkflow('tick', '* * *')).rejects.toThrow(/3 field\(s\)/);
    await expect(runner.registerCronWorkflow('tick', '0 9 * * *', 'Mars/Olympus')).rejects.toThrow(
      /Unknown time zone 'Mars\/Olympus'/,
    );
    await expect(
      runner.registerCronWorkflow('tick', '* * * * *', 'UTC', { catchupPolicy: 'all' as never }),
    ).rejects.toThrow(/catchupPolicy/);
    await expect(
      runner.registerCronWorkflow('tick', '* * * * *', 'UTC', { context: { schedule_id: 'x' } }),
    ).rejects.toThrow(/'schedule_id'/);
    await expect(
      runner.registerCronWorkflow('tick', '* * * * *', 'UTC', { startDate: 'soon' }),
    ).rejects.toThrow(/startDate/);
    await expect(runner.registerCronWorkflow('missing', '* * * * *')).rejects.toThrow(
      WorkflowNotFoundError,
    );
    expect(await runner.listCronSchedules()).toEqual([]);
    expect(await runner.getCronExecutionHistory('unknown')).toEqual([]);
    await stopRunner(runner);
  });
});
