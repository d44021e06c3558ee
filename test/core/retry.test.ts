import { describe, it, expect } from 'vitest';
import { isTransientError, RetryPolicy } from '../../src/core/retry.js';
import type { RetryOptions } from '../../src/core/retry.js';
import { ConfigError, DatabaseError, TaskError, TimeoutError } from '../../src/errors.js';

const delays = (options: RetryOptions, count: number): number[] => {
  const policy = new RetryPolicy({ jitter: false, ...options });
  return Array.from({ length: count }, (_, i) => policy.delayFor(i + 1));
};

describe('RetryPolicy defaults and validation', () => {
  it('resolves the documented defaults', () => {
    const p = new RetryPolicy();
    expect({ ...p }).toEqual({
      attempts: 3,
      backoff: 'exponential',
      initialDelayMs: 1_000,
      maxDelayMs: 60_000,
      multiplier: 1,
      base: 2,
      jitter: true,
      retryOn: 'all',
    });
  });

  it('treats undefined options as defaults', () => {
    expect(new RetryPolicy({ attempts: undefined }).attempts).toBe(3);
  });

  it('reports every problem in one ConfigError', () => {
    try {
      new RetryPolicy({
        attempts: 0,
        backoff: 'random' as never,
        initialDelay: '5x',
        maxDelay: -1,
        multiplier: 0,
        base: 0.5,
        jitter: 'yes' as never,
        retryOn: 'sometimes' as never,
        atempts: 3,
      } as RetryOptions);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems;
      expect(problems).toHaveLength(9);
      for (const key of [
        'attempts',
        'backoff',
        'initialDelay',
        'maxDelay',
        'multiplier',
        'base',
        'jitter',
        'retryOn',
        'atempts',
      ]) {
        expect(problems.some((p) => p.includes(`retry.${key}`))).toBe(true);
      }
    }
  });

  it.each([1.5, -1, NaN])('rejects attempts %j', (attempts) => {
    expect(() => new RetryPolicy({ attempts })).toThrow(/retry\.attempts/);
  });

  it('rejects maxDelay below initialDelay', () => {
    expect(() => new RetryPolicy({ initialDelay: '10s', maxDelay: '5s' })).toThrow(/maxDelay/);
  });

  it('rejects retryOn lists with non-strings or empty strings', () => {
    expect(() => new RetryPolicy({ retryOn: ['ok', ''] })).toThrow(ConfigError);
    expect(() => new RetryPolicy({ retryOn: [1] as never })).toThrow(ConfigError);
  });

  it('from() returns a policy as-is and builds one from options', () => {
    const p = new RetryPolicy({ attempts: 5 });
    expect(RetryPolicy.from(p)).toBe(p);
    expect(RetryPolicy.from({ attempts: 4 }).attempts).toBe(4);
    expect(RetryPolicy.from().attempts).toBe(3);
  });

  it('copies a retryOn list so later changes do not affect it', () => {
    const list = ['a'];
    const p = new RetryPolicy({ retryOn: list });
    list.push('b');
    expect(p.retryOn).toEqual(['a']);
  });
});

describe('delayFor (jitter off)', () => {
  it('fixed', () => {
    expect(delays({ backoff: 'fixed', initialDelay: '2s' }, 3)).toEqual([2000, 2000, 2000]);
  });

  it('linear', () => {
    expect(delays({ backoff: 'linear', initialDelay: '1s' }, 3)).toEqual([1000, 2000, 3000]);
    expect(delays({ backoff: 'linear', initialDelay: '1s', multiplier: 2 }, 2)).toEqual([
      2000, 4000,
    ]);
  });

  it('exponential', () => {
    expect(delays({ backoff: 'exponential', initialDelay: '1s' }, 4)).toEqual([
      1000, 2000, 4000, 8000,
    ]);
    expect(delays({ initialDelay: 100, base: 3, multiplier: 2 }, 3)).toEqual([200, 600, 1800]);
  });

  it('caps at maxDelay', () => {
    expect(delays({ initialDelay: '10s', maxDelay: '15s' }, 3)).toEqual([10000, 15000, 15000]);
  });

  it('stays finite for huge attempt numbers and zero delays', () => {
    expect(delays({ initialDelay: '1s', maxDelay: '1m' }, 2000).at(-1)).toBe(60_000);
    expect(delays({ initialDelay: 0, maxDelay: 0 }, 2000).at(-1)).toBe(0);
  });
});

