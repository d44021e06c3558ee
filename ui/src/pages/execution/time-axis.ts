/** The timeline's time axis: round tick steps for any span, and clock labels for them. */

const STEPS_MS = [
  10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000,
  600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000,
] as const;

/** Ticks of an axis from `from` to `to` (epoch ms): at most about `maxTicks`, on round times. */
export function axisTicks(
  from: number,
  to: number,
  maxTicks = 8,
): { step: number; ticks: number[] } {
  const span = Math.max(1, to - from);
  const step =
    STEPS_MS.find((s) => span / s <= maxTicks) ??
    Math.ceil(span / maxTicks / 86_400_000) * 86_400_000;
  const ticks: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) ticks.push(t);
  return { step, ticks };
}

/**
 * `14:03:07` in the viewer's zone; ticks between whole seconds (a step under a second) get their
 * fraction without trailing zeros: `14:03:07.5`, `14:03:07.25`.
 */
export function clockLabel(ms: number, step: number, timeZone?: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(ms));
  const fraction = ((ms % 1000) + 1000) % 1000;
  if (step >= 1000 || fraction === 0) return parts;
  return `${parts}.${String(fraction).padStart(3, '0').replace(/0+$/, '')}`;
}

/** `14:03:07.250`: a log line's time, always to the millisecond, so lines align. */
export function preciseClock(ms: number, timeZone?: string): string {
  const fraction = ((ms % 1000) + 1000) % 1000;
  return `${clockLabel(ms, 1000, timeZone)}.${String(fraction).padStart(3, '0')}`;
}
