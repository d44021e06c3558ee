/**
 * The engine's timer helpers reach delays past Node's 2^31−1 ms timer limit (a longer plain
 * timer fires after 1 ms) by re-arming.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/engine/clock.js';
import { after, every, MAX_TIMER_STEP_MS, sleep } from '../../src/engine/timers.js';

const DAY_MS = 24 * 60 * 60 * 1000;

afterEach(() => {
  vi.useRealTimers();
});

describe('timers past 2^31−1 ms', () => {
  it('after() of 30 days does not fire at once (a plain timer would, after 1 ms)', async () => {
    let fired = false;
    const cancel = after(systemClock, 30 * DAY_MS, () => (fired = true));
    // Real time: long enough for an overflowed timer (1 ms) to have fired many times over.
    await new Promise((resolve) => setTimeout(resolve, 50));
    cancel();
    expect(fired).toBe(false);
  });

  it('after() of 30 days fires once, at 30 days', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    let fired = 0;
    after(systemClock, 30 * DAY_MS, () => (fired += 1));
    vi.advanceTimersByTime(30 * DAY_MS - 1);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(1);
    vi.advanceTimersByTime(60 * DAY_MS);
    expect(fired).toBe(1);
  });

  it('every() of 30 days runs at 30, 60 and 90 days and stops when told', () => {
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'],
    });
    let runs = 0;
    const stop = every(systemClock, 30 * DAY_MS, () => (runs += 1));
    vi.advanceTimersByTime(30 * DAY_MS - 1);
    expect(runs).toBe(0);
    vi.advanceTimersByTime(60 * DAY_MS + 1);
    expect(runs).toBe(3);
    stop();
    vi.advanceTimersByTime(90 * DAY_MS);
    expect(runs).toBe(3);
  });

  it('every() of 30 days does not run every millisecond in real time', async () => {
    let runs = 0;
    const stop = every(systemClock, 30 * DAY_MS, () => (runs += 1));
    await new Promise((resolve) => setTimeout(resolve, 50));
    stop();
    expect(runs).toBe(0);
  });

  it('sleep() of 30 days waits, and ends at once when its signal aborts', async () => {
    const controller = new AbortController();
    let woke = false;
    const slept = sleep(systemClock, 30 * DAY_MS, controller.signal).then(() => (woke = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(woke).toBe(false);
    controller.abort();
    await slept;
    expect(woke).toBe(true);
  });

  it('a delay within one timer step is a single plain timer', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    let fired = false;
    after(systemClock, MAX_TIMER_STEP_MS, () => (fired = true));
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(MAX_TIMER_STEP_MS);
    expect(fired).toBe(true);
  });
});
