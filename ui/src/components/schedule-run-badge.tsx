import { scheduleRunLook } from '../schedule-status.js';

/** A trigger or cron history row's status as a pill, in the shared status colours. */
export function ScheduleRunBadge({ status }: { status: string }) {
  const look = scheduleRunLook(status);
  return (
    <span class={`badge ${look.className}`} data-status={status}>
      {look.label}
    </span>
  );
}
