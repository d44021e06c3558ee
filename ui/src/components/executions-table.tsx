import type { ExecutionSummary } from '../api/types.js';
import { navigateHash } from '../hash-location.js';
import { useNow } from '../hooks/use-now.js';
import { formatAgo, formatDuration, formatTime, shortId } from '../format.js';
import { statusLook } from '../status.js';
import { StatusBadge } from './status-badge.js';

/** How long an execution has run: to its end, or (still running) to `now`. */
function durationOf(execution: ExecutionSummary, now: number): number | null {
  if (execution.startedAt === null) return null;
  const end = execution.completedAt === null ? now : new Date(execution.completedAt).getTime();
  return Math.max(0, end - new Date(execution.startedAt).getTime());
}

/**
 * A click anywhere on a row opens the execution, as its id link does for the keyboard; a click on
 * another link in the row, or one that ends a text selection, is left alone.
 */
function openRow(event: MouseEvent, id: string): void {
  const target = event.target as Element | null;
  if (target?.closest('a, button, input, select') !== null) return;
  if ((window.getSelection()?.toString() ?? '') !== '') return;
  navigateHash(`/executions/${id}`);
}

/** Props of {@link ExecutionsTable}. */
export interface ExecutionsTableProps {
  readonly items: readonly ExecutionSummary[];
  /** Ids of rows that just arrived or changed (briefly highlighted). */
  readonly fresh?: ReadonlySet<string>;
}

/**
 * Executions as a table, newest first: id, workflow, status, times, duration (counting up while
 * running), task counts and the error, cut short with the whole text in its title.
 */
export function ExecutionsTable({ items, fresh }: ExecutionsTableProps) {
  const running = items.some((e) => e.startedAt !== null && e.completedAt === null);
  // Running rows count up every second; otherwise only the ages in titles move.
  const now = useNow(running ? 1000 : 60_000);
  return (
    <div class="table-wrap">
      <table class="executions-table">
        <thead>
          <tr>
            <th scope="col">Execution</th>
            <th scope="col">Workflow</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
            <th scope="col">Tasks</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {items.map((e) => {
            const active = statusLook(e.status).active;
            return (
              <tr
                key={e.executionId}
                class={`row-link${fresh?.has(e.executionId) === true ? ' fresh' : ''}`}
                data-execution-id={e.executionId}
                onClick={(event) => openRow(event, e.executionId)}
              >
                <td class="mono nowrap">
                  <a href={`#/executions/${e.executionId}`} title={e.executionId}>
                    {shortId(e.executionId)}
                  </a>
                  <RerunLinks execution={e} />
                </td>
                <td>
                  <a href={`#/workflows/${encodeURIComponent(e.workflowName)}`}>{e.workflowName}</a>
                </td>
                <td>
                  <StatusBadge status={e.status} />
                </td>
                <td class="nowrap" title={`${formatAgo(e.createdAt, now)} (${e.createdAt})`}>
                  {formatTime(e.createdAt)}
                </td>
                <td class="nowrap">{formatTime(e.startedAt)}</td>
                <td class="nowrap num">
                  {formatDuration(durationOf(e, now))}
                  {active && e.startedAt !== null && <span class="visually-hidden"> so far</span>}
                </td>
                <td class="nowrap">
                  <TaskCounts open={e.openTasks} failed={e.failedTasks} />
                </td>
                <td class="error-cell">
                  {e.error !== null && (
                    <span class="error-text" title={e.error}>
                      {e.error}
                    </span>
                  )}
                  {e.error === null && e.pauseReason !== null && (
                    <span class="muted" title={e.pauseReason}>
                      Paused: {e.pauseReason}
                    </span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** "rerun of …" / "rerun as …" under the id, when the execution has either. */
function RerunLinks({ execution }: { execution: ExecutionSummary }) {
  const { rerunOf, rerunBy } = execution;
  return (
    <>
      {rerunOf !== null && (
        <span class="rerun-link">
          rerun of <a href={`#/executions/${rerunOf}`}>{shortId(rerunOf)}</a>
        </span>
      )}
      {rerunBy !== null && (
        <span class="rerun-link">
          rerun as <a href={`#/executions/${rerunBy}`}>{shortId(rerunBy)}</a>
        </span>
      )}
    </>
  );
}

function TaskCounts({ open, failed }: { open: number; failed: number }) {
  if (open === 0 && failed === 0) return <span class="muted">—</span>;
  return (
    <span>
      {open > 0 && <span>{open} open</span>}
      {open > 0 && failed > 0 && ' · '}
      {failed > 0 && <span class="failed-count">{failed} failed</span>}
    </span>
  );
}
