import { describe, expect, it } from 'vitest';
import { rules, task, workflow, type JsonObject } from '../../src/index.js';
import { createRunner, stopRunner } from '../helpers/backend.js';

describe('DAG execution', () => {
  it('merges a diamond in declared dependency order and returns a deterministic final context', async () => {
    const runner = await createRunner();
    const start = task({ id: 'start' }, (ctx) => {
      ctx.insert('trail', ['start']);
      ctx.insert('shared', { from: 'start' });
    });
    const left = task({ id: 'left', dependencies: ['start'] }, async (ctx) => {
      await new Promise((r) => setTimeout(r, 30));
      ctx.update('trail', [...(ctx.get('trail') as string[]), 'left']);
      ctx.set('winner', 'left');
      ctx.set('shared', { left: true });
    });
    const right = task({ id: 'right', dependencies: ['start'] }, (ctx) => {
      ctx.update('trail', [...(ctx.get('trail') as string[]), 'right']);
      ctx.set('winner', 'right');
      ctx.set('shared', { right: true });
    });
    // Declared order right, left: left is the later dependency and wins scalar conflicts,
    // even though it finishes last on purpose (and would also win "last finished").
    let seen: JsonObject = {};
    const join = task({ id: 'join', dependencies: ['right', 'left'] }, (ctx) => {
      seen = ctx.toJSON();
    });
    runner.register(workflow({ name: 'diamond', tasks: [start, left, right, join] }));
    const result = await runner.execute('diamond', { input: 1 });

    expect(result.status).toBe('Completed');
    expect(seen.trail).toEqual(['start', 'right', 'left']);
    expect(seen.winner).toBe('left');
    expect(seen.shared).toEqual({ right: true, left: true });
    expect(seen.input).toBe(1);
    // Final context: outputs merged in topological order start, left, right, join; join's
    // output (its merged input) comes last.
    expect(result.finalContext.get('winner')).toBe('left');
    expect(result.taskResults.map((t) => [t.taskId, t.status, t.attempts])).toEqual([
      ['start', 'Completed', 1],
      ['left', 'Completed', 1],
      ['right', 'Completed', 1],
      ['join', 'Completed', 1],
    ]);
    await stopRunner(runner);
  });

  it('merges independent leaves in topological order, not in the order they finished', async () => {
    const runner = await createRunner();
    const slow = task({ id: 'slow' }, async (ctx) => {
      await new Promise((r) => setTimeout(r, 60));
      ctx.set('value', 'slow');
    });
    const fast = task({ id: 'fast' }, (ctx) => {
      ctx.set('value', 'fast');
    });
    runner.register(workflow({ name: 'leaves', tasks: [slow, fast] }));
    const result = await runner.execute('leaves');
    const slowDone = result.taskResults.find((t) => t.taskId === 'slow')!.completedAt!;
    const fastDone = result.taskResults.find((t) => t.taskId === 'fast')!.completedAt!;
    expect(slowDone.getTime()).toBeGreaterThan(fastDone.getTime());
    expect(result.finalContext.get('value')).toBe('fast');
    await stopRunner(runner);
  });

  it('runs an always dependent after a failure, skips a taskSuccess dependent, and surfaces the error', async () => {
    const runner = await createRunner();
    const fails = task({ id: 'fails', retry: { attempts: 1 } }, () => {
      throw new Error('disk full');
    });
    const cleanup = task({ id: 'cleanup', dependencies: ['fails'] }, (ctx) => {
      ctx.set('cleaned', true);
    });
    const onSuccess = task(
      { id: 'on_success', dependencies: ['fails'], triggerRules: rules.taskSuccess('fails') },
      () => undefined,
    );
    const onFailure = task(
      { id: 'on_failure', dependencies: ['fails'], triggerRules: rules.taskFailed('fails') },
      () => undefined,
    );
    const never = task(
      { id: 'never', dependencies: ['fails'], triggerRules: rules.any() },
      () => undefined,
    );
    runner.register(
      workflow({ name: 'failing', tasks: [fails, cleanup, onSuccess, onFailure, never] }),
    );
    const result = await runner.execute('failing', { job: 7 });
    const byId = Object.fromEntries(result.taskResults.map((t) => [t.taskId, t]));

    expect(result.status).toBe('Failed');
    expect(result.errorMessage).toBe('1 task(s) failed: fails');
    expect(byId.fails!.errorMessage).toBe('disk full');
    expect(byId.cleanup!.status).toBe('Completed');
    expect(byId.on_failure!.status).toBe('Completed');
    expect(byId.on_success!.status).toBe('Skipped');
    expect(byId.on_success!.skipReason).toContain('taskSuccess(fails)');
    expect(byId.never!.status).toBe('Skipped');
    // A task downstream of only failures starts from the initial context.
    expect(result.finalContext.get('job')).toBe(7);
    expect(result.finalContext.get('cleaned')).toBe(true);
    await stopRunner(runner);
  });

  it('cascades skips and evaluates context rules on the merged context', async () => {
    const runner = await createRunner();
    const count = task({ id: 'count' }, (ctx) => {
      ctx.set('rows', 5);
    });
    const big = task(
      {
        id: 'big',
        dependencies: ['count'],
        triggerRules: rules.contextValue('rows', 'greaterThan', 10),
      },
      () => undefined,
    );
    const afterBig = task(
      { id: 'after_big', dependencies: ['big'], triggerRules: rules.taskSuccess('big') },
      () => undefined,
    );
    const small = task(
      {
        id: 'small',
        dependencies: ['count'],
        triggerRules: rules.all(
          rules.contextValue('rows', 'lessThan', 10),
          rules.none(rules.taskFailed('count')),
        ),
      },
      (ctx) => {
        ctx.set('small', true);
      },
    );
    runner.register(workflow({ name: 'rules', tasks: [count, big, afterBig, small] }));
    const result = await runner.execute('rules');
    const status = Object.fromEntries(result.taskResults.map((t) => [t.taskId, t.status]));
    expect(status).toEqual({
      count: 'Completed',
      big: 'Skipped',
      after_big: 'Skipped',
      small: 'Completed',
    });
    expect(result.status).toBe('Completed');
    await stopRunner(runner);
  });

  it('records exactly one task_completed per task and one terminal workflow event', async () => {
    const runner = await createRunner();
    const a = task({ id: 'a' }, () => undefined);
    const b = task({ id: 'b', dependencies: ['a'] }, () => undefined);
    const c = task({ id: 'c', dependencies: ['a'] }, () => undefined);
    const d = task({ id: 'd', dependencies: ['b', 'c'] }, () => undefined);
    runner.register(workflow({ name: 'events', tasks: [a, b, c, d] }));
    const result = await runner.execute('events');
    const events = await runner.getExecutionEvents(result.executionId);
    const completed = events.filter((e) => e.type === 'task_completed').map((e) => e.taskId);
    expect(completed.sort()).toEqual(['a', 'b', 'c', 'd']);
    const terminal = events.filter(
      (e) => e.type.startsWith('workflow_') && e.type !== 'workflow_started',
    );
    expect(terminal.map((e) => e.type)).toEqual(['workflow_completed']);
    expect(events[events.length - 1]!.type).toBe('workflow_completed');
    expect(events.filter((e) => e.type === 'workflow_started')).toHaveLength(1);
    await stopRunner(runner);
  });
});
