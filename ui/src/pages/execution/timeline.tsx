/**
 * The Gantt chart of an execution: one row per task, one bar per attempt (coloured by how it
 * ended, with the words in its label), the wait before each attempt as a thin line (queued, or
 * the backoff before a retry), markers where a task was skipped or cancelled, bands where the
 * execution was paused, and a clock axis. A running attempt grows to "now". The chart keeps a
 * minimum width and scrolls sideways inside its box on a phone.
 */
import { formatDuration, formatTime } from '../../format.js';
import { statusLook } from '../../status.js';
import { axisTicks, clockLabel } from './time-axis.js';
import {
  attemptDuration,
  attemptLabel,
  type Attempt,
  type TaskTrack,
  type TimelineModel,
} from './timeline-model.js';

/** Props of {@link Timeline}. */
export interface TimelineProps {
  readonly model: TimelineModel;
  /** The time running attempts grow to. */
  readonly now: number;
  /** Whether the execution can still change (the chart then ends at `now`). */
  readonly active: boolean;
  readonly selected: string | null;
  readonly onSelect: (taskId: string) => void;
}

/** Draws the chart; nothing but a note when no task has an event yet. */
export function Timeline({ model, now, active, selected, onSelect }: TimelineProps) {
  if (model.start === null) return <p class="muted">No task has started yet.</p>;
  const from = model.start;
  const lastEvent = Math.max(
    from,
    ...model.tracks.flatMap((t) => [
      ...t.attempts.map((a) => a.end ?? now),
      ...t.markers.map((m) => m.at),
    ]),
  );
  const to = Math.max(from + 1000, active ? now : (model.end ?? lastEvent));
  // A little room on the right so the last bar's end and markers' labels stay inside.
  const span = (to - from) * 1.04;
  const pct = (t: number) => `${(((t - from) / span) * 100).toFixed(3)}%`;
  const width = (a: number, b: number) => `${((Math.max(0, b - a) / span) * 100).toFixed(3)}%`;
  // Ticks stop at the chart's end: a label in the room after it would be cut by the box.
  const { step, ticks } = axisTicks(from, to);

  return (
    <div class="timeline-scroll">
      <div class="timeline" role="group" aria-label="Timeline of every task attempt">
        <div class="tl-row tl-axis-row" aria-hidden="true">
          <div class="tl-label tl-label-head">
            {formatTime(new Date(from).toISOString()).slice(0, 10)}
          </div>
          <div class="tl-track tl-axis">
            {/* A label centred on a tick at the very start would hide under the task names. */}
            {ticks
              .filter((t) => (t - from) / span > 0.05)
              .map((t) => (
                <span key={t} class="tl-tick" style={{ left: pct(t) }}>
                  {clockLabel(t, step)}
                </span>
              ))}
          </div>
        </div>
        {model.tracks.map((track) => (
          <TimelineRow
            key={track.taskId}
            track={track}
            now={now}
            selected={selected === track.taskId}
            onSelect={onSelect}
            pct={pct}
            width={width}
            ticks={ticks}
            pauses={model.pauses}
            end={to}
          />
        ))}
      </div>
      <TimelineLegend />
    </div>
  );
}

/** What the marks mean, drawn with the same classes as the chart. */
function TimelineLegend() {
  return (
    <ul class="tl-legend" aria-label="Legend">
      <li>
        <span class="tl-key tl-bar status-ok" /> attempt
      </li>
      <li>
        <span class="tl-key tl-bar status-failed retried" /> failed, retried
      </li>
      <li>
        <span class="tl-key tl-bar status-running running" /> running
      </li>
      <li>
        <span class="tl-key tl-key-wait" /> queued or retry backoff
      </li>
      <li>
        <span class="tl-key tl-marker tl-marker-skipped status-skipped" /> skipped
      </li>
      <li>
        <span class="tl-key tl-marker tl-marker-cancelled status-cancelled" /> cancelled
      </li>
    </ul>
  );
}

