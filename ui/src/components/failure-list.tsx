import type { ExecutionSummary } from '../api/types.js';
import { formatAgo, formatTime, shortId } from '../format.js';
import { useTaskErrors, type TaskError } from '../hooks/use-task-errors.js';

/** The error text of a failure: each failed task's own error, else the execution's. */
function errorText(execution: ExecutionSummary, tasks: readonly TaskError[] | undefined): string {
  const withMessage = (tasks ?? []).filter((t) => t.message !== null);
  if (withMessage.length === 1) return `${withMessage[0]!.taskId}: ${withMessage[0]!.message}`;
  if (withMessage.length > 1) return withMessage.map((t) => `${t.taskId}: ${t.message}`).join('\n');
  return execution.error ?? 'No error message was recorded.';
}

/**
 * The latest failed executions, each with its error in full (the first thing to read when
 * something breaks), linked to the execution and its workflow.
 */
export function FailureList({ items, now }: { items: readonly ExecutionSummary[]; now: number }) {
  const taskErrors = useTaskErrors(items.map((e) => e.executionId));
  if (items.length === 0) return <p class="muted">No failed executions.</p>;
  return (
    <ul class="failure-list">
      {items.map((e) => {
        const at = e.completedAt ?? e.createdAt;
        const { rerunBy } = e;
        return (
          <li key={e.executionId} data-execution-id={e.executionId}>
            <div class="failure-head">
              <a href={`#/workflows/${encodeURIComponent(e.workflowName)}`}>{e.workflowName}</a>
              <a class="mono" href={`#/executions/${e.executionId}`} title={e.executionId}>
                {shortId(e.executionId)}
              </a>
              <time class="muted" dateTime={at} title={formatTime(at)}>
                {formatAgo(at, now)}
              </time>
              {rerunBy !== null && (
                <span class="muted">
                  rerun as{' '}
                  <a class="mono" href={`#/executions/${rerunBy}`}>
                    {shortId(rerunBy)}
                  </a>
                </span>
              )}
            </div>
            <pre class="failure-error">{errorText(e, taskErrors.get(e.executionId))}</pre>
          </li>
        );
      })}
    </ul>
  );
}
