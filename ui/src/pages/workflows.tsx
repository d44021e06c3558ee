/**
 * Workflows: the latest stored definition of each, by name — version, description, task count,
 * the triggers that also start it, and when a runner registered it. Definitions change only
 * when a runner starts with new code, which writes no event, so the list re-reads every 30 s.
 */
import { api } from '../api/client.js';
import type { Page, Workflow } from '../api/types.js';
import { ErrorBox } from '../components/error-box.js';
import { LoadMore } from '../components/load-more.js';
import { sinceText } from '../ago.js';
import { formatTime } from '../format.js';
import { useInterval } from '../hooks/use-api.js';
import { useNow } from '../hooks/use-now.js';
import { usePagedList } from '../hooks/use-paged-list.js';

/** The Workflows page. */
export function WorkflowsPage() {
  const list = usePagedList<Workflow>(
    (cursor, limit, signal) =>
      api<Page<Workflow>>('v1/workflows', { query: { cursor, limit }, signal }),
    [],
    100,
  );
  useInterval(() => list.reload(), 30_000);
  useNow(30_000);
  return (
    <section class="catalog-page">
      <div class="page-head">
        <h1>Workflows</h1>
      </div>
      <ErrorBox error={list.error} />
      {list.items !== undefined && list.items.length === 0 && (
        <p class="muted">
          No workflows yet: a runner stores a workflow's definition when it starts with its code (
          <code>runner.register(workflow(…))</code>).
        </p>
      )}
      {list.items !== undefined && list.items.length > 0 && (
        <div class="table-wrap">
          <table class="workflows-table">
            <thead>
              <tr>
                <th>Workflow</th>
                <th>Version</th>
                <th>Description</th>
                <th class="num">Tasks</th>
                <th>Triggers</th>
                <th>Registered</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((w) => (
                <tr key={w.name} data-workflow={w.name}>
                  <td>
                    <a href={`#/workflows/${encodeURIComponent(w.name)}`}>
                      <strong>{w.name}</strong>
                    </a>
                    {w.inputSchema !== null && (
                      <span
                        class="badge status-unknown tag"
                        title="Declares an input schema: its start form has fields"
                      >
                        input schema
                      </span>
                    )}
                  </td>
                  <td>
                    <code title="Content hash of the definition">{w.version}</code>
                  </td>
                  <td class="description">{w.description || <span class="muted">—</span>}</td>
                  <td class="num">{w.tasks.length}</td>
                  <td>
                    {w.triggers.length === 0 ? (
                      <span class="muted">—</span>
                    ) : (
                      w.triggers.map((t, i) => (
                        <span key={t}>
                          {i > 0 && ', '}
                          <a href={`#/triggers/${encodeURIComponent(t)}`}>{t}</a>
                        </span>
                      ))
                    )}
                  </td>
                  <td
                    class="nowrap"
                    title={`${formatTime(w.registeredAt)}${w.registeredBy === null ? '' : ` by runner ${w.registeredBy}`}`}
                  >
                    {sinceText(w.registeredAt)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <LoadMore nextCursor={list.nextCursor} loading={list.loadingMore} onClick={list.loadMore} />
      {list.items === undefined && list.loading && <p class="muted">Loading…</p>}
    </section>
  );
}
