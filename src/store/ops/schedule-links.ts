/** Links between workflow executions and the trigger / cron runs that started them. */
import type { Tx } from '../db.js';

/**
 * Closes the open schedule runs of an execution that just ended, in the same transaction as the
 * outcome, so a de-duplicated trigger hash is released exactly when its workflow ends.
 */
export async function closeScheduleRuns(
  tx: Tx,
  executionId: string,
  outcome: 'Completed' | 'Failed' | 'Cancelled',
  nowMs: number,
): Promise<void> {
  const changed = await tx.run(
    `UPDATE schedule_runs SET status = ?, completed_at_ms = ?
     WHERE workflow_execution_id = ? AND status = 'open'`,
    [outcome.toLowerCase(), nowMs, executionId],
  );
  if (changed > 0) tx.signal('triggers');
}

/**
 * {@link closeScheduleRuns} as a write nobody reads back, for a transaction that reads nothing
 * (an execution that ends as it is scheduled). The trigger loop is woken whether or not a run
 * was open: a wake-up too many costs one look at the schedules.
 */
export function closeScheduleRunsLater(
  tx: Tx,
  executionId: string,
  outcome: 'Completed' | 'Failed' | 'Cancelled',
  nowMs: number,
): void {
  tx.write(
    `UPDATE schedule_runs SET status = ?, completed_at_ms = ?
     WHERE workflow_execution_id = ? AND status = 'open'`,
    [outcome.toLowerCase(), nowMs, executionId],
  );
  tx.signal('triggers');
}
