/**
 * Cron schedules and cron runs. Shared SQL for both dialects. Cron runs live in the
 * `schedule_runs` table shared with triggers (`schedule_kind = 'cron'`, `schedule_key` = the
 * schedule id), whose unique key `(schedule_kind, schedule_key, scheduled_time_ms)` is the
 * backstop of exactly-once firing behind the compare-and-set on `cron_schedules`.
 */
import { randomUUID } from 'node:crypto';
import type { JsonObject } from '../../core/json.js';
import type {
  CronClaimOutcome,
  CronFireClaim,
  CronLeftover,
  CronRecovery,
  CronRunCounts,
  CronRunRecord,
  CronRunStatus,
  CronSchedulePatch,
  CronScheduleRecord,
  CatchupPolicy,
  NewCronSchedule,
} from '../records.js';
import type { SqlValue, Tx } from '../db.js';
import type { StoreFaults } from '../faults.js';
import { EventType } from '../rows.js';
import type { ClaimedTask } from '../records.js';
import { appendEvent, placeholders } from './events.js';
import { scheduleExecution } from './executions.js';

/** A `cron_schedules` row (both adapters return BIGINT columns as numbers). */
interface ScheduleRow {
  id: string;
  workflow_name: string;
  expression: string;
  timezone: string;
  catchup_policy: string;
  enabled: number;
  context: string;
  start_at_ms: number | null;
  end_at_ms: number | null;
  next_run_at_ms: number | null;
  last_run_at_ms: number | null;
  version: number;
  created_at_ms: number;
  updated_at_ms: number;
}

/** A cron row of `schedule_runs`. */
interface RunRow {
  id: string;
  schedule_key: string;
  workflow_name: string | null;
  workflow_execution_id: string | null;
  scheduled_time_ms: number;
  status: string;
  missed_count: number | null;
  error_message: string | null;
  started_at_ms: number;
  completed_at_ms: number | null;
  recovery_attempts: number;
}

function toSchedule(row: ScheduleRow): CronScheduleRecord {
  return {
    id: row.id,
    workflowName: row.workflow_name,
    expression: row.expression,
    timezone: row.timezone,
    catchupPolicy: row.catchup_policy as CatchupPolicy,
    enabled: row.enabled === 1,
    context: JSON.parse(row.context) as JsonObject,
    startAtMs: row.start_at_ms,
    endAtMs: row.end_at_ms,
    nextRunAtMs: row.next_run_at_ms,
    lastRunAtMs: row.last_run_at_ms,
    version: row.version,
    createdAtMs: row.created_at_ms,
    updatedAtMs: row.updated_at_ms,
  };
}

function toRun(row: RunRow): CronRunRecord {
  return {
    id: row.id,
    scheduleId: row.schedule_key,
    workflowName: row.workflow_name,
    workflowExecutionId: row.workflow_execution_id,
    scheduledTimeMs: row.scheduled_time_ms,
    status: row.status as CronRunStatus,
    missedCount: row.missed_count,
    message: row.error_message,
    startedAtMs: row.started_at_ms,
    completedAtMs: row.completed_at_ms,
    recoveryAttempts: row.recovery_attempts,
  };
}

/** Writes a new schedule and wakes cron loops. */
export async function insertCronSchedule(
  tx: Tx,
  input: NewCronSchedule,
): Promise<CronScheduleRecord> {
  const row = await tx.get<ScheduleRow>(
    `INSERT INTO cron_schedules
       (id, workflow_name, expression, timezone, catchup_policy, enabled, context, start_at_ms,
        end_at_ms, next_run_at_ms, version, created_at_ms, updated_at_ms)
     VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, 1, ?, ?) RETURNING *`,
    [
      input.id,
      input.workflowName,
      input.expression,
      input.timezone,
      input.catchupPolicy,
      JSON.stringify(input.context),
      input.startAtMs,
      input.endAtMs,
      input.nextRunAtMs,
      input.nowMs,
      input.nowMs,
    ],
  );
  tx.signal('cron');
  return toSchedule(row!);
}

/** One schedule, or null. */
export async function getCronSchedule(tx: Tx, id: string): Promise<CronScheduleRecord | null> {
  const row = await tx.get<ScheduleRow>('SELECT * FROM cron_schedules WHERE id = ?', [id]);
  return row === undefined ? null : toSchedule(row);
}

