/**
 * One workflow: its DAG, each task's trigger rule, retry policy and timeout, the start form
 * drawn from its input schema, every stored version (any of which can be shown in place of the
 * latest), and its last 10 executions (live) with the versions those ran.
 */
import { useMemo, useState } from 'preact/hooks';
import { useLocation } from 'wouter-preact';
import { api } from '../api/client.js';
import type { ExecutionSummary, Page, Workflow } from '../api/types.js';
import { Dag, type DagNode } from '../components/dag.js';
import { ErrorBox } from '../components/error-box.js';
import { ExecutionLink } from '../components/execution-link.js';
import { LiveIndicator } from '../components/live-indicator.js';
import { StartForm } from '../components/start-form.js';
import { StatusBadge } from '../components/status-badge.js';
import { sinceText } from '../ago.js';
import { formatDuration, formatTime, shortId } from '../format.js';
import { useApi } from '../hooks/use-api.js';
import { useEvents } from '../hooks/use-events.js';
import { useNow } from '../hooks/use-now.js';
import { useThrottled } from '../hooks/use-throttled.js';
import { taskSpecs, type TaskSpec } from '../workflow-definition.js';

/** How many recent executions are listed. */
const RECENT = 10;

/** The workflow detail page. */
export function WorkflowDetailPage({ name }: { name: string }) {
  const [, navigate] = useLocation();
  // null shows the latest version (the one a start runs).
  const [version, setVersion] = useState<string | null>(null);
  const workflow = useApi(
    (signal) =>
      api<Workflow>(`v1/workflows/${encodeURIComponent(name)}`, { query: { version }, signal }),
    [name, version],
  );
  const versions = useApi(
    (signal) =>
      api<{ items: Workflow[] }>(`v1/workflows/${encodeURIComponent(name)}/versions`, { signal }),
    [name],
  );
  const executions = useApi(
    (signal) =>
      api<Page<ExecutionSummary>>('v1/executions', {
        query: { workflow: name, limit: RECENT },
        signal,
      }),
    [name],
  );
  const reloadExecutions = useThrottled(() => executions.reload(), 1000);
  const connected = useEvents({ workflow: name }, (event) => {
    if (event.type.startsWith('workflow_')) reloadExecutions();
  });
  useNow(15_000);
  const [selected, setSelected] = useState<string | null>(null);
  const w = workflow.data;
  const specs = useMemo(() => (w === undefined ? [] : taskSpecs(w.definition)), [w]);

  const nodes: DagNode[] = specs.map((t) => ({
    id: t.id,
    detail:
      [
        t.attempts !== null && t.attempts > 1 ? `${t.attempts} attempts` : null,
        t.ruleIsDefault ? null : 'conditional',
      ]
        .filter((x) => x !== null)
        .join(' · ') || undefined,
  }));
  const edges = specs.flatMap((t) => t.dependencies.map((d) => [d, t.id] as const));

  const select = (id: string) => {
    setSelected(id);
    document.getElementById(`task-row-${id}`)?.scrollIntoView({ block: 'nearest' });
  };

  return (
    <section class="catalog-page">
      <p class="crumbs">
        <a href="#/workflows">Workflows</a> /
      </p>
      <div class="page-head">
        <h1>{name}</h1>
        {w !== undefined && (
          <code class="version" title="Content hash of the definition">
            {w.version}
          </code>
        )}
      </div>
      <ErrorBox error={workflow.error} />
      {w !== undefined && (
        <>
          {w.description !== '' && <p class="lead">{w.description}</p>}
          <dl class="summary-facts card">
            <div>
              <dt>Registered</dt>
              <dd title={formatTime(w.registeredAt)}>
                {sinceText(w.registeredAt)}
                {w.registeredBy !== null && <span class="muted break"> by {w.registeredBy}</span>}
              </dd>
            </div>
            <div>
              <dt>Tasks</dt>
              <dd>{w.tasks.length}</dd>
            </div>
            <div>
              <dt>Also started by</dt>
              <dd>
                {w.triggers.length === 0 ? (
                  <span class="muted">no fan-out triggers</span>
                ) : (
                  w.triggers.map((t, i) => (
                    <span key={t}>
                      {i > 0 && ', '}
                      <a href={`#/triggers/${encodeURIComponent(t)}`}>{t}</a>
                    </span>
                  ))
                )}
              </dd>
            </div>
            {Object.keys(w.tags).length > 0 && (
              <div>
                <dt>Tags</dt>
                <dd class="tags">
                  {Object.entries(w.tags).map(([k, v]) => (
                    <code key={k}>
                      {k}={v}
                    </code>
                  ))}
                </dd>
              </div>
            )}
          </dl>

          <div class="workflow-columns">
            <div>
              <h2>Graph</h2>
              <div class="card dag-card">
                <Dag nodes={nodes} edges={edges} selected={selected} onSelect={select} />
              </div>
            </div>
            <div>
              <h2 id="start-heading">Start an execution</h2>
              <div class="card">
                {version === null ? (
                  <StartForm
                    key={w.version}
                    workflow={w.name}
                    inputSchema={w.inputSchema}
                    onStarted={(id) => navigate(`/executions/${id}`)}
                  />
                ) : (
                  <p class="muted">
                    This is an older version; a start runs the latest.{' '}
                    <button type="button" class="link-button" onClick={() => setVersion(null)}>
                      Show the latest
                    </button>
                  </p>
                )}
              </div>
            </div>
          </div>

          <h2>Tasks</h2>
          <TaskTable specs={specs} selected={selected} onSelect={setSelected} />
        </>
      )}

      <h2>Versions</h2>
      <ErrorBox error={versions.error} />
      {versions.data !== undefined && (
        <Versions
          items={versions.data.items}
          shown={w?.version ?? null}
          onShow={(v) => setVersion(v === versions.data?.items[0]?.version ? null : v)}
        />
      )}

      <div class="page-head">
        <h2>Recent executions</h2>
        <LiveIndicator connected={connected} />
        <a class="more-link" href={`#/executions?workflow=${encodeURIComponent(name)}`}>
          All executions of {name} →
        </a>
      </div>
      <ErrorBox error={executions.error} />
      {executions.data !== undefined && (
        <RecentExecutions items={executions.data.items} currentVersion={w?.version ?? null} />
      )}
    </section>
  );
}

