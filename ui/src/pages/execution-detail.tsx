/**
 * One execution, live: the header (status, times, actions), what went wrong, the task graph, the
 * timeline of every attempt, and the selected task's panel. Everything follows the event stream
 * without a reload.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { Dag, type DagNode } from '../components/dag.js';
import { ErrorBox } from '../components/error-box.js';
import { formatDuration } from '../format.js';
import { useInterval } from '../hooks/use-api.js';
import { isTerminal } from '../status.js';
import type { ExecutionTask } from '../api/types.js';
import { ExecutionHeader } from './execution/header.js';
import { ProblemList } from './execution/problems.js';
import { TaskPanel } from './execution/task-panel.js';
import { Timeline } from './execution/timeline.js';
import { attemptDuration, buildTimeline, type TaskTrack } from './execution/timeline-model.js';
import { useExecution } from './execution/use-execution.js';

/** The task a page opens on: the first failed, else the first running, else the first. */
export function defaultTask(tasks: readonly ExecutionTask[]): string | null {
  return (
    tasks.find((t) => t.status === 'Failed')?.taskId ??
    tasks.find((t) => t.status === 'Running')?.taskId ??
    tasks[0]?.taskId ??
    null
  );
}

/** The second line of a task's node: its latest attempt's number (after a retry) and length. */
function nodeDetail(track: TaskTrack | undefined, now: number): string | undefined {
  const last = track?.attempts.at(-1);
  if (last === undefined) return undefined;
  const took = formatDuration(attemptDuration(last, now));
  return last.attempt > 1 ? `#${last.attempt} ${took}` : took;
}

/** The execution detail page (`#/executions/:id`). */
export function ExecutionDetailPage({ id }: { id: string }) {
  const data = useExecution(id);
  const execution = data.execution.data;
  const active = execution !== undefined && !isTerminal(execution.status);
  const [now, setNow] = useState(() => Date.now());
  useInterval(() => setNow(Date.now()), 1000, active);
  const tasks = useMemo(() => data.tasks.data?.items ?? [], [data.tasks.data]);
  const ids = tasks.map((t) => t.taskId);
  const idsKey = ids.join('\u0000');
  const model = useMemo(() => buildTimeline(data.events ?? [], ids), [data.events, idsKey]);
  const tracks = useMemo(() => new Map(model.tracks.map((t) => [t.taskId, t])), [model]);
  // The page opens on a default task and stays on it as statuses change live; only a choice of
  // the viewer moves it (a panel jumping away while one reads it would be worse than stale).
  const [chosen, setChosen] = useState<string | null>(null);
  const fallback = defaultTask(tasks);
  useEffect(() => {
    if (chosen === null && fallback !== null) setChosen(fallback);
  }, [chosen, fallback]);
  useEffect(() => setChosen(null), [id]);
  const selectedId = chosen !== null && ids.includes(chosen) ? chosen : fallback;
  const selected = tasks.find((t) => t.taskId === selectedId);
  const edges = useMemo(
    () => tasks.flatMap((t) => t.dependencies.map((d) => [d, t.taskId] as const)),
    [tasks],
  );

  const error = data.execution.error;
  if (
    error !== undefined &&
    (error.status === 404 || error.status === 400) &&
    execution === undefined
  ) {
    return (
      <section class="not-found">
        <h1>Execution not found</h1>
        <p>
          There is no execution <code>{id}</code> in this database. It may have been deleted by
          retention, or the link is mistyped.
        </p>
        <p>
          <a href="#/executions">All executions</a>
        </p>
      </section>
    );
  }
  if (execution === undefined) {
    return (
      <section>
        <ErrorBox error={error} />
        {error === undefined && <p class="loading">Loading execution…</p>}
      </section>
    );
  }
  const pause = model.pauses.at(-1);
  const nowShown = active ? now : Date.now();
  const nodes: DagNode[] = tasks.map((t) => ({
    id: t.taskId,
    status: t.status,
    detail: nodeDetail(tracks.get(t.taskId), nowShown),
  }));

  return (
    <section class="exec-page">
      <ExecutionHeader
        execution={execution}
        now={nowShown}
        connected={data.connected}
        pauseReason={pause !== undefined && pause.to === null ? pause.reason : null}
        onChanged={data.refresh}
      />
      <ErrorBox error={error} />
      <ErrorBox error={data.tasks.error} />
      <ErrorBox error={data.eventsError} />
      <ProblemList tasks={tasks} tracks={model.tracks} onSelect={setChosen} />
      <div class="exec-grid">
        <section class="card exec-dag" aria-labelledby="exec-dag-title">
          <h2 id="exec-dag-title">Graph</h2>
          {data.tasks.data === undefined ? (
            <p class="muted">Loading tasks…</p>
          ) : (
            <Dag
              nodes={nodes}
              edges={edges}
              selected={selectedId}
              onSelect={setChosen}
              label={`Tasks of ${execution.workflowName}`}
            />
          )}
        </section>
        <section class="card exec-timeline" aria-labelledby="exec-timeline-title">
          <h2 id="exec-timeline-title">Timeline</h2>
          {data.events === undefined ? (
            <p class="muted">Loading history…</p>
          ) : (
            <Timeline
              model={model}
              now={nowShown}
              active={active}
              selected={selectedId}
              onSelect={setChosen}
            />
          )}
        </section>
      </div>
      {selected !== undefined && (
        <TaskPanel
          executionId={id}
          task={selected}
          track={tracks.get(selected.taskId)}
          now={nowShown}
          subscribe={data.subscribe}
          onSelect={setChosen}
        />
      )}
    </section>
  );
}
