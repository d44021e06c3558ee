/**
 * The selected task: its status, why it failed or was skipped (inline, not behind a click), every
 * attempt with its outcome and length, its log, and its input and output contexts.
 */
import { useEffect, useRef } from 'preact/hooks';
import { api } from '../../api/client.js';
import type { ExecutionTask, ExecutionTaskDetail, FeedEvent } from '../../api/types.js';
import { ErrorBox } from '../../components/error-box.js';
import { JsonViewer } from '../../components/json-viewer.js';
import { StatusBadge } from '../../components/status-badge.js';
import { formatDuration, formatTime } from '../../format.js';
import { useApi } from '../../hooks/use-api.js';
import { statusLook } from '../../status.js';
import { REFRESH_DEBOUNCE_MS } from './use-execution.js';
import { TaskLogs } from './task-logs.js';
import { attemptDuration, attemptLabel, type TaskTrack } from './timeline-model.js';

/** Props of {@link TaskPanel}. */
export interface TaskPanelProps {
  readonly executionId: string;
  readonly task: ExecutionTask;
  /** The task's attempts read from the history (undefined before it is loaded). */
  readonly track: TaskTrack | undefined;
  readonly now: number;
  readonly subscribe: (listener: (event: FeedEvent) => void) => () => void;
  readonly onSelect: (taskId: string) => void;
}

/** The panel of one task. */
export function TaskPanel({ executionId, task, track, now, subscribe, onSelect }: TaskPanelProps) {
  const detail = useApi(
    (signal) =>
      api<ExecutionTaskDetail>(
        `v1/executions/${encodeURIComponent(executionId)}/tasks/${encodeURIComponent(task.taskId)}`,
        { signal },
      ),
    [executionId, task.taskId],
  );
  // The contexts change when the task ends: re-read on its own events (not its log lines).
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => {
    const off = subscribe((event) => {
      if (event.type === 'task_log') return;
      if (event.taskId !== task.taskId && event.taskId !== null) return;
      clearTimeout(timer.current);
      timer.current = setTimeout(detail.reload, REFRESH_DEBOUNCE_MS);
    });
    return () => {
      off();
      clearTimeout(timer.current);
    };
  }, [subscribe, task.taskId, detail.reload]);

  const attempts = track?.attempts ?? [];
  // The task's `attempt` is 1 before any run and counts a scheduled retry before it starts: the
  // attempts that ran are the ones the history saw start.
  const attemptsRun =
    track === undefined
      ? task.startedAt === null
        ? 0
        : task.attempt
      : Math.max(0, ...attempts.map((a) => a.attempt));
  const shown = detail.data?.taskId === task.taskId ? detail.data : undefined;
  const headingId = `task-panel-${task.taskId}`;
  return (
    <section class="card task-panel" aria-labelledby={headingId} data-task={task.taskId}>
      <div class="task-panel-head">
        <h2 id={headingId}>
          <span class="muted">Task </span>
          <code>{task.taskId}</code>
        </h2>
        <StatusBadge status={task.status} />
      </div>
      {task.errorMessage !== null && task.status === 'Failed' && (
        <div class="error-box task-error" role="note">
          <strong>Error</strong> <span class="pre-wrap">{task.errorMessage}</span>
        </div>
      )}
      {task.skipReason !== null && (
        <div class="skip-box status-skipped" role="note">
          <strong>Skipped</strong> {task.skipReason}
        </div>
      )}
      {task.status === 'Completed' && task.startedAt === null && (
        // A rerun from failure writes the tasks that completed before as Completed, with their
        // output, and never runs them: no start, no attempt, no log.
        <p class="muted carried-note" role="note">
          Carried over from the execution this one reruns: its output was copied, its body did not
          run again.
        </p>
      )}
      <dl class="facts">
        <dt>Attempts</dt>
        <dd>{attemptsRun}</dd>
        {task.readyAt !== null && task.status === 'Ready' && (
          <>
            <dt>
              {task.attempt > 1
                ? 'Retry due'
                : Date.parse(task.readyAt) > now
                  ? 'Starts at'
                  : 'Ready since'}
            </dt>
            <dd>{formatTime(task.readyAt)}</dd>
          </>
        )}
        {task.startedAt !== null && (
          <>
            <dt>{attemptsRun > 1 ? 'First started' : 'Started'}</dt>
            <dd>{formatTime(task.startedAt)}</dd>
          </>
        )}
        {task.completedAt !== null && (
          <>
            <dt>Ended</dt>
            <dd>{formatTime(task.completedAt)}</dd>
          </>
        )}
        {attempts.length > 0 && (
          <>
            <dt>Time running</dt>
            <dd>{formatDuration(attempts.reduce((sum, a) => sum + attemptDuration(a, now), 0))}</dd>
          </>
        )}
        {task.claimedBy !== null && (
          <>
            <dt>Runner</dt>
            <dd>
              <code>{task.claimedBy}</code>
            </dd>
          </>
        )}
        {task.dependencies.length > 0 && (
          <>
            <dt>Depends on</dt>
            <dd class="row">
              {task.dependencies.map((d) => (
                <button key={d} type="button" class="btn btn-small" onClick={() => onSelect(d)}>
                  {d}
                </button>
              ))}
            </dd>
          </>
        )}
      </dl>

      {attempts.length > 0 && (
        <>
          <h3>Attempts</h3>
          <div class="table-wrap">
            <table class="attempts">
              <thead>
                <tr>
                  <th>#</th>
                  <th>Outcome</th>
                  <th>Started</th>
                  <th>Took</th>
                  <th>Error</th>
                </tr>
              </thead>
              <tbody>
                {attempts.map((a, i) => (
                  <tr key={i}>
                    <td>{a.attempt}</td>
                    <td>
                      <span class={`badge ${statusLook(a.outcome).className}`}>
                        {attemptLabel(a)}
                      </span>
                    </td>
                    <td class="nowrap">{formatTime(new Date(a.start).toISOString())}</td>
                    <td class="nowrap">{formatDuration(attemptDuration(a, now))}</td>
                    <td class="pre-wrap">{a.error ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}

      <h3>Log</h3>
      <TaskLogs
        executionId={executionId}
        taskId={task.taskId}
        attempts={attemptsRun}
        subscribe={subscribe}
      />

      <ErrorBox error={detail.error} />
      <div class="contexts">
        <div>
          <h3>Input context</h3>
          {shown === undefined ? (
            <p class="muted">Loading…</p>
          ) : shown.inputContext === null ? (
            <p class="muted">None yet: the task has not been given its input.</p>
          ) : (
            <JsonViewer value={shown.inputContext} label={`Input context of ${task.taskId}`} />
          )}
        </div>
        <div>
          <h3>Output context</h3>
          {shown === undefined ? (
            <p class="muted">Loading…</p>
          ) : shown.outputContext === null ? (
            <p class="muted">None: the task has not completed.</p>
          ) : (
            <JsonViewer value={shown.outputContext} label={`Output context of ${task.taskId}`} />
          )}
        </div>
      </div>
    </section>
  );
}
