/**
 * Executions (`#/executions?workflow=&status=&range=&cursor=`): newest first, filtered by
 * workflow, statuses and creation time, paged 50 at a time by keyset cursors. The view is the
 * URL's, so a link reproduces it. Live: on the newest page new executions appear at the top and
 * rows change status in place; on an older page the rows shown still update, and executions
 * created since are counted ("3 new — show") instead of shifting the page under the reader.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { ExecutionSummary, FeedEvent, Page, Workflow } from '../api/types.js';
import { ErrorBox } from '../components/error-box.js';
import { ExecutionFilters } from '../components/execution-filters.js';
import { ExecutionsTable } from '../components/executions-table.js';
import {
  isFiltered,
  listedBefore,
  listQuery,
  parseView,
  viewHash,
  type ExecutionView,
} from '../executions-query.js';
import { navigateHash, useHashQuery } from '../hash-location.js';
import { useApi } from '../hooks/use-api.js';
import { useEvents } from '../hooks/use-events.js';
import { useFirstView } from '../hooks/use-first-view.js';
import { useLiveReload } from '../hooks/use-live-reload.js';
import { useThrottled } from '../hooks/use-throttled.js';
import { newerCursor, rememberOlder } from '../page-history.js';
import { liveStatusPatch, mayAddRow } from '../live-executions.js';

/** At most one reload of the list per second, however many events arrive. */
const RELOAD_MS = 1000;
/** New executions counted on an older page, at most (shown as "100+ new"). */
const NEW_LIMIT = 100;

/** The executions list. */
export function ExecutionsPage() {
  const params = useHashQuery();
  const search = params.toString();
  const view = useMemo(() => parseView(new URLSearchParams(search)), [search]);
  const key = viewHash(view);
  const newest = view.cursor === null;

  const page = useApi(
    (signal) => api<Page<ExecutionSummary>>('v1/executions', { query: listQuery(view), signal }),
    [key],
  );
  const workflows = useApi(
    (signal) => api<Page<Workflow>>('v1/workflows', { query: { limit: 1000 }, signal }),
    [],
  );
  useFirstView(page.data !== undefined || page.error !== undefined);

  const fresh = useFreshRows(key, page.data?.items);
  const newCount = useNewCount(view, !newest);

  const reload = useLiveReload(page, RELOAD_MS);
  const onEvent = (event: FeedEvent) => {
    const id = event.executionId;
    if (id === null) return;
    const shown = page.data?.items.some((row) => row.executionId === id) ?? false;
    if (shown) {
      // The status at once from the event; counts, times and the error with the reload.
      const patch = liveStatusPatch(event);
      if (patch !== null) {
        page.setData((data) =>
          data === undefined
            ? data
            : {
                ...data,
                items: data.items.map((row) => (row.executionId === id ? patch(row) : row)),
              },
        );
      }
      reload();
    } else if (mayAddRow(event)) {
      if (newest) reload();
      else newCount.check();
    }
  };
  const connected = useEvents(view.workflow === null ? {} : { workflow: view.workflow }, onEvent);
  // Executions created while the stream was down sent no event this page heard: count again
  // whenever it (re)connects.
  useEffect(() => {
    if (connected && !newest) newCount.check();
  }, [connected, newest]);

  const go = (next: ExecutionView) => navigateHash(viewHash(next));
  const tableTop = useRef<HTMLDivElement>(null);
  const turn = (cursor: string | null) => {
    go({ ...view, cursor });
    tableTop.current?.scrollIntoView({ block: 'start' });
  };

  const items = page.data?.items;
  return (
    <section class="executions-page">
      <div class="page-head">
        <h1>Executions</h1>
        <span class="live" data-connected={String(connected)}>
          {connected ? 'Live' : 'Connecting…'}
        </span>
      </div>
      <ExecutionFilters
        view={view}
        workflows={workflows.data?.items.map((w) => w.name)}
        onChange={go}
      />
      <div ref={tableTop} />
      {!newest && newCount.count > 0 && (
        <p class="new-rows" role="status">
          <button type="button" class="btn btn-small" onClick={() => turn(null)}>
            {newCount.count >= NEW_LIMIT ? `${NEW_LIMIT}+` : newCount.count} new — show
          </button>
        </p>
      )}
      <ErrorBox error={page.error} />
      {items === undefined && page.error === undefined && <p class="muted">Loading…</p>}
      {items !== undefined && items.length === 0 && (
        <p class="empty muted">
          {isFiltered(view) ? 'No executions match these filters.' : 'No executions yet.'}
          {newest ? '' : ' This page is past the last one.'}
        </p>
      )}
      {items !== undefined && items.length > 0 && (
        <div aria-busy={page.loading ? 'true' : 'false'}>
          <ExecutionsTable items={items} fresh={fresh} />
        </div>
      )}
      <nav class="pager" aria-label="Pages">
        <button
          type="button"
          class="btn"
          disabled={newest}
          onClick={() => turn(newerCursor(view.cursor ?? ''))}
        >
          ← Newer
        </button>
        <button
          type="button"
          class="btn"
          disabled={page.data?.nextCursor == null}
          onClick={() => {
            const next = page.data?.nextCursor;
            if (next == null) return;
            rememberOlder(view.cursor, next);
            turn(next);
          }}
        >
          Older →
        </button>
      </nav>
    </section>
  );
}

/**
 * Ids of rows that appeared since the previous answer for the same view (a live arrival), so
 * they can be highlighted; a new view highlights nothing.
 */
function useFreshRows(
  key: string,
  items: readonly ExecutionSummary[] | undefined,
): ReadonlySet<string> {
  const previous = useRef<{ key: string; ids: Set<string> } | null>(null);
  return useMemo(() => {
    if (items === undefined) return new Set<string>();
    const ids = new Set(items.map((row) => row.executionId));
    const before = previous.current;
    previous.current = { key, ids };
    if (before === null || before.key !== key) return new Set<string>();
    return new Set([...ids].filter((id) => !before.ids.has(id)));
  }, [key, items]);
}

/**
 * On an older page: how many executions matching the view were created since the newest one
 * when the page opened. `check()` counts again (throttled), after an event that may be one.
 */
function useNewCount(view: ExecutionView, enabled: boolean) {
  const [count, setCount] = useState(0);
  // The newest execution when the older page opened: a promise, so that a count asked for
  // before it is known waits for it instead of being dropped (and a failed read is retried).
  const top = useRef<Promise<ExecutionSummary | null> | null>(null);
  const filters = viewHash({ ...view, cursor: null });
  const readTop = () =>
    api<Page<ExecutionSummary>>('v1/executions', {
      query: { ...listQuery({ ...view, cursor: null }), limit: 1 },
    }).then((first) => first.items[0] ?? null);
  useEffect(() => {
    setCount(0);
    top.current = enabled ? readTop() : null;
    top.current?.catch(() => (top.current = null));
  }, [filters, enabled]);
  const check = useThrottled(() => {
    if (!enabled) return;
    top.current ??= readTop();
    const query = listQuery({ ...view, cursor: null });
    void top.current
      .then((known) =>
        api<Page<ExecutionSummary>>('v1/executions', {
          query: {
            ...query,
            since: known === null ? query.since : known.createdAt,
            limit: NEW_LIMIT,
          },
        }).then((since) =>
          setCount(
            known === null
              ? since.items.length
              : since.items.filter((row) => listedBefore(row, known)).length,
          ),
        ),
      )
      .catch(() => undefined);
  }, RELOAD_MS);
  return { count, check };
}