/** Schedules, oldest first (a stable order for paging). */
export async function listCronSchedules(
  tx: Tx,
  filter: {
    enabledOnly: boolean;
    limit: number;
    offset: number;
    after?: { createdAtMs: number; id: string };
  },
): Promise<CronScheduleRecord[]> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (filter.enabledOnly) where.push('enabled = 1');
  if (filter.after !== undefined) {
    // A row-value comparison: the index scan starts right after the key on both backends.
    where.push('(created_at_ms, id) > (?, ?)');
    params.push(filter.after.createdAtMs, filter.after.id);
  }
  const rows = await tx.all<ScheduleRow>(
    `SELECT * FROM cron_schedules ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY created_at_ms, id LIMIT ? OFFSET ?`,
    [...params, filter.limit, filter.offset],
  );
  return rows.map(toSchedule);
}

/** Read, patch and write in one transaction, so a concurrent claim or update cannot interleave. */
export async function updateCronSchedule(
  tx: Tx,
  id: string,
  nowMs: number,
  change: (current: CronScheduleRecord) => CronSchedulePatch,
): Promise<CronScheduleRecord | null> {
  const current = await tx.get<ScheduleRow>(
    `SELECT * FROM cron_schedules WHERE id = ?${tx.syntax.forUpdate}`,
    [id],
  );
  if (current === undefined) return null;
  const patch = change(toSchedule(current));
  const row = await tx.get<ScheduleRow>(
    `UPDATE cron_schedules SET expression = ?, timezone = ?, enabled = ?, next_run_at_ms = ?,
       version = version + 1, updated_at_ms = ?
     WHERE id = ? RETURNING *`,
    [
      patch.expression ?? current.expression,
      patch.timezone ?? current.timezone,
      patch.enabled === undefined ? current.enabled : patch.enabled ? 1 : 0,
      patch.nextRunAtMs,
      nowMs,
      id,
    ],
  );
  tx.signal('cron');
  return toSchedule(row!);
}

/** Deletes a schedule; its history rows stay for audit. */
export async function deleteCronSchedule(tx: Tx, id: string): Promise<boolean> {
  const changed = await tx.run('DELETE FROM cron_schedules WHERE id = ?', [id]);
  if (changed > 0) tx.signal('cron');
  return changed > 0;
}

/** Enabled schedules of the named workflows that will fire again, earliest first. */
export async function dueCronSchedules(
  tx: Tx,
  filter: { workflowNames: readonly string[]; limit: number },
): Promise<CronScheduleRecord[]> {
  if (filter.workflowNames.length === 0) return [];
  const rows = await tx.all<ScheduleRow>(
    `SELECT * FROM cron_schedules
     WHERE enabled = 1 AND next_run_at_ms IS NOT NULL
       AND workflow_name IN (${placeholders(filter.workflowNames.length)})
     ORDER BY next_run_at_ms, id LIMIT ?`,
    [...filter.workflowNames, filter.limit],
  );
  return rows.map(toSchedule);
}

const CRON_TIME_CONFLICT =
  'ON CONFLICT (schedule_kind, schedule_key, scheduled_time_ms) DO NOTHING';

/**
 * Claims a due time: the compare-and-set on `(next_run_at_ms, version)` lets exactly one runner
 * through per scheduled time; the audit rows, the executions and their feed events
 * (`cron_missed`, `cron_fired`) commit with it, so a hand-off is never half done. A time
 * already in history (only possible if the compare-and-set were bypassed) is skipped rather
 * than failing the claim, which would retry it forever. `faults` (crash tests only) may kill the
 * process between a fire's history row and its execution.
 */
