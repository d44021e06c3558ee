/**
 * A stored workflow definition (`definition` of `GET v1/workflows/{name}`, what
 * `Workflow.toDefinition()` wrote) read for people: each task's trigger rule, retry policy and
 * timeout in words. The definition is JSON from the database, possibly written by another
 * release, so every field is read defensively and an unknown shape is shown as its JSON.
 */
import { formatDuration } from './format.js';

/** One task of the definition, in words. */
export interface TaskSpec {
  readonly id: string;
  readonly dependencies: readonly string[];
  /** The trigger rule in words (`always` when it runs once its dependencies are done). */
  readonly rule: string;
  /** True for the default rule, which the table shows quietly. */
  readonly ruleIsDefault: boolean;
  /** The retry policy in words. */
  readonly retry: string;
  /** Total attempts, including the first (null when the definition does not say). */
  readonly attempts: number | null;
  /** The per-attempt timeout in words, or the runner default. */
  readonly timeout: string;
  readonly description: string | null;
}

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

/** The tasks of `definition`, in declared order. */
export function taskSpecs(definition: Obj): TaskSpec[] {
  const tasks = Array.isArray(definition['tasks']) ? (definition['tasks'] as unknown[]) : [];
  return tasks.filter(isObject).map((task) => {
    const rule = task['triggerRules'];
    const retry = isObject(task['retry']) ? task['retry'] : null;
    const timeoutMs = num(task['timeoutMs']);
    return {
      id: str(task['id']) ?? '?',
      dependencies: Array.isArray(task['dependencies'])
        ? task['dependencies'].filter((d): d is string => typeof d === 'string')
        : [],
      rule: rule === undefined || rule === null ? 'always' : ruleWords(rule),
      ruleIsDefault:
        rule === undefined || rule === null || (isObject(rule) && rule['type'] === 'always'),
      retry: retry === null ? 'runner default' : retryWords(retry),
      attempts: retry === null ? null : num(retry['attempts']),
      timeout: timeoutMs === null ? 'runner default' : formatDuration(timeoutMs),
      description: str(task['description']),
    };
  });
}

const OPERATOR_WORDS: Readonly<Record<string, string>> = {
  equals: 'equals',
  notEquals: 'does not equal',
  greaterThan: '>',
  lessThan: '<',
  contains: 'contains',
  notContains: 'does not contain',
  exists: 'exists',
  notExists: 'does not exist',
};

/**
 * A trigger rule in words: `extract completed and context.rows > 10`. Nested combinators are
 * parenthesised; an unknown shape is shown as JSON.
 */
export function ruleWords(rule: unknown, nested = false): string {
  if (!isObject(rule)) return JSON.stringify(rule);
  const type = rule['type'];
  switch (type) {
    case 'always':
      return 'always';
    case 'all':
    case 'any':
    case 'none': {
      const conditions = Array.isArray(rule['conditions']) ? rule['conditions'] : [];
      if (conditions.length === 0) {
        return type === 'any' ? 'never (any of nothing)' : 'always';
      }
      const parts = conditions.map((c) => ruleWords(c, true));
      const joined =
        type === 'none'
          ? `none of: ${parts.join(', ')}`
          : parts.join(type === 'all' ? ' and ' : ' or ');
      return nested && conditions.length > 1 ? `(${joined})` : joined;
    }
    case 'taskSuccess':
      return `${String(rule['taskId'])} completed`;
    case 'taskFailed':
      return `${String(rule['taskId'])} failed`;
    case 'taskSkipped':
      return `${String(rule['taskId'])} skipped`;
    case 'contextValue': {
      const op = String(rule['op']);
      const words = OPERATOR_WORDS[op] ?? op;
      const subject = `context.${String(rule['key'])}`;
      return rule['value'] === undefined
        ? `${subject} ${words}`
        : `${subject} ${words} ${JSON.stringify(rule['value'])}`;
    }
    default:
      return JSON.stringify(rule);
  }
}

/** A retry policy (`RetryPolicy.toJSON()`) in words: `3 attempts, exponential from 1.0 s …`. */
export function retryWords(retry: Obj): string {
  const attempts = num(retry['attempts']);
  if (attempts === 1) return 'no retry (1 attempt)';
  const parts: string[] = [attempts === null ? 'attempts: ?' : `${attempts} attempts`];
  const backoff = str(retry['backoff']);
  const initial = num(retry['initialDelayMs']);
  const max = num(retry['maxDelayMs']);
  const delay = initial === null ? '' : ` from ${formatDuration(initial)}`;
  if (backoff === 'exponential') {
    const base = num(retry['base']);
    const multiplier = num(retry['multiplier']);
    const factor = [
      base !== null && base !== 2 ? `×${base}` : null,
      multiplier !== null && multiplier !== 1 ? `scale ${multiplier}` : null,
    ]
      .filter((x) => x !== null)
      .join(', ');
    parts.push(`exponential${delay}${factor === '' ? '' : ` (${factor})`}`);
  } else if (backoff !== null) parts.push(`${backoff}${delay}`);
  if (max !== null) parts.push(`max ${formatDuration(max)}`);
  if (retry['jitter'] === true) parts.push('jitter');
  const retryOn = retry['retryOn'];
  if (Array.isArray(retryOn)) parts.push(`on ${retryOn.join(', ')}`);
  else if (typeof retryOn === 'string' && retryOn !== 'all') {
    parts.push(
      retryOn === 'custom'
        ? 'on errors a predicate picks'
        : retryOn === 'never'
          ? 'never retried'
          : `on ${retryOn} errors`,
    );
  }
  return parts.join(', ');
}
