/**
 * A clock that gives fractions of a millisecond (one built on `performance.now()`, or a test
 * clock moved by fractions) is read to the whole millisecond: the stores keep whole
 * milliseconds, and PostgreSQL refuses a fraction bound to such a column. Every part of the
 * runner that records a time works with it: stored definitions, trigger polls and fires, cron
 * fires, executions, the runner registry at shutdown.
 */
import { describe, expect, it } from 'vitest';
import {
  Client,
  ManualClock,
  defineTrigger,
  systemClock,
  task,
  workflow,
  type Clock,
} from '../../src/index.js';
import { toWholeMilliseconds } from '../../src/engine/clock.js';
import { createRunner, freshDatabaseUrl, stopRunner } from '../helpers/backend.js';
import { captureLogs, LEVEL } from '../helpers/log-capture.js';
import { waitFor } from '../helpers/wait.js';

const T0 = Date.parse('2025-01-01T00:00:30Z') + 0.4;
const MIN = 60_000;

describe('a clock with fractions of a millisecond', () => {
  it('rounds now() and keeps the clock’s own timers and random numbers', () => {
    const calls: unknown[] = [];
    const clock = {
      at: 1_000.5,
      now(this: { at: number }) {
        return this.at;
      },
      setTimer(this: unknown, delayMs: number, fn: () => void) {
        calls.push([this, delayMs, fn]);
        return () => undefined;
      },
      random(this: unknown) {
        calls.push(this);
        return 0.25;
      },
    } satisfies Clock & { at: number };
    const whole = toWholeMilliseconds(clock);
    expect(whole.now()).toBe(1_001);
    clock.at = 1_000.4;
    expect(whole.now()).toBe(1_000);
    const fn = (): void => undefined;
    whole.setTimer!(5, fn);
    expect(whole.random!()).toBe(0.25);
    expect(calls).toEqual([[clock, 5, fn], clock]);
    expect('setTimer' in toWholeMilliseconds(new ManualClock(1))).toBe(false);
    expect(toWholeMilliseconds(systemClock)).toBe(systemClock);
  });

  it('runs triggers, cron fires and executions, and writes every record, warning of nothing', async () => {
    const clock = new ManualClock(T0);
    const { logger, lines } = captureLogs('warn');
    const url = freshDatabaseUrl();
    const runner = await createRunner({ clock, logger, cronPollInterval: '20ms' }, url);
    let stopped = false;
    try {
      runner.register(workflow({ name: 'tick', tasks: [task({ id: 'only' }, () => undefined)] }));
      runner.register(
        workflow({
          name: 'pair',
          tasks: [
            task({ id: 'first' }, (ctx) => ctx.set('n', 1)),
            task({ id: 'second', dependencies: ['first'] }, (ctx) =>
              ctx.set('n', (ctx.get('n') as number) + 1),
            ),
          ],
        }),
      );
      await runner.definitionsStored();
      let polls = 0;
      await runner.registerTrigger(
        defineTrigger({ name: 'once', workflow: 'tick', pollInterval: '100ms' }, () => {
          polls += 1;
          return polls === 1;
        }),
      );
      const cronId = await runner.registerCronWorkflow('tick', '* * * * *', 'UTC');

      const pair = await runner.execute('pair');
      expect(pair.status).toBe('Completed');
      expect(pair.finalContext.get('n')).toBe(2);
      expect(Number.isInteger(pair.startedAt?.getTime())).toBe(true);

      clock.advance(MIN + 0.3);
      const fired = await waitFor(
        async () => {
          const history = await runner.getTriggerExecutionHistory('once');
          return history.find((h) => h.workflowExecutionId !== null)?.workflowExecutionId;
        },
        10_000,
        'the trigger to fire',
      );
      expect((await runner.getExecutionResult(fired)).status).toBe('Completed');
      await waitFor(
        async () => {
          const history = await runner.getCronExecutionHistory(cronId);
          return history.some((h) => h.status === 'completed');
        },
        10_000,
        'the cron fire to complete',
      );

      const client = await Client.connect(url, { clock });
      try {
        const handle = await client.executeAsync('pair');
        expect((await handle.wait()).status).toBe('Completed');
      } finally {
        await client.close();
      }

      await stopRunner(runner);
      stopped = true;
      expect(lines.filter((line) => line.level >= LEVEL.warn).map((line) => line.msg)).toEqual([]);
    } finally {
      if (!stopped) await stopRunner(runner);
    }
  });
});
