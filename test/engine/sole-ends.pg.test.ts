/**
 * A runner on PostgreSQL guesses the end of an execution whose only task completes on its first
 * attempt (see `src/store/ops/sole-ends.ts`): its registry knows the workflow has one task. The
 * guessed outcome is a write checked as it runs, seen at the driver (`pg.Client#query`); the
 * other completions read first. Either way the caller gets the same result.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { task, workflow, type DefaultRunner } from '../../src/index.js';
import { createRunner, stopRunner } from '../helpers/backend.js';
import { watchQueries } from '../helpers/pg.js';

/**
 * The statement of a guessed end: the outcome written only if it changes every execution, in a
 * batch's round trip or as a statement of its own.
 */
const isGuessedEnd = (text: string): boolean =>
  /WITH (changed AS \(UPDATE workflow_executions|ended AS \(\s*UPDATE workflow_executions e)\s+SET status = 'Completed'/.test(
    text,
  );

let restore: (() => void) | undefined;
let runner: DefaultRunner | undefined;

afterEach(async () => {
  restore?.();
  restore = undefined;
  if (runner !== undefined) await stopRunner(runner);
  runner = undefined;
});

describe('guessed ends of sole tasks on PostgreSQL', () => {
  it('are sent for a one-task workflow on its first attempt only, with the results of the reading path', async () => {
    let guessed = 0;
    restore = watchQueries((_client, text) => {
      if (isGuessedEnd(text)) guessed += 1;
    });
    runner = await createRunner();
    runner.register(
      workflow({
        name: 'one',
        tasks: [task({ id: 'only' }, (ctx) => ctx.set('doubled', Number(ctx.get('n')) * 2))],
      }),
    );
    runner.register(
      workflow({
        name: 'two',
        tasks: [
          task({ id: 'a' }, (ctx) => ctx.set('a', 1)),
          task({ id: 'b', dependencies: ['a'] }, (ctx) => ctx.set('b', 2)),
        ],
      }),
    );
    runner.register(
      workflow({
        name: 'flaky',
        tasks: [
          task(
            { id: 'only', retry: { attempts: 2, initialDelay: '10ms', jitter: false } },
            (ctx, handle) => {
              if (handle.attempt === 1) throw new Error('first attempt fails');
              ctx.set('attempt', handle.attempt);
            },
          ),
        ],
      }),
    );

    const one = await runner.execute('one', { n: 21 });
    expect(one.status).toBe('Completed');
    expect(one.finalContext.get('doubled')).toBe(42);
    expect(guessed).toBe(1);
    const events = await runner.getExecutionEvents(one.executionId);
    expect(events.map((e) => e.type).slice(-2)).toEqual(['task_completed', 'workflow_completed']);
    const [taskData, workflowData] = events.slice(-2).map((e) => e.data ?? {});
    expect(taskData!['attempt']).toBe(1);
    expect(taskData!['durationMs']).toBeGreaterThanOrEqual(0);
    // The task and its execution started with one claim and ended with one write.
    expect(workflowData!['durationMs']).toBe(taskData!['durationMs']);

    const two = await runner.execute('two');
    expect(two.status).toBe('Completed');
    expect([two.finalContext.get('a'), two.finalContext.get('b')]).toEqual([1, 2]);

    const flaky = await runner.execute('flaky');
    expect(flaky.status).toBe('Completed');
    expect(flaky.finalContext.get('attempt')).toBe(2);

    // Neither the join's leaf nor a second attempt guessed.
    expect(guessed).toBe(1);
  });

  it("end a one-task workflow whose runner's clock gives fractions of a millisecond", async () => {
    runner = await createRunner({ clock: { now: () => Date.now() + 0.5 } });
    runner.register(
      workflow({ name: 'one', tasks: [task({ id: 'only' }, (ctx) => ctx.set('x', 1))] }),
    );
    const result = await runner.execute('one');
    expect(result.status).toBe('Completed');
    expect(result.finalContext.get('x')).toBe(1);
  });
});
