/**
 * How the rows of trigger and cron histories look. Their statuses are the schedule's own
 * (`open` while the started workflow runs, then `completed` / `failed` / `cancelled`;
 * `deduplicated` for suppressed duplicate fires, `error` for failed polls; `missed` for times a
 * cron catch-up skipped, `lost` for a hand-off recovery gave up on), mapped here onto the status
 * tones every other page uses, with words for people.
 */
import { statusLook, type StatusLook } from './status.js';

const LOOKS: Record<string, { like: string; label: string }> = {
  open: { like: 'Running', label: 'Fired · running' },
  completed: { like: 'Completed', label: 'Fired · completed' },
  failed: { like: 'Failed', label: 'Fired · failed' },
  cancelled: { like: 'Cancelled', label: 'Fired · cancelled' },
  deduplicated: { like: 'Skipped', label: 'Suppressed duplicate' },
  error: { like: 'Failed', label: 'Poll error' },
  missed: { like: 'Skipped', label: 'Missed' },
  lost: { like: 'Failed', label: 'Lost' },
};

/** The look of a history row's status (an unknown one keeps its own name, neutral). */
export function scheduleRunLook(status: string): StatusLook {
  const entry = LOOKS[status];
  if (entry === undefined) return statusLook(status);
  return { ...statusLook(entry.like), label: entry.label };
}
