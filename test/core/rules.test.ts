import { describe, it, expect } from 'vitest';
import type { JsonObject } from '../../src/core/json.js';
import {
  describeRule,
  evaluateRule,
  ruleProblem,
  rules,
  ruleTaskRefs,
} from '../../src/core/rules.js';
import type { TriggerRule } from '../../src/core/rules.js';

const statuses: Record<string, string> = {
  ok: 'Completed',
  bad: 'Failed',
  skipped: 'Skipped',
  running: 'Running',
};
const context: JsonObject = {
  n: 10,
  s: 'hello world',
  list: [1, { a: 1 }, 'x'],
  obj: { a: 1, b: [2] },
  nil: null,
  numText: '10',
};
const env = { taskStatus: (id: string) => statuses[id], context };
const ev = (rule: TriggerRule): boolean => evaluateRule(rule, env);
const cv = rules.contextValue;

describe('task-state rules', () => {
  it('match the terminal statuses only', () => {
    expect(ev(rules.taskSuccess('ok'))).toBe(true);
    expect(ev(rules.taskSuccess('bad'))).toBe(false);
    expect(ev(rules.taskFailed('bad'))).toBe(true);
    expect(ev(rules.taskFailed('ok'))).toBe(false);
    expect(ev(rules.taskSkipped('skipped'))).toBe(true);
    expect(ev(rules.taskSkipped('ok'))).toBe(false);
    expect(ev(rules.taskSuccess('running'))).toBe(false);
    expect(ev(rules.taskSuccess('unknown'))).toBe(false);
  });
});

describe('combinators', () => {
  it('handle empty lists: all([])=true, none([])=true, any([])=false', () => {
    expect(ev(rules.all())).toBe(true);
    expect(ev(rules.none())).toBe(true);
    expect(ev(rules.any())).toBe(false);
    expect(ev(rules.always())).toBe(true);
  });

  it('all / any / none', () => {
    const t = rules.always();
    const f = rules.taskFailed('ok');
    expect(ev(rules.all(t, t))).toBe(true);
    expect(ev(rules.all(t, f))).toBe(false);
    expect(ev(rules.any(f, t))).toBe(true);
    expect(ev(rules.any(f, f))).toBe(false);
    expect(ev(rules.none(f, f))).toBe(true);
    expect(ev(rules.none(f, t))).toBe(false);
  });

  it('nest', () => {
    const rule = rules.all(
      rules.any(rules.taskFailed('ok'), rules.taskSuccess('ok')),
      rules.none(rules.all(rules.taskSkipped('skipped'), cv('n', 'lessThan', 5))),
    );
    expect(ev(rule)).toBe(true);
    expect(ev(rules.none(rule))).toBe(false);
  });
});

describe('contextValue', () => {
  it('equals / notEquals use deep JSON equality', () => {
    expect(ev(cv('n', 'equals', 10))).toBe(true);
    expect(ev(cv('numText', 'equals', 10))).toBe(false);
    expect(ev(cv('obj', 'equals', { b: [2], a: 1 }))).toBe(true);
    expect(ev(cv('obj', 'equals', { a: 1 }))).toBe(false);
    expect(ev(cv('nil', 'equals', null))).toBe(true);
    expect(ev(cv('obj', 'notEquals', { a: 1 }))).toBe(true);
    expect(ev(cv('n', 'notEquals', 10))).toBe(false);
  });

  it('a missing key equals nothing, not even null', () => {
    expect(ev(cv('missing', 'equals', null))).toBe(false);
    expect(ev(cv('missing', 'notEquals', null))).toBe(true);
    expect(ev(cv('missing', 'notEquals', 1))).toBe(true);
  });

  it('greaterThan / lessThan compare finite numbers only', () => {
    expect(ev(cv('n', 'greaterThan', 5))).toBe(true);
    expect(ev(cv('n', 'greaterThan', 10))).toBe(false);
    expect(ev(cv('n', 'lessThan', 11))).toBe(true);
    expect(ev(cv('n', 'lessThan', 10))).toBe(false);
    expect(ev(cv('numText', 'greaterThan', 5))).toBe(false);
    expect(ev(cv('numText', 'lessThan', 50))).toBe(false);
    expect(ev(cv('s', 'greaterThan', 'a'))).toBe(false);
    expect(ev(cv('nil', 'lessThan', 1))).toBe(false);
    expect(ev(cv('missing', 'greaterThan', 0))).toBe(false);
    expect(ev(cv('missing', 'lessThan', 0))).toBe(false);
  });

  it('contains is substring for strings and deep membership for arrays', () => {
    expect(ev(cv('s', 'contains', 'lo wo'))).toBe(true);
    expect(ev(cv('s', 'contains', 'bye'))).toBe(false);
    expect(ev(cv('s', 'contains', 1))).toBe(false);
    expect(ev(cv('list', 'contains', { a: 1 }))).toBe(true);
    expect(ev(cv('list', 'contains', 'x'))).toBe(true);
    expect(ev(cv('list', 'contains', { a: 2 }))).toBe(false);
    expect(ev(cv('obj', 'contains', 'a'))).toBe(false);
    expect(ev(cv('n', 'contains', 1))).toBe(false);
    expect(ev(cv('missing', 'contains', 'x'))).toBe(false);
  });

  it('notContains is the negation and true on a missing key', () => {
    expect(ev(cv('s', 'notContains', 'bye'))).toBe(true);
    expect(ev(cv('s', 'notContains', 'hello'))).toBe(false);
    expect(ev(cv('list', 'notContains', { a: 1 }))).toBe(false);
    expect(ev(cv('missing', 'notContains', 'x'))).toBe(true);
  });

  it('exists / notExists look at key presence (null counts as present)', () => {
    expect(ev(cv('nil', 'exists'))).toBe(true);
    expect(ev(cv('missing', 'exists'))).toBe(false);
    expect(ev(cv('nil', 'notExists'))).toBe(false);
    expect(ev(cv('missing', 'notExists'))).toBe(true);
  });
});

