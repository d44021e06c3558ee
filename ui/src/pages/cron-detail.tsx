/**
 * One cron schedule: its expression in words, zone, state, catch-up policy and dates, the next
 * five fire times in the schedule's zone and in the viewer's, enable / disable, and its history
 * (fires with their executions, missed ticks with their count and reason) paged. Live on the
 * schedule's `cron_*` events and on the end of the executions its history lists.
 */
import type { CronDetail, CronExecution } from '../api/types.js';
import { catchupWords } from '../catchup.js';
import { CronExpression } from '../components/cron-expression.js';
import { CronToggle } from '../components/cron-toggle.js';
import { EnabledBadge } from '../components/enabled-badge.js';
import { ErrorBox } from '../components/error-box.js';
import { ExecutionLink } from '../components/execution-link.js';
import { JsonViewer } from '../components/json-viewer.js';
import { LiveIndicator } from '../components/live-indicator.js';
import { LoadMore } from '../components/load-more.js';
import { ScheduleRunBadge } from '../components/schedule-run-badge.js';
import { relativeText, sinceText } from '../ago.js';
import { formatTime } from '../format.js';
import { useNow } from '../hooks/use-now.js';
import { useScheduleDetail } from '../hooks/use-schedule-detail.js';
import { cronScheduleOfEvent } from '../schedule-events.js';
import { formatInZone, viewerZone } from '../zoned-time.js';

/** How many upcoming fire times are shown. */
const NEXT = 5;

/** The cron schedule detail page. */
export function CronDetailPage({ id }: { id: string }) {
  const { schedule, history, connected, reload } = useScheduleDetail<CronDetail, CronExecution>(
    `v1/cron/${encodeURIComponent(id)}`,
    (event) => cronScheduleOfEvent(event) === id,
    { next: NEXT },
  );
  useNow(15_000);
  const s = schedule.data;
  const here = viewerZone();

  if (schedule.error?.status === 404 || schedule.error?.status === 400) {
    // No such schedule (deleted?): its history would only repeat the same error.
    return (
      <section class="catalog-page">
        <p class="crumbs">
          <a href="#/cron">Cron</a> /
        </p>
        <h1>Cron schedule</h1>
        <ErrorBox error={schedule.error} />
      </section>
    );
  }
  return (
    <section class="catalog-page">
      <p class="crumbs">
        <a href="#/cron">Cron</a> /
      </p>
      <div class="page-head">
        <h1>{s === undefined ? 'Cron schedule' : `${s.workflowName} · ${s.expression}`}</h1>
        {s !== undefined && <EnabledBadge enabled={s.enabled} />}
        <LiveIndicator connected={connected} />
      </div>
      <ErrorBox error={schedule.error} />
      {s !== undefined && (
        <>
          <div class="row head-actions">
            <CronToggle schedule={s} onChanged={reload} />
          </div>
          <dl class="summary-facts card">
            <div class="wide">
              <dt>Expression</dt>
              <dd>
                <CronExpression expression={s.expression} />
              </dd>
            </div>
            <div>
              <dt>Workflow</dt>
              <dd>
                <a href={`#/workflows/${encodeURIComponent(s.workflowName)}`}>{s.workflowName}</a>
              </dd>
            </div>
            <div>
              <dt>Time zone</dt>
              <dd>{s.timezone}</dd>
            </div>
            <div>
              <dt>Catch-up</dt>
              <dd>{catchupWords(s.catchupPolicy)}</dd>
            </div>
            <div>
              <dt>Last run</dt>
              <dd>
                {s.lastRunAt === null ? (
                  <span class="muted">never</span>
                ) : (
                  <span title={formatTime(s.lastRunAt)}>
                    {formatInZone(s.lastRunAt, s.timezone)} · {sinceText(s.lastRunAt)}
                  </span>
                )}
              </dd>
            </div>
            {(s.startDate !== null || s.endDate !== null) && (
              <div>
                <dt>Active</dt>
                <dd>
                  {s.startDate !== null && `from ${formatInZone(s.startDate, s.timezone)} `}
                  {s.endDate !== null && `until ${formatInZone(s.endDate, s.timezone)}`}
                </dd>
              </div>
            )}
            <div>
              <dt>Schedule id</dt>
              <dd>
                <code class="break">{s.id}</code>
              </dd>
            </div>
          </dl>
          <h2>Next {NEXT} fire times</h2>
          {s.nextRuns.length === 0 ? (
            <p class="muted">
              {s.enabled
                ? 'The schedule fires no more (past its end date).'
                : 'Disabled: nothing is scheduled.'}
            </p>
          ) : (
            <div class="table-wrap">
              <table class="next-runs">
                <thead>
                  <tr>
                    <th>In the schedule's zone ({s.timezone})</th>
                    <th>In your zone ({here})</th>
                    <th>When</th>
                  </tr>
                </thead>
                <tbody>
                  {s.nextRuns.map((iso) => (
                    <tr key={iso}>
                      <td class="nowrap" data-zone="schedule" data-label={s.timezone}>
                        {formatInZone(iso, s.timezone)}
                      </td>
                      <td class="nowrap" data-zone="viewer" data-label={`${here} (yours)`}>
                        {formatInZone(iso, here)}
                      </td>
                      <td class="nowrap muted" data-label="When">
                        {relativeText(iso)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {Object.keys(s.context).length > 0 && (
            <>
              <h2>Context given to every run</h2>
              <JsonViewer value={s.context} label="Schedule context" />
            </>
          )}
        </>
      )}
      <h2>History</h2>
      <ErrorBox error={history.error} />
      {history.items !== undefined && history.items.length === 0 && (
        <p class="muted">No fires or missed times yet.</p>
      )}
      {history.items !== undefined && history.items.length > 0 && (
        <div class="table-wrap">
          <table class="history-table">
            <thead>
              <tr>
                <th>Scheduled time</th>
                <th>Status</th>
                <th>Missed</th>
                <th>Execution</th>
                <th>Recorded</th>
              </tr>
            </thead>
            <tbody>
              {history.items.map((row) => (
                <tr key={row.id} data-status={row.status}>
                  <td class="nowrap" title={row.scheduledTime}>
                    {s === undefined
                      ? formatTime(row.scheduledTime)
                      : formatInZone(row.scheduledTime, s.timezone)}
                  </td>
                  <td>
                    <ScheduleRunBadge status={row.status} />
                  </td>
                  <td>
                    {row.missedCount !== null && row.missedCount > 0 && (
                      <strong>{row.missedCount} missed </strong>
                    )}
                    {row.message !== null && <span class="muted">{row.message}</span>}
                  </td>
                  <td class="nowrap">
                    {row.workflowExecutionId !== null && (
                      <ExecutionLink id={row.workflowExecutionId} />
                    )}
                  </td>
                  <td class="nowrap muted" title={row.startedAt}>
                    {s === undefined
                      ? formatTime(row.startedAt)
                      : formatInZone(row.startedAt, s.timezone)}
                  </td>
                </tr>
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
