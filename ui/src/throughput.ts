/** The throughput chart's figures: its scale, and what its bars and the whole say in words. */
import type { ThroughputBucket } from './api/types.js';

/** The series stacked in each bar, bottom first, with their class (colour) and name. */
export const SERIES = [
  { key: 'completed', label: 'completed', className: 'bar-completed' },
  { key: 'failed', label: 'failed', className: 'bar-failed' },
  { key: 'cancelled', label: 'cancelled', className: 'bar-cancelled' },
] as const;

/** A round top for the count axis: 1, 2, 5, 10, 20, 50… at or above `max` (at least 1). */
export function niceMax(max: number): number {
  if (max <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

/** `14:05` in the viewer's zone. */
export function clock(iso: string): string {
  return new Date(iso).toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
}

/** Everything that ended in `bucket`. */
export function total(bucket: ThroughputBucket): number {
  return bucket.completed + bucket.failed + bucket.cancelled;
}

/** What the bar of `bucket` says in words (its tooltip). */
export function describeBucket(bucket: ThroughputBucket): string {
  const parts = SERIES.map((s) => `${bucket[s.key]} ${s.label}`);
  return `${clock(bucket.at)}: ${parts.join(', ')}`;
}

/** One sentence for screen readers: the totals and the busiest bucket. */
export function chartSummary(buckets: readonly ThroughputBucket[]): string {
  const sum = (key: (typeof SERIES)[number]['key']) => buckets.reduce((n, b) => n + b[key], 0);
  const busiest = buckets.reduce<ThroughputBucket | null>(
    (best, b) => (best === null || total(b) > total(best) ? b : best),
    null,
  );
  const totals = `${sum('completed')} completed, ${sum('failed')} failed, ${sum('cancelled')} cancelled`;
  if (busiest === null || total(busiest) === 0) return `No executions ended in this window.`;
  return `${totals}; busiest minute ${clock(busiest.at)} with ${total(busiest)}.`;
}
