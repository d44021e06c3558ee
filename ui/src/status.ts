/**
 * How each status looks, in one place, so the DAG, the lists, the timeline and the badges agree.
 * Every status the engine has (and may add: `Scheduled` for delayed starts, `Queued` for flow
 * control) has an entry; an unknown one still renders, in the neutral style.
 */

/** A status's look: a CSS class (colours live in styles.css, for light and dark) and a label. */
export interface StatusLook {
  /** `status-<tone>`: the class that colours badges, DAG nodes and timeline bars. */
  readonly className: string;
  /** The word shown to people. */
  readonly label: string;
  /** True while the thing can still change (spinners, live updates). */
  readonly active: boolean;
}

type Tone =
  'waiting' | 'running' | 'paused' | 'ok' | 'failed' | 'skipped' | 'cancelled' | 'unknown';

const TONES: Record<string, { tone: Tone; label?: string; active: boolean }> = {
  // Executions.
  Scheduled: { tone: 'waiting', active: true },
  Queued: { tone: 'waiting', active: true },
  Pending: { tone: 'waiting', active: true },
  Running: { tone: 'running', active: true },
  Paused: { tone: 'paused', active: true },
  Completed: { tone: 'ok', active: false },
  Failed: { tone: 'failed', active: false },
  Cancelled: { tone: 'cancelled', active: false },
  // Tasks.
  NotStarted: { tone: 'waiting', label: 'Not started', active: true },
  Ready: { tone: 'waiting', active: true },
  Deferred: { tone: 'paused', active: true },
  Skipped: { tone: 'skipped', active: false },
};

/** The look of `status` (any string: unknown statuses get the neutral look and their own name). */
export function statusLook(status: string): StatusLook {
  const entry = TONES[status];
  if (entry === undefined) return { className: 'status-unknown', label: status, active: false };
  return { className: `status-${entry.tone}`, label: entry.label ?? status, active: entry.active };
}

/** Every execution status, in the order filters list them. */
export const EXECUTION_STATUSES = [
  'Scheduled',
  'Queued',
  'Pending',
  'Running',
  'Paused',
  'Completed',
  'Failed',
  'Cancelled',
] as const;

/** True when an execution in `status` has ended. */
export function isTerminal(status: string): boolean {
  return status === 'Completed' || status === 'Failed' || status === 'Cancelled';
}
