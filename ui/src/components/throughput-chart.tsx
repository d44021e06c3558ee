import type { ThroughputBucket } from '../api/types.js';
import { chartSummary, clock, describeBucket, niceMax, SERIES, total } from '../throughput.js';

/** Props of {@link ThroughputChart}. */
export interface ThroughputChartProps {
  /** Buckets oldest first. */
  readonly buckets: readonly ThroughputBucket[];
  /** The caption, e.g. "Last hour, per minute". */
  readonly caption: string;
}

/**
 * Ended executions per bucket as stacked bars (completed, failed, cancelled). The bars are SVG
 * stretched to the width; the axis labels are HTML, so they stay legible at any width. Each bar
 * has its numbers as a tooltip (`<title>`), and the figure a summary in words.
 */
export function ThroughputChart({ buckets, caption }: ThroughputChartProps) {
  const max = niceMax(Math.max(0, ...buckets.map(total)));
  const n = Math.max(1, buckets.length);
  const H = 100;
  const summaryId = 'throughput-summary';
  const ticks = [0, Math.floor((n - 1) / 2), n - 1];
  return (
    <figure class="throughput">
      <figcaption>{caption}</figcaption>
      <div class="chart-body">
        <div class="chart-y" aria-hidden="true">
          <span>{max}</span>
          <span>{max / 2 === Math.floor(max / 2) ? max / 2 : ''}</span>
          <span>0</span>
        </div>
        <svg
          class="chart-bars"
          viewBox={`0 0 ${n} ${H}`}
          preserveAspectRatio="none"
          role="img"
          aria-labelledby={summaryId}
        >
          <line class="chart-grid" x1="0" x2={n} y1={H / 2} y2={H / 2} />
          {buckets.map((bucket, i) => {
            let y = H;
            return (
              <g key={bucket.at} class="chart-bar">
                <title>{describeBucket(bucket)}</title>
                <rect class="bar-hit" x={i} y={0} width={1} height={H} />
                {SERIES.map((s) => {
                  const h = (bucket[s.key] / max) * H;
                  if (h === 0) return null;
                  y -= h;
                  return (
                    <rect
                      key={s.key}
                      class={s.className}
                      x={i + 0.1}
                      y={y}
                      width={0.8}
                      height={h}
                    />
                  );
                })}
              </g>
            );
          })}
        </svg>
      </div>
      <div class="chart-x" aria-hidden="true">
        {buckets.length > 0 && ticks.map((i, k) => <span key={k}>{clock(buckets[i]!.at)}</span>)}
      </div>
      <div class="chart-legend" aria-hidden="true">
        {SERIES.map((s) => (
          <span key={s.key}>
            <svg viewBox="0 0 10 10" width="10" height="10">
              <rect class={s.className} width="10" height="10" rx="2" />
            </svg>{' '}
            {s.label}
          </span>
        ))}
      </div>
      <p id={summaryId} class="chart-summary muted">
        {caption}: {chartSummary(buckets)}
      </p>
    </figure>
  );
}
