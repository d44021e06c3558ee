/**
 * A keyset-paged list (`{ items, nextCursor }`) shown with "Load more": the first page on mount
 * and whenever `deps` change, further pages on demand, and a reload (after a live event) that
 * refreshes every row shown so far in one request, so new rows appear on top without losing the
 * pages a person has opened.
 */
import { useCallback, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/client.js';
import type { Page } from '../api/types.js';
import { useApi } from './use-api.js';

/** Loads one page: after `cursor` (null for the first), at most `limit` rows. */
export type PageLoader<T> = (
  cursor: string | null,
  limit: number,
  signal: AbortSignal,
) => Promise<Page<T>>;

/** What {@link usePagedList} returns. */
export interface PagedList<T> {
  readonly items: readonly T[] | undefined;
  /** Null on the last page. */
  readonly nextCursor: string | null;
  readonly error: ApiError | undefined;
  readonly loading: boolean;
  readonly loadingMore: boolean;
  readonly loadMore: () => void;
  readonly reload: () => void;
}

/** The API's largest page. */
const MAX_LIMIT = 1000;

/** A paged list of `pageSize` rows a page. */
export function usePagedList<T>(
  load: PageLoader<T>,
  deps: readonly unknown[],
  pageSize = 50,
): PagedList<T> {
  const shown = useRef(0);
  const first = useApi<Page<T>>(
    (signal) => load(null, Math.min(MAX_LIMIT, Math.max(pageSize, shown.current)), signal),
    deps,
  );
  const [more, setMore] = useState<{ items: T[]; nextCursor: string | null; base: Page<T> } | null>(
    null,
  );
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<ApiError | undefined>(undefined);

  // Rows fetched by "Load more" belong to the first page they followed; a reload covers them.
  const extra = more !== null && more.base === first.data ? more : null;
  const items =
    first.data === undefined ? undefined : [...first.data.items, ...(extra?.items ?? [])];
  const nextCursor = extra !== null ? extra.nextCursor : (first.data?.nextCursor ?? null);
  shown.current = items?.length ?? 0;

  const loadMore = useCallback(() => {
    if (nextCursor === null || first.data === undefined) return;
    const base = first.data;
    setLoadingMore(true);
    setMoreError(undefined);
    load(nextCursor, pageSize, new AbortController().signal).then(
      (page) => {
        setMore((previous) => ({
          base,
          items: [...(previous?.base === base ? previous.items : []), ...page.items],
          nextCursor: page.nextCursor,
        }));
        setLoadingMore(false);
      },
      (error: unknown) => {
        setMoreError(error instanceof ApiError ? error : new ApiError(0, 'CLIENT', String(error)));
        setLoadingMore(false);
      },
    );
  }, [nextCursor, first.data, pageSize]);

  return {
    items,
    nextCursor,
    error: first.error ?? moreError,
    loading: first.loading,
    loadingMore,
    loadMore,
    reload: first.reload,
  };
}
