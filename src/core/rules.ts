/**
 * Trigger rules: a condition on one task that decides, once all its
 * dependencies are terminal, whether it runs or is skipped. Rules are plain JSON so they can be
 * stored with each task execution and evaluated again after a restart.
 */

import { describeValue } from './describe.js';
import { isValidId } from './ids.js';
import { canonicalJson, deepEqualJson, findNonJson, isPlainObject } from './json.js';
import type { Json, JsonObject } from './json.js';

/** Comparison used by a `contextValue` rule. */
export type ContextOperator =
  | 'equals'
  | 'notEquals'
  | 'greaterThan'
  | 'lessThan'
  | 'contains'
  | 'notContains'
  | 'exists'
  | 'notExists';

/** A trigger rule; combinators nest. */
export type TriggerRule =
  | { type: 'always' }
  | { type: 'all' | 'any' | 'none'; conditions: TriggerRule[] }
  | { type: 'taskSuccess' | 'taskFailed' | 'taskSkipped'; taskId: string }
  | { type: 'contextValue'; key: string; op: ContextOperator; value?: Json };

const OPERATORS: readonly string[] = [
  'equals',
  'notEquals',
  'greaterThan',
  'lessThan',
  'contains',
  'notContains',
  'exists',
  'notExists',
];
const COMBINATORS: readonly string[] = ['all', 'any', 'none'];
/** Task-state rules and the task status each one waits for. */
const TASK_STATUS: Readonly<Record<string, string>> = {
  taskSuccess: 'Completed',
  taskFailed: 'Failed',
  taskSkipped: 'Skipped',
};
const RULE_TYPES = ['always', ...COMBINATORS, ...Object.keys(TASK_STATUS), 'contextValue'];

/**
 * Builders of {@link TriggerRule}s. Arrow functions, so they may be destructured
 * (`const { all, taskSuccess } = rules`).
 */
export const rules = {
  /** Always true: the task runs once its dependencies are terminal (the default). */
  always: (): TriggerRule => ({ type: 'always' }),
  /** True when every condition is true (true for no conditions). */
  all: (...conditions: TriggerRule[]): TriggerRule => ({ type: 'all', conditions }),
  /** True when at least one condition is true (false for no conditions). */
  any: (...conditions: TriggerRule[]): TriggerRule => ({ type: 'any', conditions }),
  /** True when no condition is true (true for no conditions). */
  none: (...conditions: TriggerRule[]): TriggerRule => ({ type: 'none', conditions }),
  /** True when task `taskId` completed. */
  taskSuccess: (taskId: string): TriggerRule => ({ type: 'taskSuccess', taskId }),
  /** True when task `taskId` failed for good (after its retries). */
  taskFailed: (taskId: string): TriggerRule => ({ type: 'taskFailed', taskId }),
  /** True when task `taskId` was skipped. */
  taskSkipped: (taskId: string): TriggerRule => ({ type: 'taskSkipped', taskId }),
  /** Compares the merged input context's value at `key` with `value` using `op`. */
  contextValue: (key: string, op: ContextOperator, value?: Json): TriggerRule =>
    value === undefined
      ? { type: 'contextValue', key, op }
      : { type: 'contextValue', key, op, value },
} as const;

/** What a rule can see: the dependencies' statuses and the merged input context. */
export interface RuleEnvironment {
  /** Status of a task of the same execution (`'Completed'`, `'Failed'`, `'Skipped'`, ...). */
  taskStatus(taskId: string): string | undefined;
  /** The merged output context of the task's dependencies. */
  context: JsonObject;
}

/** Evaluates `rule` against `env`. */
export function evaluateRule(rule: TriggerRule, env: RuleEnvironment): boolean {
  switch (rule.type) {
    case 'always':
      return true;
    case 'all':
      return rule.conditions.every((c) => evaluateRule(c, env));
    case 'any':
      return rule.conditions.some((c) => evaluateRule(c, env));
    case 'none':
      return !rule.conditions.some((c) => evaluateRule(c, env));
    case 'taskSuccess':
    case 'taskFailed':
    case 'taskSkipped':
      return env.taskStatus(rule.taskId) === TASK_STATUS[rule.type];
    case 'contextValue':
      return compare(env.context, rule.key, rule.op, rule.value);
  }
}

function compare(
  context: JsonObject,
  key: string,
  op: ContextOperator,
  expected: Json | undefined,
): boolean {
  const present = Object.hasOwn(context, key);
  const actual = present ? context[key] : undefined;
  switch (op) {
    case 'exists':
      return present;
    case 'notExists':
      return !present;
    // A missing key equals nothing, not even null: absence and an explicit null differ.
    case 'equals':
      return actual !== undefined && expected !== undefined && deepEqualJson(actual, expected);
    case 'notEquals':
      return !(actual !== undefined && expected !== undefined && deepEqualJson(actual, expected));
    case 'greaterThan':
      return isFiniteNumber(actual) && isFiniteNumber(expected) && actual > expected;
    case 'lessThan':
      return isFiniteNumber(actual) && isFiniteNumber(expected) && actual < expected;
    case 'contains':
      return contains(actual, expected);
    case 'notContains':
      return !contains(actual, expected);
  }
}

