/**
 * One trigger: its schedule (state, poll interval, de-duplication, last poll and outcome, skips,
 * error streak), enable / disable and Fire now, the strip of recent outcomes, and its history —
 * fires, suppressed duplicates (context hash, how many, which open execution suppressed them)
 * and poll errors — paged. Live on the trigger's events and on the end of executions it lists.
 */
import type { TriggerExecution, TriggerSchedule } from '../api/types.js';
import { EnabledBadge } from '../components/enabled-badge.js';
import { ErrorBox } from '../components/error-box.js';
import { ExecutionLink } from '../components/execution-link.js';
import { LastOutcome } from '../components/last-outcome.js';
import { LiveIndicator } from '../components/live-indicator.js';
import { LoadMore } from '../components/load-more.js';
import { OutcomeLegend, OutcomeStrip } from '../components/outcome-strip.js';
import { ScheduleRunBadge } from '../components/schedule-run-badge.js';
import { TriggerControls } from '../components/trigger-controls.js';
import { sinceText } from '../ago.js';
import { formatDuration, formatTime } from '../format.js';
import { useInterval } from '../hooks/use-api.js';
import { useNow } from '../hooks/use-now.js';
import { useScheduleDetail } from '../hooks/use-schedule-detail.js';
import { triggerOfEvent } from '../schedule-events.js';
import { historyLines, type HistoryLine } from '../trigger-outcomes.js';

/** The trigger detail page. */
export function TriggerDetailPage({ name }: { name: string }) {
  const { schedule, history, connected, reload } = useScheduleDetail<
    TriggerSchedule,
    TriggerExecution
  >(`v1/triggers/${encodeURIComponent(name)}`, (event) => triggerOfEvent(event) === name);
  useInterval(() => schedule.reload(), 15_000);
  useNow();
  const s = schedule.data;

  if (schedule.error?.status === 404 || schedule.error?.status === 400) {
    // No such trigger: its history would only repeat the same error.
    return (
      <section class="catalog-page">
        <p class="crumbs">
          <a href="#/triggers">Triggers</a> /
        </p>
        <h1>{name}</h1>
        <ErrorBox error={schedule.error} />
      </section>
    );
  }
  return (
    <section class="catalog-page">
      <p class="crumbs">
        <a href="#/triggers">Triggers</a> /
      </p>
      <div class="page-head">
        <h1>{name}</h1>
        {s !== undefined && <EnabledBadge enabled={s.enabled} />}
        <LiveIndicator connected={connected} />
      </div>
      <ErrorBox error={schedule.error} />
      {s !== undefined && (
        <>
          <div class="row head-actions">
            <TriggerControls schedule={s} onChanged={reload} />
          </div>
          <dl class="summary-facts card">
            <div>
              <dt>Workflow</dt>
              <dd>
                <a href={`#/workflows/${encodeURIComponent(s.workflowName)}`}>{s.workflowName}</a>
              </dd>
            </div>
            <div>
              <dt>Polled every</dt>
              <dd>{formatDuration(s.pollIntervalMs)}</dd>
            </div>
            <div>
              <dt>Duplicates</dt>
              <dd>
                {s.allowConcurrent
                  ? 'allowed: every fire starts a run'
                  : 'suppressed while a run with the same context is open'}
              </dd>
            </div>
            <div class="wide">
              <dt>Last poll</dt>
              <dd>
                <LastOutcome schedule={s} newest={history.items?.[0]} />
              </dd>
            </div>
            <div>
              <dt>Skips</dt>
              <dd>
                {s.skips}
                {s.lastSkipReason !== null && (
                  <span class="muted"> · last: {s.lastSkipReason}</span>
                )}
              </dd>
            </div>
            <div class="wide">
              <dt>Errors</dt>
              <dd>
                {s.consecutiveErrors > 0 ? (
                  <span class="outcome-error">{s.consecutiveErrors} in a row</span>
                ) : (
                  'none now'
                )}
                {s.lastError !== null && (
                  <span class="muted">
                    {' '}
                    · last <span title={formatTime(s.lastErrorAt)}>{sinceText(s.lastErrorAt)}</span>
                    : <span class="error-text">{s.lastError}</span>
                  </span>
                )}
              </dd>
            </div>
          </dl>
          <h2>Recent outcomes</h2>
          <p class="strip-line">
            <OutcomeStrip schedule={s} history={history.items} max={40} />
          </p>
          <p class="legend-line">
            <OutcomeLegend />
          </p>
        </>
      )}
      <h2>History</h2>
      <ErrorBox error={history.error} />
      {history.items !== undefined && history.items.length === 0 && (
        <p class="muted">No fires, suppressed duplicates or poll errors yet.</p>
      )}
      {history.items !== undefined && history.items.length > 0 && (
        <div class="table-wrap">
          <table class="history-table">
            <thead>
              <tr>
                <th>Time</th>
                <th>Status</th>
                <th>Context hash</th>
                <th>Suppressed</th>
                <th>Execution</th>
                <th>Error</th>
              </tr>
            </thead>
            <tbody>
              {historyLines(history.items).map((line) => (
                <HistoryRow key={line.row.id} line={line} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <LoadMore
        nextCursor={history.nextCursor}
        loading={history.loadingMore}
        onClick={history.loadMore}
      />
    </section>
  );
}

function HistoryRow({ line }: { readonly line: HistoryLine }) {
  const { row } = line;
  const suppressed = row.status === 'deduplicated';
  // A suppressed row spans its first to its latest suppressed fire; a run of errors, its span.
  const from = line.repeats > 1 ? line.oldestAt : row.startedAt;
  const to = line.repeats > 1 ? row.startedAt : suppressed ? row.completedAt : null;
  return (
    <tr data-status={row.status}>
      <td class="nowrap">
        <span title={from}>{formatTime(from)}</span>
        {to !== null && to !== from && (
          <div class="muted" title={to}>
            to {formatTime(to)}
          </div>
        )}
      </td>
      <td class="nowrap">
        <ScheduleRunBadge status={row.status} />
        {line.repeats > 1 && (
          <span class="repeats" title={`${line.repeats} polls in a row failed with this error`}>
            {' '}
            ×{line.repeats}
          </span>
        )}
      </td>
      <td>
        <ContextHash hash={row.contextHash} />
      </td>
      <td class="num">{suppressed ? row.count : ''}</td>
      <td class="nowrap">
        {row.workflowExecutionId !== null && <ExecutionLink id={row.workflowExecutionId} />}
        {suppressed &&
          (row.openExecutionId !== null ? (
            <span>
              duplicate of <ExecutionLink id={row.openExecutionId} />
            </span>
          ) : (
            <span class="muted">the open run is not recorded</span>
          ))}
      </td>
      <td class="error-text">{row.errorMessage ?? ''}</td>
    </tr>
  );
}

/** A context hash, shortened; the fire without context has a word for a hash. */
function ContextHash({ hash }: { readonly hash: string | null }) {
  if (hash === null) return null;
  if (hash === 'fire_no_context') {
    return (
      <span class="muted" title={hash}>
        no context
      </span>
    );
  }
  return (
    <code class="hash" title={hash}>
      {hash.slice(0, 12)}
    </code>
  );
}