export async function claimCronFire(
  tx: Tx,
  claim: CronFireClaim,
  faults: StoreFaults = {},
): Promise<CronClaimOutcome> {
  const lastFired = claim.fires.at(-1)?.scheduledTimeMs ?? null;
  const changed = await tx.run(
    `UPDATE cron_schedules
     SET next_run_at_ms = ?, last_run_at_ms = COALESCE(?, last_run_at_ms), version = version + 1,
         updated_at_ms = ?
     WHERE id = ? AND version = ? AND next_run_at_ms = ? AND enabled = 1`,
    [
      claim.nextRunAtMs,
      lastFired,
      claim.nowMs,
      claim.scheduleId,
      claim.seenVersion,
      claim.seenNextRunAtMs,
    ],
  );
  if (changed === 0) return { claimed: false, fired: [], roots: [] };
  const runnerId = claim.runnerId ?? null;
  if (claim.missed !== null) {
    appendEvent(tx, {
      executionId: null,
      workflowName: claim.workflowName,
      type: EventType.CronMissed,
      data: {
        scheduleId: claim.scheduleId,
        count: claim.missed.count,
        firstScheduledTime: new Date(claim.missed.firstMs).toISOString(),
        message: claim.missed.message,
      },
      runnerId,
      nowMs: claim.nowMs,
    });
    await tx.run(
      `INSERT INTO schedule_runs
         (id, schedule_kind, schedule_key, workflow_name, scheduled_time_ms, status, missed_count,
          error_message, started_at_ms, completed_at_ms)
       VALUES (?, 'cron', ?, ?, ?, 'missed', ?, ?, ?, ?) ${CRON_TIME_CONFLICT}`,
      [
        randomUUID(),
        claim.scheduleId,
        claim.workflowName,
        claim.missed.firstMs,
        claim.missed.count,
        claim.missed.message,
        claim.nowMs,
        claim.nowMs,
      ],
    );
  }
  const fired: { scheduledTimeMs: number; executionId: string }[] = [];
  const roots: ClaimedTask[] = [];
  for (const fire of claim.fires) {
    const inserted = await tx.get<{ id: string }>(
      `INSERT INTO schedule_runs
         (id, schedule_kind, schedule_key, workflow_name, workflow_execution_id, scheduled_time_ms,
          status, started_at_ms)
       VALUES (?, 'cron', ?, ?, ?, ?, 'open', ?) ${CRON_TIME_CONFLICT} RETURNING id`,
      [
        randomUUID(),
        claim.scheduleId,
        claim.workflowName,
        fire.execution.id,
        fire.scheduledTimeMs,
        claim.nowMs,
      ],
    );
    if (inserted === undefined) continue;
    faults.cronBeforeHandOff?.();
    appendEvent(tx, {
      executionId: fire.execution.id,
      workflowName: claim.workflowName,
      type: EventType.CronFired,
      data: {
        scheduleId: claim.scheduleId,
        scheduledTime: new Date(fire.scheduledTimeMs).toISOString(),
      },
      runnerId,
      nowMs: claim.nowMs,
    });
    const scheduled = await scheduleExecution(tx, { ...fire.execution, scheduleLinked: true });
    roots.push(...scheduled.claimed);
    fired.push({ scheduledTimeMs: fire.scheduledTimeMs, executionId: fire.execution.id });
  }
  return { claimed: true, fired, roots };
}

/** History, newest scheduled time first. */
export async function cronHistory(
  tx: Tx,
  filter: { scheduleId: string; limit: number; offset: number; beforeTimeMs?: number },
): Promise<CronRunRecord[]> {
  // A scheduled time is unique within a schedule (`schedule_runs_cron_time`), so it alone is
  // the order and the keyset; the other keys never break a tie.
  const keyset = filter.beforeTimeMs === undefined ? '' : 'AND scheduled_time_ms < ?';
  const rows = await tx.all<RunRow>(
    `SELECT * FROM schedule_runs WHERE schedule_kind = 'cron' AND schedule_key = ? ${keyset}
     ORDER BY scheduled_time_ms DESC, started_at_ms DESC, id LIMIT ? OFFSET ?`,
    [
      filter.scheduleId,
      ...(filter.beforeTimeMs === undefined ? [] : [filter.beforeTimeMs]),
      filter.limit,
      filter.offset,
    ],
  );
  return rows.map(toRun);
}