function contains(actual: Json | undefined, expected: Json | undefined): boolean {
  if (actual === undefined || expected === undefined) return false;
  if (typeof actual === 'string') return typeof expected === 'string' && actual.includes(expected);
  if (Array.isArray(actual)) return actual.some((item) => deepEqualJson(item, expected));
  return false;
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * A compact text form, e.g. `all(taskSuccess(extract), contextValue(rows greaterThan 10))`,
 * used in skip reasons and logs.
 */
export function describeRule(rule: TriggerRule): string {
  switch (rule.type) {
    case 'always':
      return 'always';
    case 'all':
    case 'any':
    case 'none':
      return `${rule.type}(${rule.conditions.map(describeRule).join(', ')})`;
    case 'taskSuccess':
    case 'taskFailed':
    case 'taskSkipped':
      return `${rule.type}(${rule.taskId})`;
    case 'contextValue':
      return rule.value === undefined
        ? `contextValue(${rule.key} ${rule.op})`
        : `contextValue(${rule.key} ${rule.op} ${canonicalJson(rule.value)})`;
  }
}

/** Why a task whose rule is false was skipped (its `skipReason`). */
export function skipReason(rule: TriggerRule): string {
  return `Trigger rule not satisfied: ${describeRule(rule)}`;
}

/** The ids of the tasks a rule refers to, nested ones included, each once, in order of appearance. */
export function ruleTaskRefs(rule: TriggerRule): string[] {
  const refs = new Set<string>();
  const visit = (r: TriggerRule): void => {
    if ('conditions' in r) r.conditions.forEach(visit);
    else if ('taskId' in r) refs.add(r.taskId);
  };
  visit(rule);
  return [...refs];
}

/** Operators that compare against a value, and what that value must be. */
const VALUE_NEEDS: Readonly<Record<string, (v: unknown) => boolean>> = {
  equals: () => true,
  notEquals: () => true,
  greaterThan: isFiniteNumber,
  lessThan: isFiniteNumber,
  contains: () => true,
  notContains: () => true,
};

/**
 * Structural validation of a rule that may come from JSON or untyped code. Returns `null` when
 * `rule` is a valid {@link TriggerRule}, else a message saying where and what is wrong.
 */
export function ruleProblem(rule: unknown): string | null {
  return problemAt(rule, 'rule');
}

function problemAt(rule: unknown, where: string): string | null {
  if (!isPlainObject(rule)) {
    return `${where} must be a rule object such as rules.always(); received ${describeValue(rule)}.`;
  }
  const type = rule['type'];
  if (typeof type !== 'string' || !RULE_TYPES.includes(type)) {
    return `${where} has unknown type ${describeValue(type)}; expected one of ${RULE_TYPES.join(', ')}.`;
  }
  const allowed = ['type', ...allowedKeys(type)];
  const extra = Object.keys(rule).find((k) => !allowed.includes(k));
  if (extra !== undefined) {
    return `${where} (${type}) has unexpected property '${extra}'; allowed: ${allowed.join(', ')}.`;
  }
  if (COMBINATORS.includes(type)) {
    const conditions = rule['conditions'];
    if (!Array.isArray(conditions)) {
      return `${where} (${type}) needs an array of conditions; received ${describeValue(conditions)}.`;
    }
    for (let i = 0; i < conditions.length; i++) {
      const problem = problemAt(conditions[i], `${where}.conditions[${i}]`);
      if (problem !== null) return problem;
    }
    return null;
  }
  if (type in TASK_STATUS) {
    return isValidId(rule['taskId'])
      ? null
      : `${where} (${type}) needs a task id made of letters, digits, '_', '.' or '-'; received ${describeValue(rule['taskId'])}.`;
  }
  if (type === 'contextValue') return contextValueProblem(rule, where);
  return null;
}

function allowedKeys(type: string): string[] {
  if (COMBINATORS.includes(type)) return ['conditions'];
  if (type in TASK_STATUS) return ['taskId'];
  if (type === 'contextValue') return ['key', 'op', 'value'];
  return [];
}

function contextValueProblem(rule: Record<string, unknown>, where: string): string | null {
  const { key, op, value } = rule;
  if (typeof key !== 'string' || key === '') {
    return `${where} (contextValue) needs a non-empty string key; received ${describeValue(key)}.`;
  }
  if (typeof op !== 'string' || !OPERATORS.includes(op)) {
    return `${where} (contextValue ${key}) has unknown operator ${describeValue(op)}; expected one of ${OPERATORS.join(', ')}.`;
  }
  const needs = VALUE_NEEDS[op];
  if (needs === undefined) return null; // exists / notExists look only at presence
  if (value === undefined) {
    return `${where} (contextValue ${key} ${op}) needs a value to compare with.`;
  }
  const nonJson = findNonJson(value);
  if (nonJson !== null) {
    return `${where} (contextValue ${key} ${op}) value is not JSON at value${nonJson.path}: ${nonJson.reason}.`;
  }
  if (!needs(value)) {
    return `${where} (contextValue ${key} ${op}) compares numbers only; give a finite number value, received ${describeValue(value)}.`;
  }
  return null;
}
