/**
 * Retry policies: how many attempts a task gets, how long to wait between
 * them, and which errors are worth another attempt. The policy only computes; the engine stores
 * the resulting `retryAt` so that a retry survives a restart.
 */

import { ConfigError, DatabaseError, TaskError, TimeoutError } from '../errors.js';
import { describeValue } from './describe.js';
import { durationProblem, parseDuration } from './duration.js';
import type { Duration } from './duration.js';
import { isPlainObject } from './json.js';
import type { Json, JsonObject } from './json.js';

/** How the delay grows from one attempt to the next. */
export type Backoff = 'fixed' | 'linear' | 'exponential';

/**
 * Which errors are retried: `'all'`, `'never'`, `'transient'` (see {@link isTransientError}), a
 * list of error names/codes/message fragments, or a predicate.
 */
export type RetryOn =
  'all' | 'never' | 'transient' | readonly string[] | ((error: Error) => boolean);

/** Retry options of a task. Every field is optional. */
export interface RetryOptions {
  /**
   * Total number of attempts, including the first (an integer ≥ 1; 1 means no retry).
   * @default 3
   */
  attempts?: number;
  /** @default 'exponential' */
  backoff?: Backoff;
  /**
   * Delay after the first failed attempt, before multipliers.
   * @default '1s'
   */
  initialDelay?: Duration;
  /**
   * Upper bound of any delay, applied after jitter.
   * @default '60s'
   */
  maxDelay?: Duration;
  /**
   * Scales linear and exponential delays (a finite number > 0).
   * @default 1
   */
  multiplier?: number;
  /**
   * Growth factor of exponential backoff (a finite number ≥ 1).
   * @default 2
   */
  base?: number;
  /**
   * Multiply each delay by a random factor in [0.75, 1.25] so that many failing tasks do not
   * retry in lock-step.
   * @default true
   */
  jitter?: boolean;
  /** @default 'all' */
  retryOn?: RetryOn;
}

const DEFAULTS = {
  attempts: 3,
  backoff: 'exponential',
  initialDelay: '1s',
  maxDelay: '60s',
  multiplier: 1,
  base: 2,
  jitter: true,
  retryOn: 'all',
} as const;

const OPTION_KEYS = Object.keys(DEFAULTS);
const BACKOFFS: readonly string[] = ['fixed', 'linear', 'exponential'];
const RETRY_ON_WORDS: readonly string[] = ['all', 'never', 'transient'];

/** A validated retry policy with every option resolved. */
export class RetryPolicy {
  /** Total attempts including the first. */
  readonly attempts: number;
  readonly backoff: Backoff;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly multiplier: number;
  readonly base: number;
  readonly jitter: boolean;
  readonly retryOn: RetryOn;

  /**
   * @throws {ConfigError} listing every invalid option at once.
   */
  constructor(options: RetryOptions = {}) {
    const problems = retryOptionsProblems(options);
    if (problems.length > 0) throw new ConfigError(problems);
    const o = { ...DEFAULTS, ...definedOnly(options) };
    this.attempts = o.attempts;
    this.backoff = o.backoff;
    this.initialDelayMs = parseDuration(o.initialDelay, 'retry.initialDelay');
    this.maxDelayMs = parseDuration(o.maxDelay, 'retry.maxDelay');
    this.multiplier = o.multiplier;
    this.base = o.base;
    this.jitter = o.jitter;
    // Copy a list so that later changes to the caller's array do not change the policy.
    this.retryOn = Array.isArray(o.retryOn)
      ? Object.freeze([...(o.retryOn as string[])])
      : o.retryOn;
    Object.freeze(this);
  }

  /** Returns `value` itself when it is already a policy, else a new policy from the options. */
  static from(value?: RetryOptions | RetryPolicy): RetryPolicy {
    return value instanceof RetryPolicy ? value : new RetryPolicy(value);
  }

  /**
   * Milliseconds to wait after failed attempt `attempt` (1-based) before the next one. Jitter,
   * when enabled, is applied before the cap, so the result never exceeds `maxDelayMs`.
   * @param random source of randomness in [0, 1); injectable for tests.
   */
  delayFor(attempt: number, random: () => number = Math.random): number {
    const n = Number.isFinite(attempt) ? Math.max(1, Math.floor(attempt)) : 1;
    let delay = this.rawDelay(n);
    if (this.jitter) delay *= 0.75 + 0.5 * Math.min(1, Math.max(0, random()));
    return Math.round(Math.min(delay, this.maxDelayMs));
  }

  private rawDelay(n: number): number {
    const initial = this.initialDelayMs;
    if (initial === 0) return 0; // avoids 0 × Infinity = NaN for huge exponents
    switch (this.backoff) {
      case 'fixed':
        return initial;
      case 'linear':
        return initial * n * this.multiplier;
      case 'exponential':
        return initial * this.multiplier * this.base ** (n - 1);
    }
  }

  /**
   * Whether the task should get another attempt after `attemptJustFailed` (1-based) failed with
   * `error`. False when the attempts are used up, when the error is a `TaskError` with
   * `retryable: false`, or when `retryOn` rejects the error.
   */
  shouldRetry(error: Error, attemptJustFailed: number): boolean {
    if (attemptJustFailed >= this.attempts) return false;
    if (error instanceof TaskError && !error.retryable) return false;
    const retryOn = this.retryOn;
    if (typeof retryOn === 'function') {
      try {
        return retryOn(error) === true;
      } catch {
        // A broken predicate must not crash the engine; not retrying is the safe reading.
        return false;
      }
    }
    if (retryOn === 'all') return true;
    if (retryOn === 'never') return false;
    if (retryOn === 'transient') return isTransientError(error);
    return matchesAny(error, retryOn);
  }

