import { describe, expect, it } from 'vitest';
import { rules, type TriggerRule } from '../../src/core/rules.js';
import type { JsonObject } from '../../src/core/json.js';
import { startOf, type StartTask } from '../../src/core/start.js';

/** Plan rows from `[id, dependencies, rule?]`, dependents derived in declared order. */
function plan(...specs: [string, string[], TriggerRule?][]): StartTask[] {
  return specs.map(([taskId, dependencies, rule]) => ({
    taskId,
    dependencies,
    dependents: specs.filter(([, deps]) => deps.includes(taskId)).map(([id]) => id),
    triggerRule: rule ?? rules.always(),
  }));
}

describe('startOf', () => {
  it('readies every root of a plan whose roots always run, whatever the context', () => {
    const tasks = plan(['a', []], ['b', []], ['c', ['a', 'b']]);
    const start = startOf(tasks, {});
    expect(start.ready).toEqual(['a', 'b']);
    expect([...start.skipped]).toEqual([]);
    expect(tasks.map((t) => start.pendingOf(t))).toEqual([0, 0, 2]);
    expect(startOf(tasks, { any: 1 })).toBe(start);
  });

  it('evaluates root rules against the initial context', () => {
    const tasks = plan(['full', [], rules.contextValue('mode', 'equals', 'full')], ['other', []]);
    expect(startOf(tasks, { mode: 'full' }).ready).toEqual(['full', 'other']);
    const lite = startOf(tasks, { mode: 'lite' });
    expect(lite.ready).toEqual(['other']);
    expect([...lite.skipped]).toEqual([
      ['full', 'Trigger rule not satisfied: contextValue(mode equals "full")'],
    ]);
  });

  it('settles the dependents of skipped roots: all-skipped ones are decided, others wait less', () => {
    const tasks = plan(
      ['never', [], rules.any()],
      ['root', []],
      ['on_success', ['never'], rules.taskSuccess('never')],
      ['after', ['on_success']],
      ['on_skip', ['never'], rules.taskSkipped('never')],
      ['both', ['never', 'root']],
      ['later', ['after', 'root']],
    );
    const start = startOf(tasks, {});
    expect(start.ready).toEqual(['root', 'after', 'on_skip']);
    expect([...start.skipped.keys()]).toEqual(['never', 'on_success']);
    expect(start.skipped.get('on_success')).toBe('Trigger rule not satisfied: taskSuccess(never)');
    expect(tasks.map((t) => start.pendingOf(t))).toEqual([0, 0, 0, 0, 0, 1, 2]);
  });

  it('skips every task when nothing can run', () => {
    const tasks = plan(['a', [], rules.any()], ['b', ['a'], rules.taskSuccess('a')]);
    const start = startOf(tasks, {});
    expect(start.ready).toEqual([]);
    expect([...start.skipped.keys()]).toEqual(['a', 'b']);
  });

  it('starts a rerun after its carried tasks: their dependents are decided against their outputs', () => {
    const tasks = plan(
      ['a', []],
      ['b', []],
      ['join', ['a', 'b']],
      ['half', ['a', 'c']],
      ['c', []],
      ['picky', ['a'], rules.contextValue('n', 'greaterThan', 5)],
      ['after_picky', ['picky'], rules.taskSkipped('picky')],
      ['ok', ['b'], rules.taskSuccess('b')],
    );
    const carried = new Map<string, JsonObject>([
      ['a', { n: 1, list: ['a'] }],
      ['b', { list: ['b'] }],
    ]);
    const start = startOf(tasks, { n: 10 }, carried);
    // `picky` sees a's output (n = 1), not the initial context (n = 10).
    expect(start.ready).toEqual(['join', 'c', 'after_picky', 'ok']);
    expect([...start.skipped.keys()]).toEqual(['picky']);
    expect(start.inputOf('join')).toEqual({ n: 1, list: ['a', 'b'] });
    expect(start.inputOf('ok')).toEqual({ list: ['b'] });
    // A root, and a dependent of skipped tasks only, start from the initial context.
    expect(start.inputOf('c')).toBeNull();
    expect(start.inputOf('after_picky')).toBeNull();
    // Carried tasks are finished: `half` waits for c only.
    expect(tasks.map((t) => start.pendingOf(t))).toEqual([0, 0, 0, 1, 0, 0, 0, 0]);
    // Nothing carried: the same start as a new execution's.
    expect(startOf(tasks, { n: 10 }, new Map())).toBe(startOf(tasks, {}));
  });
});
