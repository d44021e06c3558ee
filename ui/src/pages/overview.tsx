/**
 * Overview (`#/`): what runs now, what ended in the last hour (totals and per minute), the latest
 * failures with their errors, and the live runners. Live: execution events reload the figures (at
 * most once a second); everything is read again every 10 s, so runners and ages stay current.
 */
import { api } from '../api/client.js';
import type { ExecutionSummary, Page, Runner, Stats } from '../api/types.js';
import { ErrorBox } from '../components/error-box.js';
import { FailureList } from '../components/failure-list.js';
import { RunnersTable } from '../components/runners-table.js';
import { ThroughputChart } from '../components/throughput-chart.js';
import { withQuery } from '../hash-location.js';
import { useApi, useInterval } from '../hooks/use-api.js';
import { useEvents } from '../hooks/use-events.js';
import { useFirstView } from '../hooks/use-first-view.js';
import { useNow } from '../hooks/use-now.js';
import { useLiveReload } from '../hooks/use-live-reload.js';
import { EXECUTION_STATUSES, statusLook } from '../status.js';

/** How often everything is read again, events or not. */
const REFRESH_MS = 10_000;
/** At most one reload per second from events. */
const EVENT_RELOAD_MS = 1000;
const FAILURES = 10;
/** Events after which a runner holds more or fewer tasks. */
const HOLD_CHANGES = new Set([
  'task_started',
  'task_completed',
  'task_failed',
  'task_retry_scheduled',
  'task_released',
  'task_abandoned',
]);

/** Active statuses in the UI's order, then any the UI does not know yet. */
function activeStatuses(active: Readonly<Record<string, number>>): string[] {
  const known: string[] = EXECUTION_STATUSES.filter((s) => s in active);
  return [...known, ...Object.keys(active).filter((s) => !known.includes(s))];
}

/** A figure linking to the executions it counts. */
function StatCard(props: { label: string; value: number; href: string; className?: string }) {
  return (
    <a
      class={`card stat stat-link ${props.className ?? ''}`}
      href={props.href}
      data-stat={props.label}
    >
      <span class="value">{props.value}</span>
      <span class="stat-label">{props.label}</span>
    </a>
  );
}

/** The overview page. */
export function OverviewPage() {
  const stats = useApi(
    (signal) => api<Stats>('v1/stats', { query: { window: '60m', bucket: '1m' }, signal }),
    [],
  );
  const failures = useApi(
    (signal) =>
      api<Page<ExecutionSummary>>('v1/executions', {
        query: { status: 'Failed', limit: FAILURES },
        signal,
      }),
    [],
  );
  const runners = useApi((signal) => api<Page<Runner>>('v1/runners', { signal }), []);
  const settled = (loaded: { data: unknown; error: unknown }) =>
    loaded.data !== undefined || loaded.error !== undefined;
  useFirstView(settled(stats) && settled(failures) && settled(runners));

  const now = useNow(1000);
  const reloadStats = useLiveReload(stats, EVENT_RELOAD_MS);
  const reloadFailures = useLiveReload(failures, EVENT_RELOAD_MS);
  const reloadRunners = useLiveReload(runners, EVENT_RELOAD_MS);
  const connected = useEvents({}, (event) => {
    // Tasks starting and ending change what each runner holds.
    if (HOLD_CHANGES.has(event.type)) reloadRunners();
    if (!event.type.startsWith('workflow_')) return;
    reloadStats();
    if (event.type === 'workflow_failed') reloadFailures();
  });
  useInterval(() => {
    reloadStats();
    reloadFailures();
    reloadRunners();
  }, REFRESH_MS);

  const s = stats.data;
  // By name, whatever active statuses this server has.
  const active: Readonly<Record<string, number>> | undefined = s?.active;
  return (
    <section class="overview-page">
      <div class="page-head">
        <h1>Overview</h1>
        <span class="live" data-connected={String(connected)}>
          {connected ? 'Live' : 'Connecting…'}
        </span>
      </div>
      <ErrorBox error={stats.error} />
      <div class="overview-figures">
        <section aria-labelledby="now-heading">
          <h2 id="now-heading">Now</h2>
          <div class="grid stat-grid" data-testid="active">
            {s === undefined && <p class="muted">Loading…</p>}
            {active !== undefined &&
              activeStatuses(active).map((status) => (
                <StatCard
                  key={status}
                  label={statusLook(status).label}
                  value={active[status] ?? 0}
                  className={statusLook(status).className}
                  href={`#${withQuery('/executions', { status })}`}
                />
              ))}
          </div>
        </section>
        <section aria-labelledby="hour-heading">
          <h2 id="hour-heading">Last hour</h2>
          <div class="grid stat-grid" data-testid="last-hour">
            {s === undefined && <p class="muted">Loading…</p>}
            {s !== undefined &&
              (['Completed', 'Failed', 'Cancelled'] as const).map((status) => (
                <StatCard
                  key={status}
                  label={status}
                  value={s.window[status.toLowerCase() as 'completed' | 'failed' | 'cancelled']}
                  className={statusLook(status).className}
                  href={`#${withQuery('/executions', { status, range: '1h' })}`}
                />
              ))}
          </div>
        </section>
      </div>
      {s !== undefined && (
        <div class="card chart-card">
          <ThroughputChart buckets={s.throughput} caption="Ended per minute, last hour" />
        </div>
      )}
      <div class="overview-columns">
        <section aria-labelledby="failures-heading">
          <h2 id="failures-heading">
            Latest failures{' '}
            <a class="heading-link" href={`#${withQuery('/executions', { status: 'Failed' })}`}>
              all
            </a>
          </h2>
          <ErrorBox error={failures.error} />
          {failures.data !== undefined && <FailureList items={failures.data.items} now={now} />}
        </section>
        <section aria-labelledby="runners-heading">
          <h2 id="runners-heading">Runners</h2>
          <ErrorBox error={runners.error} />
          {runners.data !== undefined && <RunnersTable runners={runners.data.items} now={now} />}
        </section>
      </div>
    </section>
  );
}
