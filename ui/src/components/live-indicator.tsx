/** The "live" dot: green while the event stream is connected. */
export function LiveIndicator({ connected }: { readonly connected: boolean }) {
  return (
    <span
      class="live"
      data-connected={String(connected)}
      title={connected ? 'Updates as events arrive' : 'Reconnecting to the event stream…'}
    >
      {connected ? 'live' : 'offline'}
    </span>
  );
}
