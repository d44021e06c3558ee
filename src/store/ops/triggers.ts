/**
 * Event-trigger schedules and their history, written once for both dialects. History
 * shares `schedule_runs` with cron (`schedule_kind = 'trigger'`, `schedule_key` = trigger name).
 */
import type { RateLimitSlot } from '../../core/rate-limit.js';
import { randomUUID } from 'node:crypto';
import type { JsonObject } from '../../core/json.js';
import type { SqlValue, Tx } from '../db.js';
import type { ClaimedTask, NewTask } from '../records.js';
import { freeText } from '../text.js';
import { EventType } from '../rows.js';
import { scheduleExecution } from './executions.js';
import { appendEvent, placeholders } from './events.js';

/** A trigger's durable schedule row. Times are epoch milliseconds. */
export interface TriggerScheduleRecord {
  readonly triggerName: string;
  readonly workflowName: string;
  readonly pollIntervalMs: number;
  readonly allowConcurrent: boolean;
  readonly enabled: boolean;
  readonly lastPollAtMs: number | null;
  readonly skips: number;
  readonly lastSkipReason: string | null;
  readonly consecutiveErrors: number;
  readonly lastError: string | null;
  readonly lastErrorAtMs: number | null;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

/** Status of one history row of a trigger. */
export type TriggerRunStatus =
  'open' | 'completed' | 'failed' | 'cancelled' | 'deduplicated' | 'error';

/**
 * One history row of a trigger: a fire, the fires suppressed by one open execution with one
 * context hash, or a poll error.
 */
export interface TriggerRunRecord {
  readonly id: string;
  readonly triggerName: string;
  readonly workflowName: string | null;
  readonly contextHash: string | null;
  readonly workflowExecutionId: string | null;
  /**
   * For a 'deduplicated' row: the open execution that suppressed its fires (null in rows
   * written before migration 7).
   */
  readonly openExecutionId: string | null;
  readonly status: TriggerRunStatus;
  /** Fires the row stands for: 1, or every suppressed fire of a 'deduplicated' row. */
  readonly count: number;
  readonly errorMessage: string | null;
  /** When the fire happened; for a 'deduplicated' row, the first suppressed fire. */
  readonly startedAtMs: number;
  /** When the run ended; for a 'deduplicated' row, the latest suppressed fire. */
  readonly completedAtMs: number | null;
}

/** Input of {@link fireTrigger}. */
export interface TriggerFireInput {
  readonly triggerName: string;
  /** The id the new execution gets (also the link written into the history row). */
  readonly executionId: string;
  readonly workflowName: string;
  readonly workflowVersion: string;
  readonly tasks: readonly NewTask[];
  /** The fired context including `trigger_name` and `triggered_at`. */
  readonly context: JsonObject;
  readonly contextHash: string;
  /** True to suppress the fire while an open run with the same hash exists. */
  readonly deduplicate: boolean;
  readonly nowMs: number;
  readonly runnerId: string;
  /** Root tasks to claim for `runnerId` in the fire's own transaction (see `NewExecution`). */
  readonly claimRoots?: number;
  /** The concurrency group of a workflow with a limit (see `NewExecution`). */
  readonly concurrency?: { readonly key: string; readonly limit: number };
  /** The rate group of a workflow with a rate limit (see `NewExecution`). */
  readonly rateLimit?: RateLimitSlot;
}

/** What {@link fireTrigger} did. */
export type TriggerFireOutcome =
  | {
      readonly status: 'fired';
      readonly runId: string;
      readonly executionId: string;
      /** The root tasks claimed for the firing runner (`claimRoots`); empty otherwise. */
      readonly claimed: readonly ClaimedTask[];
    }
  | {
      readonly status: 'deduplicated';
      /** The history row that counts this suppressed fire (shared with earlier ones). */
      readonly runId: string;
      /** The still-open execution that suppressed this fire (null if it closed meanwhile). */
      readonly openExecutionId: string | null;
    };

interface ScheduleRow {
  trigger_name: string;
  workflow_name: string;
  poll_interval_ms: number;
  allow_concurrent: number;
  enabled: number;
  last_poll_at_ms: number | null;
  skips: number;
  last_skip_reason: string | null;
  consecutive_errors: number;
  last_error: string | null;
  last_error_at_ms: number | null;
  created_at_ms: number;
  updated_at_ms: number;
}

interface RunRow {
  id: string;
  schedule_key: string;
  workflow_name: string | null;
  context_hash: string | null;
  workflow_execution_id: string | null;
  open_execution_id: string | null;
  status: string;
  fire_count: number;
  error_message: string | null;
  started_at_ms: number;
  completed_at_ms: number | null;
}

function toSchedule(row: ScheduleRow): TriggerScheduleRecord {
  return {
    triggerName: row.trigger_name,
    workflowName: row.workflow_name,
    pollIntervalMs: row.poll_interval_ms,
    allowConcurrent: row.allow_concurrent === 1,
    enabled: row.enabled === 1,
    lastPollAtMs: row.last_poll_at_ms,
    skips: row.skips,
    lastSkipReason: row.last_skip_reason,
    consecutiveErrors: row.consecutive_errors,
    lastError: row.last_error,
    lastErrorAtMs: row.last_error_at_ms,
    createdAtMs: row.created_at_ms,
    updatedAtMs: row.updated_at_ms,
  };
}

function toRun(row: RunRow): TriggerRunRecord {
  return {
    id: row.id,
    triggerName: row.schedule_key,
    workflowName: row.workflow_name,
    contextHash: row.context_hash,
    workflowExecutionId: row.workflow_execution_id,
    openExecutionId: row.open_execution_id,
    status: row.status as TriggerRunStatus,
    count: row.fire_count,
    errorMessage: row.error_message,
    startedAtMs: row.started_at_ms,
    completedAtMs: row.completed_at_ms,
  };
}

let sequence = 0;

/**
 * History ids sort in creation order (time, then a per-process sequence), so "newest first"
 * stays exact for rows written in the same millisecond; the random tail keeps them unique
 * across processes.
 */
function runId(nowMs: number): string {
  sequence = (sequence + 1) % 0x100000000;
  const time = Math.max(0, Math.trunc(nowMs)).toString(16).padStart(12, '0');
  return `${time}-${sequence.toString(16).padStart(8, '0')}-${randomUUID().slice(0, 13)}`;
}

/** What a registration writes into a schedule row. */
export interface TriggerScheduleUpsert {
  readonly triggerName: string;
  readonly workflowName: string;
  readonly pollIntervalMs: number;
  readonly allowConcurrent: boolean;
  readonly nowMs: number;
}

/**
 * The upsert of `count` schedule rows. Re-registration updates workflow, interval and
 * concurrency but never `enabled` (an operator's disable survives redeploys) nor
 * `last_poll_at_ms` (a restart does not re-poll everything at once).
 */
function upsertStatement(count: number): string {
  return `INSERT INTO trigger_schedules
       (trigger_name, workflow_name, poll_interval_ms, allow_concurrent, enabled, created_at_ms, updated_at_ms)
     VALUES ${new Array<string>(count).fill('(?, ?, ?, ?, 1, ?, ?)').join(', ')}
     ON CONFLICT (trigger_name) DO UPDATE SET
       workflow_name = excluded.workflow_name,
       poll_interval_ms = excluded.poll_interval_ms,
       allow_concurrent = excluded.allow_concurrent,
       updated_at_ms = excluded.updated_at_ms
     RETURNING *`;
}

/** The parameters of one row of {@link upsertStatement}. */
const upsertParams = (input: TriggerScheduleUpsert): (string | number)[] => [
  input.triggerName,
  input.workflowName,
  input.pollIntervalMs,
  input.allowConcurrent ? 1 : 0,
  input.nowMs,
  input.nowMs,
];

/** Creates or updates a schedule row (see {@link upsertStatement}). */
export async function upsertTriggerSchedule(
  tx: Tx,
  input: TriggerScheduleUpsert,
): Promise<TriggerScheduleRecord> {
  const row = await tx.get<ScheduleRow>(upsertStatement(1), upsertParams(input));
  tx.signal('triggers');
  return toSchedule(row!);
}

/**
 * {@link upsertTriggerSchedule} for several rows in one transaction and, when their names
 * differ, one statement: registrations made together share one commit and one round trip (on
 * PostgreSQL, commits that NOTIFY run one at a time). Returns the rows in the order of `inputs`.
 */
export async function upsertTriggerSchedules(
  tx: Tx,
  inputs: readonly TriggerScheduleUpsert[],
): Promise<TriggerScheduleRecord[]> {
  const names = new Set(inputs.map((input) => input.triggerName));
  if (inputs.length < 2 || names.size < inputs.length) {
    // PostgreSQL refuses one statement that updates a row twice: a repeated name goes in order.
    const records: TriggerScheduleRecord[] = [];
    for (const input of inputs) records.push(await upsertTriggerSchedule(tx, input));
    return records;
  }
  const rows = await tx.all<ScheduleRow>(
    upsertStatement(inputs.length),
    inputs.flatMap(upsertParams),
  );
  tx.signal('triggers');
  // RETURNING follows no promised order: matched by name.
  const byName = new Map(rows.map((row) => [row.trigger_name, toSchedule(row)]));
  return inputs.map((input) => byName.get(input.triggerName)!);
}

/** The schedule row of `triggerName`, or null. */
export async function getTriggerSchedule(
  tx: Tx,
  triggerName: string,
): Promise<TriggerScheduleRecord | null> {
  const row = await tx.get<ScheduleRow>('SELECT * FROM trigger_schedules WHERE trigger_name = ?', [
    triggerName,
  ]);
  return row === undefined ? null : toSchedule(row);
}

/** Schedule rows by name. */
export async function listTriggerSchedules(
  tx: Tx,
  filter: { enabledOnly: boolean; limit: number; offset: number; afterName?: string },
): Promise<TriggerScheduleRecord[]> {
  const where: string[] = [];
  const params: (string | number)[] = [];
  if (filter.enabledOnly) where.push('enabled = 1');
  if (filter.afterName !== undefined) {
    where.push('trigger_name > ?');
    params.push(filter.afterName);
  }
  const rows = await tx.all<ScheduleRow>(
    `SELECT * FROM trigger_schedules ${where.length > 0 ? `WHERE ${where.join(' AND ')} ` : ''}
     ORDER BY trigger_name LIMIT ? OFFSET ?`,
    [...params, filter.limit, filter.offset],
  );
  return rows.map(toSchedule);
}

/** Enables or disables a schedule; null when there is none. */
export async function setTriggerEnabled(
  tx: Tx,
  input: { triggerName: string; enabled: boolean; nowMs: number },
): Promise<TriggerScheduleRecord | null> {
  const row = await tx.get<ScheduleRow>(
    `UPDATE trigger_schedules SET enabled = ?, updated_at_ms = ? WHERE trigger_name = ? RETURNING *`,
    [input.enabled ? 1 : 0, input.nowMs, input.triggerName],
  );
  if (row !== undefined) tx.signal('triggers');
  return row === undefined ? null : toSchedule(row);
}

/**
 * Deletes a schedule row; its history is kept as an audit trail (open runs are still closed
 * when their workflows end). Returns whether a row existed.
 */
export async function deleteTriggerSchedule(tx: Tx, triggerName: string): Promise<boolean> {
  const changed = await tx.run('DELETE FROM trigger_schedules WHERE trigger_name = ?', [
    triggerName,
  ]);
  if (changed > 0) tx.signal('triggers');
  return changed > 0;
}

/** Enabled schedules due at `nowMs`, least recently polled first (never polled first of all). */
export async function findDueTriggers(
  tx: Tx,
  input: { nowMs: number },
): Promise<TriggerScheduleRecord[]> {
  const rows = await tx.all<ScheduleRow>(
    `SELECT * FROM trigger_schedules
     WHERE enabled = 1 AND (last_poll_at_ms IS NULL OR last_poll_at_ms + poll_interval_ms <= ?)
     ORDER BY CASE WHEN last_poll_at_ms IS NULL THEN 0 ELSE 1 END, last_poll_at_ms, trigger_name`,
    [input.nowMs],
  );
  return rows.map(toSchedule);
}

/**
 * Claims polls: moves `last_poll_at_ms` of each named trigger that is still enabled and due to
 * the time its poll starts, in one conditional UPDATE. That time is the claim's `nowMs`, or for a
 * poll claimed ahead of its due time, `startAtMs` (parallel to `triggerNames`); a trigger is due
 * when its last poll plus its interval is at most that time. The condition is re-checked under
 * the row lock (Postgres) or the single writer (SQLite), so of several runners racing for one
 * interval exactly one gets the row back. `now` is read inside the transaction, once the write
 * lock is held, so the stored time is as close as possible to the poll it licenses (waiting for
 * another writer does not shorten the next interval). `records`, polls that finished since the
 * last claim, are written first in the same round trip (see {@link recordTriggerPolls}).
 * Returns the claimed rows.
 */
export async function claimTriggerPolls(
  tx: Tx,
  input: {
    triggerNames: readonly string[];
    now: () => number;
    startAtMs?: readonly number[];
    records?: readonly TriggerPollSuccess[];
  },
): Promise<TriggerScheduleRecord[]> {
  const nowMs = input.now();
  if (input.records !== undefined) recordTriggerPolls(tx, { polls: input.records, nowMs });
  const names = input.triggerNames;
  if (names.length === 0) return [];
  const starts = names.map((_, i) => Math.max(nowMs, input.startAtMs?.[i] ?? nowMs));
  // `+enabled` keeps the planners on the primary key: on `enabled = 1` SQLite picked the due
  // index and scanned every enabled row per claim (PostgreSQL ANDed that whole index in).
  if (starts.every((at) => at === nowMs)) {
    const rows = await tx.all<ScheduleRow>(
      `UPDATE trigger_schedules SET last_poll_at_ms = ?, updated_at_ms = ?
       WHERE trigger_name IN (${placeholders(names.length)}) AND +enabled = 1
         AND (last_poll_at_ms IS NULL OR last_poll_at_ms + poll_interval_ms <= ?)
       RETURNING *`,
      [nowMs, nowMs, ...names, nowMs],
    );
    return rows.map(toSchedule);
  }
  const startOf = timeByName(names, (_, i) => starts[i]!);
  const rows = await tx.all<ScheduleRow>(
    `UPDATE trigger_schedules SET last_poll_at_ms = ${startOf.sql}, updated_at_ms = ?
     WHERE trigger_name IN (${placeholders(names.length)}) AND +enabled = 1
       AND (last_poll_at_ms IS NULL OR last_poll_at_ms + poll_interval_ms <= ${startOf.sql})
     RETURNING *`,
    [...startOf.params, nowMs, ...names, ...startOf.params],
  );
  return rows.map(toSchedule);
}

/**
 * A poll that started well after its claim (it waited for a slot): recording it moves
 * `last_poll_at_ms` from the claim time to the start, so `lastPollAt` stays when the poll started
 * and the next one is due an interval after that. Only a row that still holds the claim time is
 * moved: a later claim or an operator's change wins.
 */
export interface TriggerPollStart {
  readonly claimedAtMs: number;
  readonly startedAtMs: number;
}

/** One successful poll (Skip or Fire) to record with {@link recordTriggerPolls}. */
export interface TriggerPollSuccess {
  readonly triggerName: string;
  readonly skipped: boolean;
  readonly skipReason: string | null;
  /** The trigger's error streak when the poll was claimed: a Fire resets it when non-zero. */
  readonly errorStreak: number;
  /** Set when the poll started well after its claim (see {@link TriggerPollStart}). */
  readonly started?: TriggerPollStart;
}

/**
 * Moves `last_poll_at_ms` of the polls in `starts` (by trigger name) from their claim time to
 * their start, in one statement; a row that no longer holds the claim time is left alone.
 */
function moveLastPollToStart(tx: Tx, starts: ReadonlyMap<string, TriggerPollStart>): void {
  if (starts.size === 0) return;
  const names = [...starts.keys()];
  const started = timeByName(names, (name) => starts.get(name)!.startedAtMs);
  const claimed = timeByName(names, (name) => starts.get(name)!.claimedAtMs);
  tx.write(
    `UPDATE trigger_schedules SET last_poll_at_ms = ${started.sql}
     WHERE trigger_name IN (${placeholders(names.length)}) AND last_poll_at_ms = ${claimed.sql}`,
    [...started.params, ...names, ...claimed.params],
  );
}

/** `CASE trigger_name WHEN … THEN <time> … END`: a time (epoch ms) per trigger of `names`. */
function timeByName(
  names: readonly string[],
  timeOf: (name: string, index: number) => number,
): { sql: string; params: SqlValue[] } {
  // The casts type the parameters on PostgreSQL, where a CASE of bare parameters is text.
  return {
    sql: `CASE trigger_name ${names.map(() => 'WHEN ? THEN CAST(? AS BIGINT)').join(' ')} END`,
    params: names.flatMap((name, i) => [name, timeOf(name, i)]),
  };
}

/**
 * Records successful polls (Skips and Fires) in a few set-based statements, so a loop polling
 * a thousand triggers a second writes per batch, not per poll: each Skip is counted with its
 * reason and ends its trigger's error streak, and each Fire after errors ends the streak.
 * Every statement stands alone (it touches only its own triggers' counters), so the batch may
 * run under autocommit; nothing is read back, so on PostgreSQL it travels with the next statement.
 */
export function recordTriggerPolls(
  tx: Tx,
  input: { polls: readonly TriggerPollSuccess[]; nowMs: number },
): void {
  // Skips grouped by (count, last reason): one UPDATE per group, usually exactly one.
  const skipped = new Map<string, { count: number; reason: string | null }>();
  for (const poll of input.polls) {
    if (!poll.skipped) continue;
    const seen = skipped.get(poll.triggerName);
    skipped.set(poll.triggerName, {
      count: (seen?.count ?? 0) + 1,
      reason: freeText(poll.skipReason),
    });
  }
  const groups = new Map<string, { count: number; reason: string | null; names: string[] }>();
  for (const [name, { count, reason }] of skipped) {
    const key = JSON.stringify([count, reason]);
    const group = groups.get(key) ?? { count, reason, names: [] };
    group.names.push(name);
    groups.set(key, group);
  }
  for (const { count, reason, names } of groups.values()) {
    tx.write(
      `UPDATE trigger_schedules
       SET skips = skips + ?, last_skip_reason = ?, consecutive_errors = 0, updated_at_ms = ?
       WHERE trigger_name IN (${placeholders(names.length)})`,
      [count, reason, input.nowMs, ...names],
    );
  }
  const firedAfterErrors = [
    ...new Set(
      input.polls
        .filter((p) => !p.skipped && p.errorStreak > 0 && !skipped.has(p.triggerName))
        .map((p) => p.triggerName),
    ),
  ];
  if (firedAfterErrors.length > 0) {
    tx.write(
      `UPDATE trigger_schedules SET consecutive_errors = 0, updated_at_ms = ?
       WHERE trigger_name IN (${placeholders(firedAfterErrors.length)})`,
      [input.nowMs, ...firedAfterErrors],
    );
  }
  const starts = new Map<string, TriggerPollStart>();
  for (const poll of input.polls) {
    if (poll.started !== undefined) starts.set(poll.triggerName, poll.started);
  }
  moveLastPollToStart(tx, starts);
}

/**
 * Records a failed poll (thrown, timed out, bad result, reserved key, or a fire that could not
 * be scheduled): a history row with status 'error', the streak counters on the schedule and a
 * `trigger_poll_failed` feed event. Returns the streak length including this error.
 */
export async function recordTriggerError(
  tx: Tx,
  input: {
    triggerName: string;
    workflowName: string | null;
    errorMessage: string;
    nowMs: number;
    runnerId?: string;
    /** Set when the failed poll started well after its claim (see {@link TriggerPollStart}). */
    started?: TriggerPollStart;
  },
): Promise<number> {
  const errorMessage = freeText(input.errorMessage);
  if (input.started !== undefined) {
    moveLastPollToStart(tx, new Map([[input.triggerName, input.started]]));
  }
  await tx.run(
    `INSERT INTO schedule_runs
       (id, schedule_kind, schedule_key, workflow_name, status, error_message, started_at_ms, completed_at_ms)
     VALUES (?, 'trigger', ?, ?, 'error', ?, ?, ?)`,
    [
      runId(input.nowMs),
      input.triggerName,
      input.workflowName,
      errorMessage,
      input.nowMs,
      input.nowMs,
    ],
  );
  const row = await tx.get<{ consecutive_errors: number; workflow_name: string }>(
    `UPDATE trigger_schedules
     SET consecutive_errors = consecutive_errors + 1, last_error = ?, last_error_at_ms = ?, updated_at_ms = ?
     WHERE trigger_name = ? RETURNING consecutive_errors, workflow_name`,
    [errorMessage, input.nowMs, input.nowMs, input.triggerName],
  );
  const streak = row === undefined ? 1 : row.consecutive_errors;
  appendEvent(tx, {
    executionId: null,
    workflowName: input.workflowName ?? row?.workflow_name ?? null,
    type: EventType.TriggerPollFailed,
    data: { trigger: input.triggerName, error: errorMessage, consecutiveErrors: streak },
    runnerId: input.runnerId ?? null,
    nowMs: input.nowMs,
  });
  return streak;
}

/** Whether `count` is a power of two: the suppressions that append a feed event. */
function isPowerOfTwo(count: number): boolean {
  return count > 0 && (count & (count - 1)) === 0;
}

/**
 * Fires a trigger in one transaction: either the open history row and the workflow execution
 * (linked by `workflow_execution_id`), or — when de-duplicating and an open run with the same
 * hash exists — a suppressed fire and nothing else. The open row is inserted with
 * `ON CONFLICT … DO NOTHING` against the partial unique index on open runs, so two runners
 * racing with the same hash cannot both start a workflow, and neither transaction aborts.
 *
 * Suppressed fires are counted, not stored one row each: the first one suppressed by an open
 * execution writes a 'deduplicated' row keyed by that execution and the hash, and each further
 * one adds to its `fire_count` and moves its `completed_at_ms` (an upsert on the partial unique
 * index of such rows). A trigger polled every 100 ms against a day-long execution keeps one row,
 * not 850,000. Another context, or the next execution once this one ended, starts a new row.
 *
 * The feed events commit with what they report: `trigger_fired` before the new execution's own
 * events, and `trigger_suppressed` at the 1st, 2nd, 4th… fire a row counts.
 */
export async function fireTrigger(tx: Tx, input: TriggerFireInput): Promise<TriggerFireOutcome> {
  const id = runId(input.nowMs);
  const run = `INSERT INTO schedule_runs
       (id, schedule_kind, schedule_key, workflow_name, workflow_execution_id, context_hash, dedup_key,
        status, started_at_ms)
     VALUES (?, 'trigger', ?, ?, ?, ?, ?, 'open', ?)`;
  const values = [
    id,
    input.triggerName,
    input.workflowName,
    input.executionId,
    input.contextHash,
    input.deduplicate ? input.contextHash : null,
    input.nowMs,
  ];
  let inserted: { id: string } | undefined = { id };
  if (input.deduplicate) {
    inserted = await tx.get<{ id: string }>(
      `${run} ON CONFLICT (schedule_kind, schedule_key, dedup_key) WHERE status = 'open'
       DO NOTHING RETURNING id`,
      values,
    );
  } else {
    // No dedup key, so no conflict: the row needs no answer, and travels with the execution's
    // statements (one round trip fewer on PostgreSQL).
    tx.write(run, values);
  }
  if (inserted === undefined) {
    const open = await tx.get<{ workflow_execution_id: string | null }>(
      `SELECT workflow_execution_id FROM schedule_runs
       WHERE schedule_kind = 'trigger' AND schedule_key = ? AND dedup_key = ? AND status = 'open'`,
      [input.triggerName, input.contextHash],
    );
    // NULL when the open run closed in between: a row of its own, as NULLs never conflict.
    const openExecutionId = open?.workflow_execution_id ?? null;
    const row = await tx.get<{ id: string; fire_count: number }>(
      `INSERT INTO schedule_runs
         (id, schedule_kind, schedule_key, workflow_name, open_execution_id, context_hash, status,
          fire_count, started_at_ms, completed_at_ms)
       VALUES (?, 'trigger', ?, ?, ?, ?, 'deduplicated', 1, ?, ?)
       ON CONFLICT (schedule_kind, schedule_key, open_execution_id, context_hash)
         WHERE status = 'deduplicated'
       DO UPDATE SET fire_count = schedule_runs.fire_count + 1,
         completed_at_ms = CASE WHEN excluded.completed_at_ms > schedule_runs.completed_at_ms
           THEN excluded.completed_at_ms ELSE schedule_runs.completed_at_ms END
       RETURNING id, fire_count`,
      [
        id,
        input.triggerName,
        input.workflowName,
        openExecutionId,
        input.contextHash,
        input.nowMs,
        input.nowMs,
      ],
    );
    // Not one event per suppressed fire: see `EventType.TriggerSuppressed`.
    const count = row!.fire_count;
    if (isPowerOfTwo(count)) {
      appendEvent(tx, {
        executionId: openExecutionId,
        workflowName: input.workflowName,
        type: EventType.TriggerSuppressed,
        data: { trigger: input.triggerName, contextHash: input.contextHash, count },
        runnerId: input.runnerId,
        nowMs: input.nowMs,
      });
    }
    return { status: 'deduplicated', runId: row!.id, openExecutionId };
  }
  // Before the execution's own events, which it starts.
  appendEvent(tx, {
    executionId: input.executionId,
    workflowName: input.workflowName,
    type: EventType.TriggerFired,
    data: { trigger: input.triggerName, contextHash: input.contextHash },
    runnerId: input.runnerId,
    nowMs: input.nowMs,
  });
  const { claimed } = await scheduleExecution(tx, {
    id: input.executionId,
    workflowName: input.workflowName,
    workflowVersion: input.workflowVersion,
    initialContext: input.context,
    tasks: input.tasks,
    nowMs: input.nowMs,
    runnerId: input.runnerId,
    scheduleLinked: true,
    claimRoots: input.claimRoots ?? 0,
    ...(input.concurrency !== undefined ? { concurrency: input.concurrency } : {}),
    ...(input.rateLimit !== undefined ? { rateLimit: input.rateLimit } : {}),
  });
  return { status: 'fired', runId: id, executionId: input.executionId, claimed };
}

/** History of a trigger, newest first. */
export async function getTriggerHistory(
  tx: Tx,
  input: {
    triggerName: string;
    limit: number;
    offset: number;
    after?: { startedAtMs: number; id: string };
  },
): Promise<TriggerRunRecord[]> {
  const params: (string | number)[] = [input.triggerName];
  let keyset = '';
  if (input.after !== undefined) {
    // A row-value comparison: the index scan starts right after the key on both backends.
    keyset = 'AND (started_at_ms, id) < (?, ?)';
    params.push(input.after.startedAtMs, input.after.id);
  }
  const rows = await tx.all<RunRow>(
    `SELECT id, schedule_key, workflow_name, context_hash, workflow_execution_id,
            open_execution_id, status, fire_count, error_message, started_at_ms, completed_at_ms
     FROM schedule_runs WHERE schedule_kind = 'trigger' AND schedule_key = ? ${keyset}
     ORDER BY started_at_ms DESC, id DESC LIMIT ? OFFSET ?`,
    [...params, input.limit, input.offset],
  );
  return rows.map(toRun);
}
