/**
 * Pruning: deleting ended executions with everything keyed by them, and old trigger and cron
 * history, in batches. The same SQL in both dialects.
 *
 * What an execution owns: its `task_executions` rows and its `execution_events` rows (task log
 * lines included). It is *referenced*, not owned, by other executions' `rerun_of` / `rerun_by`
 * and by `schedule_runs.workflow_execution_id` / `open_execution_id`: those are plain ids
 * without a foreign key, kept as they are (a dangling id reads as "pruned"), so pruning never
 * writes to a row it does not delete, least of all to a rerun still running.
 *
 * A batch deletes at most `limit` rows in one transaction, so a claim or completion waiting
 * behind it (SQLite's single writer) waits for at most one batch. It takes the ended
 * executions of a status that started first (a window of {@link EXECUTION_WINDOW}) and deletes
 * their events first, then their tasks, then the executions left with neither: an execution
 * row goes last, so an execution half pruned when a batch ends (or the process dies) is still
 * found by the next.
 * The executions a batch deletes are subtracted from the statistics' minute rollups in the same
 * transaction, so the statistics keep counting exactly the executions left.
 */
import type { PrunableStatus, PruneCounts } from '../../core/retention.js';
import { NO_PRUNE_COUNTS, PRUNABLE_STATUSES } from '../../core/retention.js';
import type { Tx } from '../db.js';
import {
  holdRolledRange,
  subtractPruned,
  type PrunedExecution,
  type RolledRange,
} from './stats-rollups.js';

/** Counts being added up. */
type Tally = { -readonly [K in keyof PruneCounts]: number };

/** Executions of one status that ended before `beforeMs` are to be pruned. */
export interface ExecutionCut {
  readonly status: PrunableStatus;
  readonly beforeMs: number;
}

/**
 * Executions a batch works on at most: small enough that its rows are read through the
 * per-execution indexes, large enough that executions with few rows still fill a batch.
 */
export const EXECUTION_WINDOW = 250;

/** The terminal statuses as an SQL list: a second guard that nothing else is ever selected. */
const TERMINAL = PRUNABLE_STATUSES.map((s) => `'${s}'`).join(', ');

/**
 * Executions of one cut, oldest start first, along `workflow_executions_by_status (status,
 * created_at_ms, id)`. Parameters: status, status, `beforeMs`, `beforeMs`. An execution that
 * ended before the cut started before it too, so the walk is a seek into the cut's status, in
 * the index's order (no sort), that passes over only the executions of the status that started
 * before the cut and ended after it. The index of end times would walk past every kept
 * execution of the other statuses that ended earlier (a cut of Failed at 7 days under a cut of
 * Completed at 90 walked 83 days of Completed at every batch).
 *
 * The end time is compared in a form no index serves, and the terminal guard checks the bound
 * status, not the column: as a second range correlated with the first, or as a per-row filter,
 * they made PostgreSQL expect a handful of rows, and read them all and sort them.
 *
 * An execution whose end a runner with a clock behind wrote before its start waits for a
 * later prune. One that a trigger or cron run still names as open is kept: cron recovery would
 * take its missing execution for a lost hand-off and start it again (only rows written before
 * runs were closed with their execution can be in that state).
 */
const PRUNABLE_EXECUTION = `e.status = ? AND CAST(? AS TEXT) IN (${TERMINAL})
  AND e.created_at_ms < ? AND (e.completed_at_ms + 0) < ?
  AND (e.schedule_linked = 0 OR NOT EXISTS (
    SELECT 1 FROM schedule_runs r WHERE r.workflow_execution_id = e.id AND r.status = 'open'))`;

/** The parameters of {@link PRUNABLE_EXECUTION} for `cut`. */
function prunableParams(cut: ExecutionCut): (string | number)[] {
  return [cut.status, cut.status, cut.beforeMs, cut.beforeMs];
}

/** The window of a batch. Parameters: those of {@link PRUNABLE_EXECUTION}, then its size. */
export const PRUNE_WINDOW = `SELECT e.id FROM workflow_executions e WHERE ${PRUNABLE_EXECUTION}
  ORDER BY e.created_at_ms, e.id LIMIT ?`;

/** Run statuses that are final (every status but 'open'). */
const FINAL_RUNS = `'completed', 'failed', 'cancelled', 'deduplicated', 'error', 'missed', 'lost'`;

/**
 * History rows older than the cut: started before it (`schedule_runs_by_started`) and, for a
 * row of counted suppressions that is still growing, last touched before it too. Parameters:
 * `beforeMs`, `beforeMs`. No condition on the kind: on SQLite, which keeps no statistics, an
 * equality on it would pick `schedule_runs_open (schedule_kind, status)` and read the kind's
 * whole history on every batch; the kind of each deleted row is returned instead.
 */
const PRUNABLE_RUN = `started_at_ms < ? AND status IN (${FINAL_RUNS})
  AND COALESCE(completed_at_ms, started_at_ms) < ?`;

/** Trigger and cron events that name no execution ('' by `appendEvent`). Parameter: `beforeMs`. */
const PRUNABLE_SCHEDULE_EVENT = `execution_id = '' AND created_at_ms < ?`;

/**
 * One batch of execution pruning: deletes at most `limit` rows (events, tasks, executions) of
 * executions past their cut, in one transaction. Counts all zero means nothing is left.
 */
