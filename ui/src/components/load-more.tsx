/** The "Load more" button under a keyset-paged table: shown while there is a next page. */
export function LoadMore(props: {
  readonly nextCursor: string | null;
  readonly loading: boolean;
  readonly onClick: () => void;
}) {
  if (props.nextCursor === null) return null;
  return (
    <div class="load-more">
      <button type="button" class="btn" disabled={props.loading} onClick={props.onClick}>
        {props.loading ? 'Loading…' : 'Load more'}
      </button>
    </div>
  );
}
