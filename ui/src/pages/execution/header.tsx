/**
 * The execution's header: its workflow (a link), version, status, priority (when not the
 * default), times and duration (growing while it runs), why it failed or is paused, the reruns
 * it is linked to, and the steering buttons its status allows (shown only to an `operate` key).
 */
import type { ComponentChildren } from 'preact';
import { useLocation } from 'wouter-preact';
import { api } from '../../api/client.js';
import type { Execution, ExecutionExtras, Started } from '../../api/types.js';
import { ActionButton } from '../../components/action-button.js';
import { StatusBadge } from '../../components/status-badge.js';
import { formatDuration, formatTime, shortId } from '../../format.js';
import { isTerminal } from '../../status.js';

/** Props of {@link ExecutionHeader}. */
export interface ExecutionHeaderProps {
  readonly execution: Execution & ExecutionExtras;
  readonly now: number;
  readonly connected: boolean;
  /** Why it is paused (from the history), when it is. */
  readonly pauseReason: string | null;
  /** Called after an action changed the execution. */
  readonly onChanged: () => void;
}

/** The header. */
export function ExecutionHeader({
  execution,
  now,
  connected,
  pauseReason,
  onChanged,
}: ExecutionHeaderProps) {
  const [, navigate] = useLocation();
  const { executionId: id, status } = execution;
  const path = `v1/executions/${encodeURIComponent(id)}`;
  const terminal = isTerminal(status);
  // A delayed execution waiting for its time, or one waiting for a place under a concurrency
  // limit, has not started: no start time, no growing clock.
  const waiting = status === 'Scheduled' || status === 'Queued';
  const started = Date.parse(execution.startedAt);
  const duration =
    execution.durationMs ?? (terminal || waiting ? undefined : Math.max(0, now - started));
  const control = (action: 'cancel' | 'pause' | 'resume') => async () => {
    await api(`${path}/${action}`, { method: 'POST' });
    onChanged();
  };
  const rerun = (from: 'failed' | 'start') => async () => {
    const started = await api<Started>(`${path}/rerun`, { method: 'POST', body: { from } });
    navigate(`/executions/${started.executionId}`);
  };

  return (
    <header class="exec-head">
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="#/executions">Executions</a>
        <span aria-hidden="true"> / </span>
        <span title={id}>{shortId(id)}</span>
      </nav>
      <div class="exec-title">
        <h1>
          <a href={`#/workflows/${encodeURIComponent(execution.workflowName)}`}>
            {execution.workflowName}
          </a>
        </h1>
        <span class="muted" title="Workflow version">
          v{execution.workflowVersion}
        </span>
        <span class="exec-status" data-testid="execution-status">
          <StatusBadge status={status} />
        </span>
        <span
          class="live"
          data-connected={String(connected)}
          title="Live updates from the event stream"
        >
          {connected ? 'Live' : 'Connecting…'}
        </span>
        <span class="exec-actions row">
          {!terminal && (
            <ActionButton
              scope="operate"
              label="Cancel"
              kind="danger"
              confirm="Cancel this execution? Running tasks are told to stop and nothing new starts."
              run={control('cancel')}
            />
          )}
          {(status === 'Scheduled' ||
            status === 'Queued' ||
            status === 'Pending' ||
            status === 'Running') && (
            <ActionButton scope="operate" label="Pause" run={control('pause')} />
          )}
          {status === 'Paused' && (
            <ActionButton scope="operate" label="Resume" kind="primary" run={control('resume')} />
          )}
          {terminal && status !== 'Completed' && (
            <ActionButton
              scope="operate"
              label="Rerun from failure"
              kind="primary"
              run={rerun('failed')}
            />
          )}
          {terminal && (
            <ActionButton scope="operate" label="Rerun from start" run={rerun('start')} />
          )}
        </span>
      </div>
      <dl class="facts facts-inline">
        <Fact term="Execution">
          <code class="exec-id">{id}</code>
        </Fact>
        {execution.createdAt !== undefined && (
          <Fact term="Created">{formatTime(execution.createdAt)}</Fact>
        )}
        {execution.runAt !== undefined && (
          <Fact term="Run at">
            <span data-testid="execution-run-at">{formatTime(execution.runAt)}</span>
          </Fact>
        )}
        {execution.priority !== 0 && (
          <Fact term="Priority">
            <span data-testid="execution-priority" title="Higher priorities are claimed first">
              {execution.priority > 0 ? `+${execution.priority}` : execution.priority}
            </span>
          </Fact>
        )}
        <Fact term="Started">
          {waiting ? <span class="muted">—</span> : formatTime(execution.startedAt)}
        </Fact>
        <Fact term="Completed">
          {execution.completedAt === undefined ? (
            <span class="muted">—</span>
          ) : (
            formatTime(execution.completedAt)
          )}
        </Fact>
        <Fact term="Duration">
          <span data-testid="execution-duration">{formatDuration(duration)}</span>
        </Fact>
        {execution.rerunOf != null && (
          <Fact term="Rerun of">
            <a href={`#/executions/${execution.rerunOf}`} title={execution.rerunOf}>
              {shortId(execution.rerunOf)}
            </a>
          </Fact>
        )}
        {execution.idempotencyKey !== undefined && (
          <Fact term="Idempotency key">
            <code>{execution.idempotencyKey}</code>
          </Fact>
        )}
        {execution.rerunBy != null && (
          <Fact term="Rerun as">
            <a href={`#/executions/${execution.rerunBy}`} title={execution.rerunBy}>
              {shortId(execution.rerunBy)}
            </a>
          </Fact>
        )}
      </dl>
      {status === 'Queued' && execution.rateLimit === undefined && (
        <div class="skip-box status-waiting" role="note">
          <strong>Queued</strong> for a place under the workflow's concurrency limit
          {execution.concurrency !== undefined && queuedGroup(execution.concurrency)}. It starts in
          its turn when an execution of its group ends; cancel or pause it meanwhile.
        </div>
      )}
      {status === 'Queued' && execution.rateLimit !== undefined && (
        <div class="skip-box status-waiting" role="note">
          <strong>Queued</strong> under the workflow's rate limit
          {rateGroup(execution.rateLimit)}
          {execution.concurrency !== undefined &&
            ` and concurrency limit${queuedGroup(execution.concurrency)}`}
          . It starts in its turn as soon as its group's window (and place) allows; cancel or pause
          it meanwhile.
        </div>
      )}
      {status === 'Scheduled' && execution.runAt !== undefined && (
        <div class="skip-box status-waiting" role="note">
          <strong>Scheduled</strong> to start at {formatTime(execution.runAt)}. Cancel or pause it
          until then.
        </div>
      )}
      {status === 'Paused' && (
        <div class="skip-box status-paused" role="note">
          <strong>Paused</strong> {pauseReason ?? 'no reason given'}. Running tasks finish; nothing
          new starts until it is resumed.
        </div>
      )}
      {execution.errorMessage !== undefined && status !== 'Completed' && (
        <div class="error-box" role="note">
          <strong>{status === 'Cancelled' ? 'Cancelled' : 'Failed'}</strong>{' '}
          <span class="pre-wrap">{execution.errorMessage}</span>
        </div>
      )}
    </header>
  );
}

/** One term of the header's facts; the pair wraps as a whole on a narrow screen. */
function Fact({ term, children }: { term: string; children: ComponentChildren }) {
  return (
    <div class="fact">
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** The rate group a Queued execution counts in, as the note shows it. */
function rateGroup(group: { key: string; limit: number; periodMs: number }): string {
  const rate = `${group.limit} per ${formatDuration(group.periodMs)}`;
  return group.key === '' ? ` (${rate})` : ` (key '${group.key}', ${rate})`;
}

/** The group a Queued execution waits in, as the note shows it. */
function queuedGroup(group: { key: string; limit: number }): string {
  return group.key === ''
    ? ` (limit ${group.limit})`
    : ` (key '${group.key}', limit ${group.limit})`;
}