describe('delayFor (jitter on)', () => {
  it('stays within [0.75, 1.25]× over 1000 samples', () => {
    const p = new RetryPolicy({ initialDelay: '1s', maxDelay: '1h' });
    const samples = Array.from({ length: 1000 }, () => p.delayFor(3));
    for (const d of samples) {
      expect(d).toBeGreaterThanOrEqual(3000);
      expect(d).toBeLessThanOrEqual(5000);
    }
    // Jitter must actually vary the delays.
    expect(new Set(samples).size).toBeGreaterThan(10);
  });

  it('never exceeds the cap (jitter applied before the cap)', () => {
    const p = new RetryPolicy({ initialDelay: '10s', maxDelay: '15s' });
    for (let i = 0; i < 1000; i++) expect(p.delayFor(2)).toBeLessThanOrEqual(15_000);
    expect(p.delayFor(2, () => 0.999999)).toBe(15_000);
    expect(p.delayFor(1, () => 0.999999)).toBe(12_500);
  });

  it('uses the injected random source at both ends', () => {
    const p = new RetryPolicy({ backoff: 'fixed', initialDelay: 1000 });
    expect(p.delayFor(1, () => 0)).toBe(750);
    expect(p.delayFor(1, () => 0.5)).toBe(1000);
    expect(p.delayFor(1, () => 1)).toBe(1250);
  });
});

describe('shouldRetry', () => {
  const err = new Error('boom');

  it('stops when the attempts are used up (attempts = total)', () => {
    const p = new RetryPolicy({ attempts: 3 });
    expect(p.shouldRetry(err, 1)).toBe(true);
    expect(p.shouldRetry(err, 2)).toBe(true);
    expect(p.shouldRetry(err, 3)).toBe(false);
    expect(new RetryPolicy({ attempts: 1 }).shouldRetry(err, 1)).toBe(false);
  });

  it('never retries a TaskError with retryable: false', () => {
    const p = new RetryPolicy({ attempts: 5 });
    expect(p.shouldRetry(new TaskError('bad input', { retryable: false }), 1)).toBe(false);
    expect(p.shouldRetry(new TaskError('flaky'), 1)).toBe(true);
  });

  it("'never' never retries", () => {
    expect(new RetryPolicy({ retryOn: 'never' }).shouldRetry(new TimeoutError('t', 1), 1)).toBe(
      false,
    );
  });

  it("'transient' retries transient errors only", () => {
    const p = new RetryPolicy({ retryOn: 'transient' });
    expect(p.shouldRetry(new TimeoutError('slow', 100), 1)).toBe(true);
    expect(p.shouldRetry(new Error('connection reset by peer'), 1)).toBe(true);
    expect(p.shouldRetry(new Error('invalid input'), 1)).toBe(false);
  });

  it('a string list matches name, code or message fragment, ignoring case', () => {
    const p = new RetryPolicy({ retryOn: ['RangeError', 'E_QUOTA', 'try again'] });
    expect(p.shouldRetry(new RangeError('x'), 1)).toBe(true);
    expect(p.shouldRetry(Object.assign(new Error('x'), { code: 'e_quota' }), 1)).toBe(true);
    expect(p.shouldRetry(new Error('Please TRY AGAIN later'), 1)).toBe(true);
    expect(p.shouldRetry(new TypeError('nope'), 1)).toBe(false);
  });

  it('a predicate decides, and a throwing predicate means no retry', () => {
    const p = new RetryPolicy({ retryOn: (e) => e.message.startsWith('retry') });
    expect(p.shouldRetry(new Error('retry me'), 1)).toBe(true);
    expect(p.shouldRetry(new Error('no'), 1)).toBe(false);
    const throwing = new RetryPolicy({
      retryOn: () => {
        throw new Error('bug');
      },
    });
    expect(throwing.shouldRetry(new Error('x'), 1)).toBe(false);
  });

  it("'all' retries anything retryable", () => {
    expect(new RetryPolicy().shouldRetry(new Error('anything'), 1)).toBe(true);
  });
});

describe('isTransientError', () => {
  it.each([
    new TimeoutError('took too long', 10),
    new DatabaseError('busy', { retryable: true }),
    Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    Object.assign(new Error('x'), { code: 'SQLITE_BUSY' }),
    Object.assign(new Error('x'), { code: 'EAI_AGAIN' }),
    new Error('Request Timeout'),
    new Error('operation timed out'),
    new Error('Service Unavailable'),
    new Error('server overloaded'),
    new Error('Rate limit exceeded'),
    new Error('temporary failure'),
    new Error('network down'),
    new Error('resource busy'),
    new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) }),
  ])('%s is transient', (error) => {
    expect(isTransientError(error)).toBe(true);
  });

  it.each([
    new Error('invalid input'),
    new TypeError('x is not a function'),
    new DatabaseError('constraint violated', { retryable: false }),
    Object.assign(new Error('x'), { code: 'ENOENT' }),
  ])('%s is not transient', (error) => {
    expect(isTransientError(error)).toBe(false);
  });

  it('survives a cyclic cause chain', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    expect(isTransientError(a)).toBe(false);
  });
});

describe('toJSON', () => {
  it('describes the policy as plain JSON', () => {
    expect(new RetryPolicy({ retryOn: ['x'], jitter: false }).toJSON()).toEqual({
      attempts: 3,
      backoff: 'exponential',
      initialDelayMs: 1000,
      maxDelayMs: 60000,
      multiplier: 1,
      base: 2,
      jitter: false,
      retryOn: ['x'],
    });
    expect(new RetryPolicy({ retryOn: () => true }).toJSON()['retryOn']).toBe('custom');
  });
});