export async function pruneExecutionsBatch(
  tx: Tx,
  input: { cuts: readonly ExecutionCut[]; limit: number },
): Promise<PruneCounts> {
  let budget = input.limit;
  let events = 0;
  let tasks = 0;
  let executions = 0;
  let rolled: RolledRange | undefined;
  for (const cut of input.cuts) {
    if (budget <= 0) break;
    const window = [...prunableParams(cut), EXECUTION_WINDOW];
    const eventRows = await tx.run(
      `DELETE FROM execution_events WHERE id IN (
         SELECT v.id FROM execution_events v WHERE v.execution_id IN (${PRUNE_WINDOW}) LIMIT ?)`,
      [...window, budget],
    );
    events += eventRows;
    budget -= eventRows;
    if (budget <= 0) break;
    const taskRows = await tx.run(
      `DELETE FROM task_executions WHERE id IN (
         SELECT t.id FROM task_executions t WHERE t.execution_id IN (${PRUNE_WINDOW}) LIMIT ?)`,
      [...window, budget],
    );
    tasks += taskRows;
    budget -= taskRows;
    if (budget <= 0) break;
    // Only executions with nothing left: a log line a cancelled task wrote after this batch's
    // event delete keeps its execution until the next batch takes the line too.
    // The rollups lose what the delete takes, in the same commit (see `stats-rollups.ts`).
    rolled ??= await holdRolledRange(tx);
    const deleted = await tx.all<PrunedExecution>(
      `DELETE FROM workflow_executions WHERE id IN (
         SELECT w.id FROM workflow_executions w
         WHERE w.id IN (${PRUNE_WINDOW})
           AND NOT EXISTS (SELECT 1 FROM task_executions t WHERE t.execution_id = w.id)
           AND NOT EXISTS (SELECT 1 FROM execution_events v WHERE v.execution_id = w.id)
         LIMIT ?)
       RETURNING completed_at_ms, status`,
      [...window, budget],
    );
    await subtractPruned(tx, rolled, deleted);
    executions += deleted.length;
    budget -= deleted.length;
  }
  return { ...NO_PRUNE_COUNTS, executions, tasks, events };
}

/**
 * One batch of history pruning: deletes at most `limit` trigger runs, cron runs and trigger
 * and cron events of no execution from before `beforeMs`, in one transaction.
 */
export async function pruneHistoryBatch(
  tx: Tx,
  input: { beforeMs: number; limit: number },
): Promise<PruneCounts> {
  const counts: Tally = { ...NO_PRUNE_COUNTS };
  const runs = await tx.all<{ schedule_kind: string }>(
    `DELETE FROM schedule_runs WHERE id IN (
       SELECT id FROM schedule_runs WHERE ${PRUNABLE_RUN} LIMIT ?)
     RETURNING schedule_kind`,
    [input.beforeMs, input.beforeMs, input.limit],
  );
  for (const run of runs) {
    if (run.schedule_kind === 'cron') counts.cronRuns += 1;
    else counts.triggerRuns += 1;
  }
  const budget = input.limit - runs.length;
  if (budget <= 0) return counts;
  counts.events = await tx.run(
    `DELETE FROM execution_events WHERE id IN (
       SELECT id FROM execution_events WHERE ${PRUNABLE_SCHEDULE_EVENT} LIMIT ?)`,
    [input.beforeMs, budget],
  );
  return counts;
}

/**
 * What pruning with these cuts (and history before `historyBeforeMs`, unless null) would
 * delete now: the rows the batches would find, counted without deleting any.
 */
export async function countPrunable(
  tx: Tx,
  input: { cuts: readonly ExecutionCut[]; historyBeforeMs: number | null },
): Promise<PruneCounts> {
  const counts: Tally = { ...NO_PRUNE_COUNTS };
  const owned = `IN (SELECT e.id FROM workflow_executions e WHERE ${PRUNABLE_EXECUTION})`;
  for (const cut of input.cuts) {
    const params = prunableParams(cut);
    const row = await tx.get<{ executions: number; tasks: number; events: number }>(
      `SELECT
         (SELECT COUNT(*) FROM workflow_executions e WHERE ${PRUNABLE_EXECUTION}) AS executions,
         (SELECT COUNT(*) FROM task_executions WHERE execution_id ${owned}) AS tasks,
         (SELECT COUNT(*) FROM execution_events WHERE execution_id ${owned}) AS events`,
      [...params, ...params, ...params],
    );
    counts.executions += row?.executions ?? 0;
    counts.tasks += row?.tasks ?? 0;
    counts.events += row?.events ?? 0;
  }
  const before = input.historyBeforeMs;
  if (before === null) return counts;
  const runs = await tx.all<{ schedule_kind: string; n: number }>(
    `SELECT schedule_kind, COUNT(*) AS n FROM schedule_runs WHERE ${PRUNABLE_RUN}
     GROUP BY schedule_kind`,
    [before, before],
  );
  for (const run of runs) {
    if (run.schedule_kind === 'cron') counts.cronRuns += run.n;
    else counts.triggerRuns += run.n;
  }
  const events = await tx.get<{ n: number }>(
    `SELECT COUNT(*) AS n FROM execution_events WHERE ${PRUNABLE_SCHEDULE_EVENT}`,
    [before],
  );
  counts.events += events?.n ?? 0;
  return counts;
}
