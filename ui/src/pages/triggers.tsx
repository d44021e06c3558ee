/**
 * Triggers: every trigger schedule with its workflow, state, poll interval, the last poll's age
 * and outcome, and a strip of its recent outcomes; enable / disable and Fire now for operators.
 * Live: a trigger's row reloads when an event names it (throttled), and the list re-reads the
 * schedules every 15 s, because a poll that skips writes counters but no event.
 */
import { useRef, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { Page, TriggerExecution, TriggerSchedule } from '../api/types.js';
import { EnabledBadge } from '../components/enabled-badge.js';
import { ErrorBox } from '../components/error-box.js';
import { LastOutcome } from '../components/last-outcome.js';
import { LiveIndicator } from '../components/live-indicator.js';
import { LoadMore } from '../components/load-more.js';
import { OutcomeLegend, OutcomeStrip } from '../components/outcome-strip.js';
import { TriggerControls } from '../components/trigger-controls.js';
import { formatDuration } from '../format.js';
import { useApi, useInterval } from '../hooks/use-api.js';
import { useEvents } from '../hooks/use-events.js';
import { useNow } from '../hooks/use-now.js';
import { usePagedList } from '../hooks/use-paged-list.js';
import { useThrottled } from '../hooks/use-throttled.js';
import { triggerOfEvent } from '../schedule-events.js';

/** How many history rows feed a row's strip. */
const STRIP_ROWS = 20;

/** The Triggers page. */
export function TriggersPage() {
  const list = usePagedList<TriggerSchedule>(
    (cursor, limit, signal) =>
      api<Page<TriggerSchedule>>('v1/triggers', { query: { cursor, limit }, signal }),
    [],
    100,
  );
  const [ticks, setTicks] = useState<Readonly<Record<string, number>>>({});
  const dirty = useRef(new Set<string>());
  const flush = useThrottled(() => {
    const names = [...dirty.current];
    dirty.current.clear();
    list.reload();
    setTicks((previous) => {
      const next = { ...previous };
      for (const name of names) next[name] = (next[name] ?? 0) + 1;
      return next;
    });
  }, 1000);
  const connected = useEvents({}, (event) => {
    const name = triggerOfEvent(event);
    if (name === null) return;
    dirty.current.add(name);
    flush();
  });
  useInterval(() => list.reload(), 15_000);
  useNow();

  return (
    <section class="catalog-page">
      <div class="page-head">
        <h1>Triggers</h1>
        <LiveIndicator connected={connected} />
      </div>
      <ErrorBox error={list.error} />
      {list.items !== undefined && list.items.length === 0 && (
        <p class="muted">
          No triggers: a runner registers one with{' '}
          <code>runner.registerTrigger(trigger, workflow)</code>.
        </p>
      )}
      {list.items !== undefined && list.items.length > 0 && (
        <>
          <div class="table-wrap">
            <table class="triggers-table stack-on-phone">
              <thead>
                <tr>
                  <th>Trigger</th>
                  <th>Workflow</th>
                  <th>State</th>
                  <th>Polled every</th>
                  <th>Last poll</th>
                  <th>Recent outcomes</th>
                  <th>
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((schedule) => (
                  <TriggerRow
                    key={schedule.triggerName}
                    schedule={schedule}
                    tick={ticks[schedule.triggerName] ?? 0}
                    onChanged={() => {
                      dirty.current.add(schedule.triggerName);
                      flush();
                    }}
                  />
                ))}
              </tbody>
            </table>
          </div>
          <p class="legend-line">
            <OutcomeLegend />
          </p>
          <LoadMore
            nextCursor={list.nextCursor}
            loading={list.loadingMore}
            onClick={list.loadMore}
          />
        </>
      )}
      {list.items === undefined && list.loading && <p class="muted">Loading…</p>}
    </section>
  );
}

function TriggerRow(props: {
  readonly schedule: TriggerSchedule;
  readonly tick: number;
  readonly onChanged: () => void;
}) {
  const { schedule } = props;
  const history = useApi(
    (signal) =>
      api<Page<TriggerExecution>>(
        `v1/triggers/${encodeURIComponent(schedule.triggerName)}/history`,
        { query: { limit: STRIP_ROWS }, signal },
      ),
    [schedule.triggerName, props.tick],
  );
  const rows = history.data?.items;
  return (
    <tr data-trigger={schedule.triggerName}>
      <td>
        <a href={`#/triggers/${encodeURIComponent(schedule.triggerName)}`}>
          <strong>{schedule.triggerName}</strong>
        </a>
      </td>
      <td data-label="Workflow">
        <a href={`#/workflows/${encodeURIComponent(schedule.workflowName)}`}>
          {schedule.workflowName}
        </a>
      </td>
      <td data-label="State">
        <EnabledBadge enabled={schedule.enabled} />
      </td>
      <td class="nowrap" data-label="Polled every">
        {formatDuration(schedule.pollIntervalMs)}
      </td>
      <td class="last-outcome-cell" data-label="Last poll">
        <LastOutcome schedule={schedule} newest={rows?.[0]} />
      </td>
      <td data-label="Recent">
        {history.error !== undefined ? (
          <span class="error-inline">{history.error.message}</span>
        ) : (
          <OutcomeStrip schedule={schedule} history={rows} max={STRIP_ROWS} />
        )}
      </td>
      <td class="nowrap">
        <TriggerControls schedule={schedule} onChanged={props.onChanged} />
      </td>
    </tr>
  );
}
