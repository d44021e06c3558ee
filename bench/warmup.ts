/**
 * The warm-up rule of every benchmark harness (ours and the peers'): batches of the workload's
 * shape, repeated for at least {@link WARMUP_MS}.
 */
import { performance } from 'node:perf_hooks';

/**
 * How long a warm-up lasts at least. V8 optimizes a function only after thousands of calls: a
 * warm-up of 200 W1 workflows (~40 ms) left the measured 2,000 running mostly unoptimized code,
 * at 240 µs of CPU per workflow against 160-180 µs once warm.
 */
export const WARMUP_MS = 2000;

/** Runs `batch` until {@link WARMUP_MS} have passed, at least once. */
export async function warmUp(batch: () => Promise<unknown>): Promise<void> {
  const until = performance.now() + WARMUP_MS;
  do await batch();
  while (performance.now() < until);
}
