import { describe, it, expect } from 'vitest';
import { RetryPolicy } from '../../src/core/retry.js';
import { rules } from '../../src/core/rules.js';
import type { TriggerRule } from '../../src/core/rules.js';
import { task, TASK_ID_PATTERN } from '../../src/core/task.js';
import type { TaskFunction, TaskOptions } from '../../src/core/task.js';
import { WorkflowValidationError } from '../../src/errors.js';

const noop: TaskFunction = () => {};

function validationError(fn: () => unknown): WorkflowValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WorkflowValidationError);
    return error as WorkflowValidationError;
  }
  throw new Error('expected a WorkflowValidationError, nothing was thrown');
}

describe('task()', () => {
  it('fills defaults and freezes the definition', () => {
    const t = task({ id: 'fetch_data' }, noop);
    expect(t.id).toBe('fetch_data');
    expect(t.dependencies).toEqual([]);
    expect(t.retry).toBeInstanceOf(RetryPolicy);
    expect(t.retry.attempts).toBe(3);
    expect(t.timeoutMs).toBeUndefined();
    expect(t.triggerRules).toEqual(rules.always());
    expect(t.description).toBeUndefined();
    expect(t.fn).toBe(noop);
    expect(Object.isFrozen(t)).toBe(true);
    expect(Object.isFrozen(t.dependencies)).toBe(true);
  });

  it('resolves retry, timeout, rule and description', () => {
    const policy = new RetryPolicy({ attempts: 5 });
    const t = task(
      {
        id: 'load',
        dependencies: ['a', 'b'],
        retry: policy,
        timeout: '30s',
        triggerRules: rules.taskSuccess('a'),
        description: 'loads',
      },
      noop,
    );
    expect(t.dependencies).toEqual(['a', 'b']);
    expect(t.retry).toBe(policy);
    expect(t.timeoutMs).toBe(30_000);
    expect(t.triggerRules).toEqual({ type: 'taskSuccess', taskId: 'a' });
    expect(t.description).toBe('loads');
    expect(task({ id: 'x', retry: { attempts: 1 } }, noop).retry.attempts).toBe(1);
  });

  it('copies inputs so later changes cannot alter the task', () => {
    const deps = ['a'];
    const rule = rules.all(rules.taskSuccess('a')) as { type: 'all'; conditions: TriggerRule[] };
    const t = task({ id: 'x', dependencies: deps, triggerRules: rule }, noop);
    deps.push('b');
    rule.conditions.push(rules.taskFailed('zzz'));
    expect(t.dependencies).toEqual(['a']);
    expect(t.triggerRules).toEqual(rules.all(rules.taskSuccess('a')));
  });

  it.each(['', 'has space', 'slash/id', 'ünïcode', 42, undefined])(
    'rejects id %j with INVALID_ID',
    (id) => {
      const error = validationError(() => task({ id } as unknown as TaskOptions, noop));
      expect(error.code).toBe('INVALID_ID');
      expect(error.message).toContain(String(id));
    },
  );

  it('accepts ids of letters, digits, _, . and -', () => {
    expect(task({ id: 'A-b_c.9' }, noop).id).toBe('A-b_c.9');
    expect(TASK_ID_PATTERN.test('A-b_c.9')).toBe(true);
    expect(TASK_ID_PATTERN.test('a b')).toBe(false);
  });

  it.each<[string, () => unknown, RegExp]>([
    ['a non-function', () => task({ id: 't' }, 'nope' as never), /function/],
    ['a bad retry', () => task({ id: 't', retry: { attempts: 0 } }, noop), /retry\.attempts/],
    ['a bad timeout', () => task({ id: 't', timeout: '5x' }, noop), /timeout/],
    ['a zero timeout', () => task({ id: 't', timeout: 0 }, noop), /timeout/],
    [
      'a duplicate dependency',
      () => task({ id: 't', dependencies: ['a', 'a'] }, noop),
      /'a' twice/,
    ],
    ['a self-dependency', () => task({ id: 't', dependencies: ['t'] }, noop), /itself/],
    ['non-array dependencies', () => task({ id: 't', dependencies: 'a' as never }, noop), /array/],
    [
      'an unknown option',
      () => task({ id: 't', dependsOn: ['a'] } as TaskOptions, noop),
      /dependsOn/,
    ],
  ])('rejects %s with INVALID_TASK naming the task', (_label, make, message) => {
    const error = validationError(make);
    expect(error.code).toBe('INVALID_TASK');
    expect(error.message).toContain("'t'");
    expect(error.message).toMatch(message);
  });

  it('rejects a structurally invalid rule with INVALID_RULE', () => {
    const error = validationError(() =>
      task({ id: 't', triggerRules: { type: 'maybe' } as unknown as TriggerRule }, noop),
    );
    expect(error.code).toBe('INVALID_RULE');
    expect(error.message).toContain("'t'");
    expect(error.message).toContain('maybe');
  });
});
