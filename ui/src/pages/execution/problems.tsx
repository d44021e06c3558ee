/**
 * Above the fold, what went wrong and why, without a click: each failed task with its error,
 * each skipped task with its skip reason, and each task that needed retries with the errors of
 * the attempts that failed.
 */
import type { ExecutionTask } from '../../api/types.js';
import { StatusBadge } from '../../components/status-badge.js';
import type { TaskTrack } from './timeline-model.js';

/** Rows shown of each kind before "and N more". */
const SHOWN = 8;

/** Props of {@link ProblemList}. */
export interface ProblemListProps {
  readonly tasks: readonly ExecutionTask[];
  readonly tracks: readonly TaskTrack[];
  readonly onSelect: (taskId: string) => void;
}

/** The list; nothing when every task went well. */
export function ProblemList({ tasks, tracks, onSelect }: ProblemListProps) {
  const byTask = new Map(tracks.map((t) => [t.taskId, t]));
  const failed = tasks.filter((t) => t.status === 'Failed');
  const skipped = tasks.filter((t) => t.status === 'Skipped');
  const retried = tasks.filter(
    (t) =>
      t.status !== 'Failed' && (byTask.get(t.taskId)?.attempts.some((a) => a.retried) ?? false),
  );
  if (failed.length + skipped.length + retried.length === 0) return null;
  const more = (
    [
      ['failed', failed],
      ['skipped', skipped],
      ['retried', retried],
    ] as const
  )
    .filter(([, list]) => list.length > SHOWN)
    .map(([what, list]) => `${list.length - SHOWN} more ${what}`);
  const name = (taskId: string) => (
    <button type="button" class="link-button" onClick={() => onSelect(taskId)}>
      <code>{taskId}</code>
    </button>
  );
  return (
    <section class="card problems" aria-label="Problems">
      <ul>
        {failed.slice(0, SHOWN).map((t) => (
          <li key={`f-${t.taskId}`} class="problem" data-task={t.taskId}>
            <StatusBadge status="Failed" /> {name(t.taskId)}
            <span class="muted">{t.attempt > 1 ? ` after ${t.attempt} attempts` : ''}</span>
            {': '}
            <span class="problem-text pre-wrap">{t.errorMessage ?? 'no error message'}</span>
          </li>
        ))}
        {skipped.slice(0, SHOWN).map((t) => (
          <li key={`s-${t.taskId}`} class="problem" data-task={t.taskId}>
            <StatusBadge status="Skipped" /> {name(t.taskId)}
            {': '}
            <span class="problem-text">{t.skipReason ?? 'no reason recorded'}</span>
          </li>
        ))}
        {retried.slice(0, SHOWN).map((t) => {
          const errors = (byTask.get(t.taskId)?.attempts ?? []).filter((a) => a.retried);
          return (
            <li key={`r-${t.taskId}`} class="problem" data-task={t.taskId}>
              <span class="badge status-paused">Retried</span> {name(t.taskId)}
              <span class="muted">{` ${errors.length} failed attempt${errors.length === 1 ? '' : 's'}`}</span>
              {': '}
              <span class="problem-text pre-wrap">
                {errors.map((a) => `#${a.attempt} ${a.error ?? 'failed'}`).join('; ')}
              </span>
            </li>
          );
        })}
      </ul>
      {more.length > 0 && <p class="muted">{`${more.join(', ')}: see the graph.`}</p>}
    </section>
  );
}