function TaskTable(props: {
  readonly specs: readonly TaskSpec[];
  readonly selected: string | null;
  readonly onSelect: (id: string) => void;
}) {
  return (
    <div class="table-wrap">
      <table class="tasks-table">
        <thead>
          <tr>
            <th>Task</th>
            <th>Depends on</th>
            <th>Runs when</th>
            <th>Retry</th>
            <th>Timeout</th>
          </tr>
        </thead>
        <tbody>
          {props.specs.map((t) => (
            <tr
              key={t.id}
              id={`task-row-${t.id}`}
              class={props.selected === t.id ? 'selected' : undefined}
              aria-selected={props.selected === t.id ? 'true' : undefined}
            >
              <td>
                <button type="button" class="link-button" onClick={() => props.onSelect(t.id)}>
                  <code>{t.id}</code>
                </button>
                {t.description !== null && <div class="muted">{t.description}</div>}
              </td>
              <td>
                {t.dependencies.length === 0 ? (
                  <span class="muted">— (root)</span>
                ) : (
                  t.dependencies.map((d, i) => (
                    <span key={d}>
                      {i > 0 && ', '}
                      <code>{d}</code>
                    </span>
                  ))
                )}
              </td>
              <td class={t.ruleIsDefault ? 'muted' : undefined}>
                {t.ruleIsDefault ? 'always' : t.rule}
              </td>
              <td>{t.retry}</td>
              <td class="nowrap">{t.timeout}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Every stored version, newest first; the one shown is marked, any other can be shown. */
function Versions(props: {
  readonly items: readonly Workflow[];
  readonly shown: string | null;
  readonly onShow: (version: string) => void;
}) {
  return (
    <div class="table-wrap">
      <table class="versions-table">
        <thead>
          <tr>
            <th>Version</th>
            <th>Registered</th>
            <th>By runner</th>
            <th class="num">Tasks</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {props.items.map((v, i) => (
            <tr key={v.version} class={v.version === props.shown ? 'selected' : undefined}>
              <td>
                <code>{v.version}</code>
                {i === 0 && <span class="muted"> (latest)</span>}
              </td>
              <td class="nowrap" title={formatTime(v.registeredAt)}>
                {sinceText(v.registeredAt)}
              </td>
              <td class="nowrap muted" title={v.registeredBy ?? undefined}>
                {v.registeredBy === null ? '' : shortId(v.registeredBy)}
              </td>
              <td class="num">{v.tasks.length}</td>
              <td>
                {v.version === props.shown ? (
                  <span class="muted">shown</span>
                ) : (
                  <button
                    type="button"
                    class="btn btn-small"
                    onClick={() => props.onShow(v.version)}
                  >
                    Show
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RecentExecutions(props: {
  readonly items: readonly ExecutionSummary[];
  readonly currentVersion: string | null;
}) {
  if (props.items.length === 0) return <p class="muted">No executions yet.</p>;
  // Which versions these runs ran (the Versions table lists every stored one).
  const versions = new Map<string, number>();
  for (const e of props.items)
    versions.set(e.workflowVersion, (versions.get(e.workflowVersion) ?? 0) + 1);
  return (
    <>
      <div class="table-wrap">
        <table class="executions-table">
          <thead>
            <tr>
              <th>Execution</th>
              <th>Status</th>
              <th>Version</th>
              <th>Created</th>
              <th>Duration</th>
            </tr>
          </thead>
          <tbody>
            {props.items.map((e) => {
              const end = e.completedAt === null ? Date.now() : Date.parse(e.completedAt);
              return (
                <tr key={e.executionId}>
                  <td>
                    <ExecutionLink id={e.executionId} />
                  </td>
                  <td>
                    <StatusBadge status={e.status} />
                  </td>
                  <td>
                    <code>{e.workflowVersion}</code>
                  </td>
                  <td class="nowrap" title={formatTime(e.createdAt)}>
                    {sinceText(e.createdAt)}
                  </td>
                  <td class="nowrap">
                    {e.startedAt === null ? '' : formatDuration(end - Date.parse(e.startedAt))}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p class="muted versions-line">
        Versions in these runs:{' '}
        {[...versions].map(([v, count], i) => (
          <span key={v}>
            {i > 0 && ', '}
            <code>{v}</code> ×{count}
            {v === props.currentVersion && ' (latest)'}
          </span>
        ))}
      </p>
    </>
  );
}
