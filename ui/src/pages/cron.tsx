/**
 * Cron schedules: workflow, expression with its meaning in words, zone, state, catch-up policy,
 * last run and next run (in the schedule's zone and the viewer's), enable / disable for
 * operators. Live: reloads (throttled) on `cron_*` events.
 */
import { api } from '../api/client.js';
import type { CronSchedule, Page } from '../api/types.js';
import { catchupWords } from '../catchup.js';
import { CronExpression } from '../components/cron-expression.js';
import { CronToggle } from '../components/cron-toggle.js';
import { EnabledBadge } from '../components/enabled-badge.js';
import { ErrorBox } from '../components/error-box.js';
import { LiveIndicator } from '../components/live-indicator.js';
import { LoadMore } from '../components/load-more.js';
import { sinceText } from '../ago.js';
import { formatTime } from '../format.js';
import { useEvents } from '../hooks/use-events.js';
import { useNow } from '../hooks/use-now.js';
import { usePagedList } from '../hooks/use-paged-list.js';
import { useThrottled } from '../hooks/use-throttled.js';
import { cronScheduleOfEvent } from '../schedule-events.js';
import { formatInZone, viewerZone } from '../zoned-time.js';

/** The Cron page. */
export function CronPage() {
  const list = usePagedList<CronSchedule>(
    (cursor, limit, signal) =>
      api<Page<CronSchedule>>('v1/cron', { query: { cursor, limit }, signal }),
    [],
    100,
  );
  const reload = useThrottled(() => list.reload(), 1000);
  const connected = useEvents({}, (event) => {
    if (cronScheduleOfEvent(event) !== null) reload();
  });
  useNow(15_000);
  const here = viewerZone();

  return (
    <section class="catalog-page">
      <div class="page-head">
        <h1>Cron</h1>
        <LiveIndicator connected={connected} />
      </div>
      <ErrorBox error={list.error} />
      {list.items !== undefined && list.items.length === 0 && (
        <p class="muted">
          No cron schedules: create one with <code>cloacinactl cron add</code>,{' '}
          <code>POST /v1/cron</code> or <code>runner.registerCronWorkflow()</code>.
        </p>
      )}
      {list.items !== undefined && list.items.length > 0 && (
        <div class="table-wrap">
          <table class="cron-table stack-on-phone">
            <thead>
              <tr>
                <th>Schedule</th>
                <th>Workflow</th>
                <th>Zone</th>
                <th>State</th>
                <th>Catch-up</th>
                <th>Last run</th>
                <th>Next run</th>
                <th>
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((schedule) => (
                <tr key={schedule.id} data-schedule={schedule.id}>
                  <td>
                    <a
                      href={`#/cron/${schedule.id}`}
                      class="block-link"
                      aria-label={`Schedule ${schedule.expression} of ${schedule.workflowName}`}
                    >
                      <CronExpression expression={schedule.expression} />
                    </a>
                  </td>
                  <td data-label="Workflow">
                    <a href={`#/workflows/${encodeURIComponent(schedule.workflowName)}`}>
                      {schedule.workflowName}
                    </a>
                  </td>
                  <td class="nowrap" data-label="Zone">
                    {schedule.timezone}
                  </td>
                  <td data-label="State">
                    <EnabledBadge enabled={schedule.enabled} />
                  </td>
                  <td data-label="Catch-up">{catchupWords(schedule.catchupPolicy)}</td>
                  <td class="nowrap" data-label="Last run">
                    {schedule.lastRunAt === null ? (
                      <span class="muted">never</span>
                    ) : (
                      <span title={formatTime(schedule.lastRunAt)}>
                        {sinceText(schedule.lastRunAt)}
                      </span>
                    )}
                  </td>
                  <td class="nowrap" data-label="Next run">
                    {schedule.enabled && schedule.nextRunAt !== null ? (
                      <>
                        <div>{formatInZone(schedule.nextRunAt, schedule.timezone)}</div>
                        {here !== schedule.timezone && (
                          <div class="muted">{formatInZone(schedule.nextRunAt, here)} (yours)</div>
                        )}
                      </>
                    ) : (
                      <span class="muted">{schedule.enabled ? 'none' : '—'}</span>
                    )}
                  </td>
                  <td class="nowrap">
                    <CronToggle schedule={schedule} onChanged={reload} />
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
