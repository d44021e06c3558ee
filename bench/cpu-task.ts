/**
 * The body of S5's CPU-bound task (`bench/scale-cpu.ts`), as a module so it can run in process
 * or in a worker thread: computes without awaiting for `ctx.ms` milliseconds and records when
 * it started and ended (`performance.timeOrigin + performance.now()`, comparable across
 * threads), which S5 takes as the window the runner was under load.
 */
import type { TaskFunction } from '../src/index.js';

const now = (): number => performance.timeOrigin + performance.now();

/** Spins for `ctx.ms` milliseconds; sets `bodyStartAt` and `bodyEndAt`. */
export const spin: TaskFunction = (ctx) => {
  const ms = Number(ctx.get('ms'));
  const startAt = now();
  let x = 0;
  while (now() - startAt < ms) {
    for (let i = 0; i < 10_000; i += 1) x = (x * 31 + i) | 0;
  }
  ctx.set('bodyStartAt', startAt);
  ctx.set('bodyEndAt', now());
  ctx.set('checksum', x);
};