  /** A plain JSON description of the policy (a predicate `retryOn` is shown as `'custom'`). */
  toJSON(): JsonObject {
    const retryOn: Json = typeof this.retryOn === 'function' ? 'custom' : (this.retryOn as Json);
    return {
      attempts: this.attempts,
      backoff: this.backoff,
      initialDelayMs: this.initialDelayMs,
      maxDelayMs: this.maxDelayMs,
      multiplier: this.multiplier,
      base: this.base,
      jitter: this.jitter,
      retryOn: Array.isArray(retryOn) ? [...retryOn] : retryOn,
    };
  }
}

/** `{ a: undefined }` means "use the default", as if the key were absent. */
function definedOnly(options: RetryOptions): RetryOptions {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
}

/** Every problem of a retry options object, as messages; empty when valid. */
function retryOptionsProblems(options: unknown): string[] {
  if (!isPlainObject(options)) {
    return [
      `retry must be an options object or a RetryPolicy; received ${describeValue(options)}.`,
    ];
  }
  const problems: string[] = [];
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) {
      problems.push(
        `retry.${key} is not a retry option; the options are ${OPTION_KEYS.join(', ')}.`,
      );
    }
  }
  const o = options;
  const check = (key: string, ok: (v: unknown) => boolean, expected: string): void => {
    const v = o[key];
    if (v !== undefined && !ok(v)) {
      problems.push(`retry.${key} must be ${expected}; received ${describeValue(v)}.`);
    }
  };
  check(
    'attempts',
    (v) => Number.isInteger(v) && (v as number) >= 1,
    'an integer >= 1 (total attempts, including the first)',
  );
  check(
    'backoff',
    (v) => typeof v === 'string' && BACKOFFS.includes(v),
    "'fixed', 'linear' or 'exponential'",
  );
  check('multiplier', (v) => isFiniteNumber(v) && v > 0, 'a finite number > 0');
  check('base', (v) => isFiniteNumber(v) && v >= 1, 'a finite number >= 1');
  check('jitter', (v) => typeof v === 'boolean', 'true or false');
  check(
    'retryOn',
    isRetryOn,
    "'all', 'never', 'transient', an array of non-empty strings, or a function (error) => boolean",
  );
  for (const key of ['initialDelay', 'maxDelay'] as const) {
    const problem = o[key] === undefined ? null : durationProblem(o[key], `retry.${key}`);
    if (problem !== null) problems.push(problem);
  }
  if (problems.length === 0) {
    const initial = parseDuration(o['initialDelay'] ?? DEFAULTS.initialDelay, 'retry.initialDelay');
    const max = parseDuration(o['maxDelay'] ?? DEFAULTS.maxDelay, 'retry.maxDelay');
    if (max < initial) {
      problems.push(
        `retry.maxDelay (${max}ms) is smaller than retry.initialDelay (${initial}ms); raise maxDelay or lower initialDelay.`,
      );
    }
  }
  return problems;
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function isRetryOn(v: unknown): boolean {
  if (typeof v === 'function') return true;
  if (typeof v === 'string') return RETRY_ON_WORDS.includes(v);
  return Array.isArray(v) && v.every((s) => typeof s === 'string' && s !== '');
}

/** True when the error's name or code equals an entry, or its message contains one (any case). */
function matchesAny(error: Error, entries: readonly string[]): boolean {
  const name = error.name.toLowerCase();
  const code = errorCode(error)?.toLowerCase();
  const message = String(error.message).toLowerCase();
  return entries.some((entry) => {
    const e = entry.toLowerCase();
    return name === e || code === e || message.includes(e);
  });
}

function errorCode(error: Error): string | undefined {
  const code: unknown = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** Error codes of failures that usually go away on their own (network, lock contention). */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  '40001', // Postgres serialization_failure
  '40P01', // Postgres deadlock_detected
  '57P01', // Postgres admin_shutdown
  '53300', // Postgres too_many_connections
]);

const TRANSIENT_WORDS = [
  'timeout',
  'timed out',
  'connection',
  'network',
  'temporary',
  'temporarily',
  'unavailable',
  'busy',
  'overloaded',
  'rate limit',
];

/**
 * True for failures that are likely to succeed on a later attempt: a {@link TimeoutError} (or
 * any error named `TimeoutError`, like `AbortSignal.timeout`'s), a retryable
 * {@link DatabaseError}, common network and lock-contention error codes, or a message mentioning
 * a timeout, connection, network, temporary, unavailable, busy, overloaded or rate limit. The
 * `cause` chain is followed, so a wrapped network error still counts.
 */
export function isTransientError(error: Error): boolean {
  let current: unknown = error;
  // Bounded, because a cause chain can be cyclic.
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const verdict = transientVerdict(current);
    if (verdict !== undefined) return verdict;
    current = current.cause;
  }
  return false;
}

/** true / false when this error decides, `undefined` to look at its cause. */
function transientVerdict(error: Error): boolean | undefined {
  if (error instanceof TimeoutError || error.name === 'TimeoutError') return true;
  // The store knows best whether its own failure is worth repeating.
  if (error instanceof DatabaseError) return error.retryable;
  const code = errorCode(error);
  if (code !== undefined && TRANSIENT_CODES.has(code.toUpperCase())) return true;
  const message = String(error.message).toLowerCase();
  if (TRANSIENT_WORDS.some((w) => message.includes(w))) return true;
  return undefined;
}