describe('describeRule', () => {
  it('renders a compact text form', () => {
    expect(
      describeRule(rules.all(rules.taskSuccess('extract'), cv('rows', 'greaterThan', 10))),
    ).toBe('all(taskSuccess(extract), contextValue(rows greaterThan 10))');
    expect(describeRule(rules.none())).toBe('none()');
    expect(describeRule(rules.any(cv('k', 'exists'), cv('s', 'equals', 'ok')))).toBe(
      'any(contextValue(k exists), contextValue(s equals "ok"))',
    );
    expect(describeRule(rules.always())).toBe('always');
  });
});

describe('ruleTaskRefs', () => {
  it('lists nested task references once each', () => {
    const rule = rules.any(
      rules.taskSuccess('a'),
      rules.all(rules.taskFailed('b'), rules.none(rules.taskSkipped('a'), cv('x', 'exists'))),
    );
    expect(ruleTaskRefs(rule)).toEqual(['a', 'b']);
    expect(ruleTaskRefs(rules.always())).toEqual([]);
  });
});

describe('rules serialize to JSON', () => {
  it('round-trips through JSON and evaluates the same', () => {
    const rule = rules.all(rules.taskSuccess('ok'), cv('list', 'contains', { a: 1 }));
    const back = JSON.parse(JSON.stringify(rule)) as TriggerRule;
    expect(back).toEqual(rule);
    expect(ruleProblem(back)).toBeNull();
    expect(ev(back)).toBe(true);
  });
});

describe('ruleProblem', () => {
  it('accepts valid rules', () => {
    expect(ruleProblem(rules.always())).toBeNull();
    expect(ruleProblem(rules.none(rules.any(cv('k', 'notExists'))))).toBeNull();
  });

  it.each([
    [null, /rule object/],
    ['always', /rule object/],
    [{ type: 'sometimes' }, /unknown type 'sometimes'/],
    [{ type: 'all' }, /array of conditions/],
    [{ type: 'all', conditions: 'x' }, /array of conditions/],
    [{ type: 'any', conditions: [{ type: 'always' }, { type: 'nope' }] }, /conditions\[1\]/],
    [{ type: 'taskSuccess' }, /task id/],
    [{ type: 'taskFailed', taskId: 'bad id!' }, /task id/],
    [{ type: 'contextValue', op: 'equals', value: 1 }, /key/],
    [{ type: 'contextValue', key: 'k', op: 'like', value: 1 }, /unknown operator 'like'/],
    [{ type: 'contextValue', key: 'k', op: 'equals' }, /needs a value/],
    [{ type: 'contextValue', key: 'k', op: 'greaterThan', value: '5' }, /numbers only/],
    [{ type: 'contextValue', key: 'k', op: 'equals', value: new Date() }, /not JSON/],
    [{ type: 'always', extra: 1 }, /unexpected property 'extra'/],
  ])('rejects %j', (rule, message) => {
    expect(ruleProblem(rule)).toMatch(message);
  });
});
