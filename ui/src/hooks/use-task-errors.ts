/**
 * The errors of the failed tasks of some failed executions. An execution's own error only says
 * which tasks failed ("1 task(s) failed: render"); what went wrong is in the task. A failed
 * execution never changes, so each is read once per tab.
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client.js';
import type { ExecutionTask } from '../api/types.js';

/** A failed task and its error. */
export interface TaskError {
  readonly taskId: string;
  readonly message: string | null;
}

const cache = new Map<string, readonly TaskError[]>();

/** The failed tasks of each of `ids` (by id), filled in as they are read. */
export function useTaskErrors(ids: readonly string[]): ReadonlyMap<string, readonly TaskError[]> {
  const [, setVersion] = useState(0);
  const key = ids.join(',');
  useEffect(() => {
    const missing = ids.filter((id) => !cache.has(id));
    if (missing.length === 0) return;
    const abort = new AbortController();
    void Promise.all(
      missing.map((id) =>
        api<{ items: ExecutionTask[] }>(`v1/executions/${id}/tasks`, { signal: abort.signal }).then(
          (tasks) =>
            cache.set(
              id,
              tasks.items
                .filter((t) => t.status === 'Failed')
                .map((t) => ({ taskId: t.taskId, message: t.errorMessage })),
            ),
          // Without the tasks the execution's own error is shown.
          () => undefined,
        ),
      ),
    ).then(() => {
      if (!abort.signal.aborted) setVersion((v) => v + 1);
    });
    return () => abort.abort();
  }, [key]);
  return cache;
}
