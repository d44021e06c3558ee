/** A schedule's enabled state as a pill. */
export function EnabledBadge({ enabled }: { readonly enabled: boolean }) {
  return (
    <span
      class={`badge ${enabled ? 'status-ok' : 'status-cancelled'}`}
      data-enabled={String(enabled)}
    >
      {enabled ? 'Enabled' : 'Disabled'}
    </span>
  );
}