/** Counts of runs recorded since `sinceMs`; `missed` sums the skipped times. */
export async function cronStats(tx: Tx, filter: { sinceMs: number }): Promise<CronRunCounts> {
  const row = await tx.get<Record<keyof CronRunCounts, number | null>>(
    `SELECT
       SUM(CASE WHEN status <> 'missed' THEN 1 ELSE 0 END) AS total,
       SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) AS successful,
       SUM(CASE WHEN status IN ('failed', 'cancelled') THEN 1 ELSE 0 END) AS failed,
       SUM(CASE WHEN status = 'lost' THEN 1 ELSE 0 END) AS lost,
       SUM(CASE WHEN status = 'missed' THEN missed_count ELSE 0 END) AS missed
     FROM schedule_runs WHERE schedule_kind = 'cron' AND started_at_ms >= ?`,
    [filter.sinceMs],
  );
  return {
    total: row?.total ?? 0,
    successful: row?.successful ?? 0,
    failed: row?.failed ?? 0,
    lost: row?.lost ?? 0,
    missed: row?.missed ?? 0,
  };
}

/**
 * Closes open cron runs whose execution already ended. The workflow's end closes its runs in
 * the same transaction, so this only repairs rows written before that link existed.
 */
export function closeFinishedCronRuns(tx: Tx, nowMs: number): Promise<number> {
  const execution = 'FROM workflow_executions e WHERE e.id = schedule_runs.workflow_execution_id';
  return tx.run(
    `UPDATE schedule_runs SET
       status = lower((SELECT e.status ${execution})),
       completed_at_ms = COALESCE((SELECT e.completed_at_ms ${execution}), ?)
     WHERE schedule_kind = 'cron' AND status = 'open' AND EXISTS
       (SELECT 1 ${execution} AND e.status IN ('Completed', 'Failed', 'Cancelled'))`,
    [nowMs],
  );
}

/** The run (`schedule_runs` aliased `r`, or not aliased) has no execution. */
const missingExecution = (run: string): string =>
  `(${run}.workflow_execution_id IS NULL OR NOT EXISTS
    (SELECT 1 FROM workflow_executions e WHERE e.id = ${run}.workflow_execution_id))`;

/** Open cron runs whose execution is missing: hand-offs a crash or an outside delete lost. */
export async function findCronLeftovers(
  tx: Tx,
  filter: { startedBeforeMs: number; limit: number },
): Promise<CronLeftover[]> {
  const rows = await tx.all<RunRow>(
    `SELECT r.* FROM schedule_runs r
     WHERE r.schedule_kind = 'cron' AND r.status = 'open' AND r.started_at_ms < ?
       AND ${missingExecution('r')}
     ORDER BY r.started_at_ms, r.id LIMIT ?`,
    [filter.startedBeforeMs, filter.limit],
  );
  const out: CronLeftover[] = [];
  for (const row of rows) {
    out.push({ run: toRun(row), schedule: await getCronSchedule(tx, row.schedule_key) });
  }
  return out;
}

/**
 * Re-hands a leftover off (new execution linked in the same transaction, with a `cron_fired`
 * event marked `recovered`) or marks it lost.
 */
export async function recoverCronRun(tx: Tx, input: CronRecovery): Promise<boolean> {
  const guard = `id = ? AND status = 'open' AND recovery_attempts = ? AND ${missingExecution('schedule_runs')}`;
  const params: SqlValue[] = [input.runId, input.seenRecoveryAttempts];
  if (input.execution === null) {
    const changed = await tx.run(
      `UPDATE schedule_runs SET status = 'lost', error_message = ?, completed_at_ms = ?
       WHERE ${guard}`,
      [input.lostReason, input.nowMs, ...params],
    );
    return changed > 0;
  }
  const run = await tx.get<{ schedule_key: string; scheduled_time_ms: number }>(
    `UPDATE schedule_runs SET workflow_execution_id = ?, workflow_name = ?,
       recovery_attempts = recovery_attempts + 1
     WHERE ${guard} RETURNING schedule_key, scheduled_time_ms`,
    [input.execution.id, input.execution.workflowName, ...params],
  );
  if (run === undefined) return false;
  appendEvent(tx, {
    executionId: input.execution.id,
    workflowName: input.execution.workflowName,
    type: EventType.CronFired,
    data: {
      scheduleId: run.schedule_key,
      scheduledTime: new Date(run.scheduled_time_ms).toISOString(),
      recovered: true,
    },
    runnerId: input.execution.runnerId,
    nowMs: input.nowMs,
  });
  await scheduleExecution(tx, { ...input.execution, scheduleLinked: true });
  return true;
}