interface RowProps {
  readonly track: TaskTrack;
  readonly now: number;
  readonly selected: boolean;
  readonly onSelect: (taskId: string) => void;
  readonly pct: (t: number) => string;
  readonly width: (a: number, b: number) => string;
  readonly ticks: readonly number[];
  readonly pauses: TimelineModel['pauses'];
  readonly end: number;
}

function TimelineRow({ track, now, selected, onSelect, pct, width, ticks, pauses, end }: RowProps) {
  return (
    <div
      class={`tl-row${selected ? ' selected' : ''}`}
      data-task={track.taskId}
      onClick={() => onSelect(track.taskId)}
    >
      <button
        type="button"
        class="tl-label"
        aria-pressed={selected}
        title={track.taskId}
        onClick={(e) => {
          e.stopPropagation();
          onSelect(track.taskId);
        }}
      >
        {track.taskId}
      </button>
      <div class="tl-track">
        {ticks.map((t) => (
          <span key={t} class="tl-grid" style={{ left: pct(t) }} />
        ))}
        {pauses.map((p) => (
          <span
            key={p.from}
            class="tl-pause status-paused"
            style={{ left: pct(p.from), width: width(p.from, p.to ?? end) }}
            title={`Paused${p.reason === null ? '' : `: ${p.reason}`}`}
          />
        ))}
        {track.attempts.map((a, i) => (
          <AttemptBar key={i} attempt={a} now={now} pct={pct} width={width} />
        ))}
        {track.markers.map((m, i) => {
          const look = statusLook(m.kind === 'skipped' ? 'Skipped' : 'Cancelled');
          const text = `${look.label}${m.reason === null ? '' : `: ${m.reason}`}`;
          return (
            <span
              key={`m${i}`}
              class={`tl-marker tl-marker-${m.kind} ${look.className}`}
              style={{ left: pct(m.at) }}
              role="img"
              aria-label={`${track.taskId} ${text} at ${formatTime(new Date(m.at).toISOString())}`}
              title={text}
              data-kind={m.kind}
            >
              <span class="tl-marker-label">{look.label.toLowerCase()}</span>
            </span>
          );
        })}
      </div>
    </div>
  );
}

function AttemptBar({
  attempt,
  now,
  pct,
  width,
}: {
  attempt: Attempt;
  now: number;
  pct: (t: number) => string;
  width: (a: number, b: number) => string;
}) {
  const look = statusLook(attempt.outcome);
  const label = attemptLabel(attempt);
  const duration = formatDuration(attemptDuration(attempt, now));
  const text = `attempt ${attempt.attempt}, ${label}, ${duration}${attempt.error === null ? '' : ` — ${attempt.error}`}`;
  const queued = attempt.queuedAt ?? attempt.start;
  const waited = queued < attempt.start;
  return (
    <>
      {waited && (
        <span
          class="tl-wait"
          style={{ left: pct(queued), width: width(queued, attempt.start) }}
          title={`${attempt.attempt > 1 ? 'Retry backoff and queue' : 'Queued'}: ${formatDuration(attempt.start - queued)}`}
        />
      )}
      <span
        class={`tl-bar ${look.className}${attempt.end === null ? ' running' : ''}${attempt.retried ? ' retried' : ''}`}
        style={{ left: pct(attempt.start), width: width(attempt.start, attempt.end ?? now) }}
        role="img"
        aria-label={text}
        title={text}
        data-attempt={attempt.attempt}
        data-outcome={attempt.outcome}
      >
        <span class="tl-bar-text">{`#${attempt.attempt} ${duration}`}</span>
      </span>
      {attempt.deferred.map((d) => (
        <span
          key={d.from}
          class="tl-deferred status-paused"
          style={{ left: pct(d.from), width: width(d.from, d.to ?? now) }}
          title={`Deferred ${formatDuration((d.to ?? now) - d.from)}`}
        />
      ))}
    </>
  );
}
