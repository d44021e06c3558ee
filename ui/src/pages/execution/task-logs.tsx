/**
 * The lines one task wrote with `handle.log`, one attempt at a time (latest by default, any other
 * by the selector). While the attempt runs, its lines arrive from the live stream and are
 * appended: no request per line.
 */
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import type { FeedEvent, TaskLogs as TaskLogsData } from '../../api/types.js';
import { ErrorBox } from '../../components/error-box.js';
import { useApi } from '../../hooks/use-api.js';
import { preciseClock } from './time-axis.js';

type Line = TaskLogsData['lines'][number];

/** Props of {@link TaskLogs}. */
export interface TaskLogsProps {
  readonly executionId: string;
  readonly taskId: string;
  /** How many attempts the task has had so far. */
  readonly attempts: number;
  readonly subscribe: (listener: (event: FeedEvent) => void) => () => void;
}

/** A log line of a `task_log` event, if it is one of `attempt`. */
function lineOf(event: FeedEvent, taskId: string, attempt: number): Line | null {
  if (event.type !== 'task_log' || event.taskId !== taskId || event.data === null) return null;
  const d = event.data;
  if (d.attempt !== attempt || typeof d.seq !== 'number') return null;
  return {
    seq: d.seq,
    at: event.at,
    level: typeof d.level === 'string' ? d.level : 'info',
    message: typeof d.message === 'string' ? d.message : '',
    ...(d.fields !== null && typeof d.fields === 'object'
      ? { fields: d.fields as Record<string, unknown> }
      : {}),
  };
}

/** `logs` with `lines` added, each line once (by `seq`), in order. */
function withLines(logs: TaskLogsData, lines: readonly Line[]): TaskLogsData {
  const known = new Set(logs.lines.map((l) => l.seq));
  const added = lines.filter((l) => !known.has(l.seq) && (known.add(l.seq), true));
  if (added.length === 0) return logs;
  return { ...logs, lines: [...logs.lines, ...added].sort((a, b) => a.seq - b.seq) };
}

/** The log viewer of one task. */
export function TaskLogs({ executionId, taskId, attempts, subscribe }: TaskLogsProps) {
  // null follows the latest attempt as new ones start.
  const [chosen, setChosen] = useState<number | null>(null);
  const selectId = `attempt-${useId()}`;
  useEffect(() => setChosen(null), [taskId]);
  const attempt = Math.max(1, chosen ?? attempts);
  const logs = useApi(
    (signal) =>
      api<TaskLogsData>(
        `v1/executions/${encodeURIComponent(executionId)}/tasks/${encodeURIComponent(taskId)}/logs`,
        { query: { attempt }, signal },
      ),
    [executionId, taskId, attempt],
  );
  const { setData } = logs;
  // Lines that arrive while this attempt's lines are still loading wait here: the answer may
  // have been read before they were written, and they would otherwise be lost until a reload.
  const early = useRef<Line[]>([]);
  useEffect(() => {
    early.current = [];
  }, [executionId, taskId, attempt]);
  useEffect(
    () =>
      subscribe((event) => {
        const line = lineOf(event, taskId, attempt);
        if (line === null) return;
        setData((current) => {
          if (current === undefined || current.attempt !== attempt) {
            early.current.push(line);
            return current;
          }
          return withLines(current, [line]);
        });
      }),
    [subscribe, taskId, attempt, setData],
  );
  const loaded = logs.data?.attempt === attempt ? logs.data : undefined;
  useEffect(() => {
    if (loaded === undefined || early.current.length === 0) return;
    const waiting = early.current;
    early.current = [];
    setData((current) => (current === undefined ? current : withLines(current, waiting)));
  }, [loaded, setData]);

  const lines = logs.data?.attempt === attempt ? logs.data.lines : [];
  return (
    <div class="task-logs">
      <div class="row">
        {attempts > 1 && (
          <span class="inline-label">
            <label for={selectId}>Attempt</label>
            <select
              id={selectId}
              value={String(attempt)}
              onChange={(e) => setChosen(Number((e.target as HTMLSelectElement).value))}
            >
              {Array.from({ length: attempts }, (_, i) => i + 1).map((n) => (
                <option key={n} value={String(n)}>
                  {n === attempts ? `${n} (latest)` : String(n)}
                </option>
              ))}
            </select>
          </span>
        )}
        {logs.data?.truncated === true && (
          <span class="muted">Only the newest lines of this attempt were kept.</span>
        )}
      </div>
      <ErrorBox error={logs.error} />
      {logs.data !== undefined && lines.length === 0 && (
        <p class="muted">{`Attempt ${attempt} wrote no log lines${attempts === 0 ? ' (it has not run)' : ''}.`}</p>
      )}
      {lines.length > 0 && (
        <div class="log-lines" role="log" aria-label={`Log of ${taskId}, attempt ${attempt}`}>
          {lines.map((line) => (
            <div key={line.seq} class={`log-line log-${line.level}`}>
              <span class="log-time">{preciseClock(Date.parse(line.at))}</span>
              <span class="log-level">{line.level}</span>
              <span class="log-message">
                {line.message}
                {line.fields !== undefined && (
                  <span class="log-fields"> {JSON.stringify(line.fields)}</span>
                )}
              </span>
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
