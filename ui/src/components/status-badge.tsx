import { statusLook } from '../status.js';

/** A status as a coloured pill: the same colours as the DAG and the timeline. */
export function StatusBadge({ status }: { status: string }) {
  const look = statusLook(status);
  return (
    <span class={`badge ${look.className}`} data-status={status}>
      {look.label}
    </span>
  );
}
