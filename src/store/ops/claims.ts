/**
 * Claims: a runner takes Ready tasks atomically (one conditional UPDATE … RETURNING; where
 * writers run concurrently, `FOR UPDATE SKIP LOCKED` so concurrent claimers never block on or
 * double-claim a row), keeps them alive with heartbeats, hands them back on shutdown, and
 * sweeps claims whose holder went silent. This file is where claiming is decided, for every
 * backend.
 */
import { randomUUID } from 'node:crypto';
import type { JsonObject } from '../../core/json.js';
import type { DialectSyntax, Tx } from '../db.js';
import { EventType } from '../rows.js';
import type { ClaimBatch, ClaimInput, ClaimRef, ClaimedTask, SweepOutcome } from '../records.js';
import { appendEvent, placeholders } from './events.js';
import { EXECUTION_MAY_RUN, recheck } from './filters.js';
import { recordFinished } from './progress.js';
import { chooseWithinLimits, limitsToApply, readyIn, type LimitedChoice } from './task-limits.js';

interface ClaimedRow {
  id: string;
  execution_id: string;
  workflow_name: string;
  task_id: string;
  attempt: number;
  /** The task's input, or the execution's initial context when it has none. */
  input: string;
  dependents: string;
  workflow_version: string;
  execution_status: string;
  /** Only from the claim-and-start statement: whether it started the execution itself. */
  started?: boolean;
}

/**
 * The Ready rows in claim order, as three segments each walked along its own partial index
 * (migration 19): priorities above 0 (highest first), priority 0 (the default), priorities below
 * 0; within a priority, oldest ready first, so a large DAG's tasks do not starve an execution
 * submitted after it. Splitting at 0 keeps work without a priority on a walk that ends at now,
 * whatever number of rows are dated later.
 */
const SEGMENTS = [
  { where: 't.priority > 0', order: 't.priority DESC, t.ready_at_ms, t.position, t.id' },
  { where: 't.priority = 0', order: 't.ready_at_ms, t.position, t.id' },
  { where: 't.priority < 0', order: 't.priority DESC, t.ready_at_ms, t.position, t.id' },
] as const;

/**
 * Ids of Ready tasks of the named workflows whose time has come and whose execution may run, in
 * claim order, at most `LIMIT` (the last parameter). Each segment is a subquery with its own
 * order and limit; `UNION ALL` reads them in turn and the outer `LIMIT` stops the read once it
 * has enough, so a segment after a full one is never walked. The execution is checked per
 * candidate ({@link EXECUTION_MAY_RUN}), so each segment walks its partial index in claim order
 * and stops, whatever the statistics say. `lock` (`FOR UPDATE … SKIP LOCKED`, where writers run
 * concurrently) applies in each segment, below its limit, so rows other claimers hold are
 * passed, not counted. Parameters: for each segment, now, the `workflowCount` names and the
 * limit; then the limit.
 */
export function readyCandidates(workflowCount: number, lock: string): string {
  const segments = SEGMENTS.map(
    (segment, i) => `SELECT id FROM (
         SELECT t.id FROM task_executions t
         WHERE t.status = 'Ready' AND ${segment.where} AND t.ready_at_ms <= ?
           AND ${EXECUTION_MAY_RUN}
           AND t.workflow_name IN (${placeholders(workflowCount)})
         ORDER BY ${segment.order}
         LIMIT ?${lock}) s${i}`,
  );
  return `SELECT id FROM (${segments.join('\n       UNION ALL ')}) c LIMIT ?`;
}

/** The parameters of {@link readyCandidates}. */
function candidateParams(input: {
  nowMs: number;
  workflowNames: readonly string[];
  limit: number;
}): (string | number)[] {
  const segment = [input.nowMs, ...input.workflowNames, input.limit];
  return [...segment, ...segment, ...segment, input.limit];
}

/**
 * The attempts of `idCount` ids (a claim under task limits chose them, in claim order: see
 * `task-limits.ts`), each still Ready, as these conditions re-check. Parameters: now, the
 * `workflowCount` names, the ids, their count.
 */
function chosenCandidates(workflowCount: number, idCount: number, lock: string): string {
  return `SELECT t.id FROM task_executions t
       WHERE t.status = 'Ready' AND t.ready_at_ms <= ?
         AND ${EXECUTION_MAY_RUN}
         AND t.workflow_name IN (${placeholders(workflowCount)})
         AND t.id IN (${placeholders(idCount)})
       LIMIT ?${lock}`;
}

/**
 * The claim: marks up to `LIMIT` Ready tasks of the named workflows Running, highest priority
 * first, then oldest ready first (see {@link readyCandidates}); with `idCount`, only the
 * attempts a claim under task limits chose ({@link chosenCandidates}). Parameters: runner id,
 * claim id, now (×3), then those of the candidates ({@link claimParams} builds them). The
 * execution heads a task needs to start come back with it (subqueries in RETURNING), which
 * saves a read, a round trip on PostgreSQL.
 */
export function claimStatement(
  syntax: DialectSyntax,
  workflowCount: number,
  idCount?: number,
): string {
  const lock = syntax.forUpdateOfSkipLocked('t');
  return `UPDATE task_executions
     SET status = 'Running', claimed_by = ?, claim_id = ?, heartbeat_at_ms = ?,
         attempt_started_at_ms = ?, started_at_ms = COALESCE(started_at_ms, ?)
     WHERE id IN (${
       idCount === undefined
         ? readyCandidates(workflowCount, lock)
         : chosenCandidates(workflowCount, idCount, lock)
     })
     RETURNING id, execution_id, workflow_name, task_id, attempt, dependents,
       COALESCE(input_context,
                (SELECT initial_context FROM workflow_executions h WHERE h.id = execution_id)) AS input,
       (SELECT workflow_version FROM workflow_executions h WHERE h.id = execution_id) AS workflow_version,
       (SELECT status FROM workflow_executions h WHERE h.id = execution_id) AS execution_status`;
}

/** The parameters of {@link claimStatement}; with `ids`, of the claim of those attempts. */
export function claimParams(input: {
  runnerId: string;
  claimId: string;
  nowMs: number;
  workflowNames: readonly string[];
  limit: number;
  ids?: readonly string[];
}): (string | number)[] {
  const candidates =
    input.ids === undefined
      ? candidateParams(input)
      : [input.nowMs, ...input.workflowNames, ...input.ids, input.ids.length];
  return [input.runnerId, input.claimId, input.nowMs, input.nowMs, input.nowMs, ...candidates];
}

/**
 * The claim that also starts the Pending executions of the tasks it takes, for a backend that
 * chains writes (`Capabilities.chainedWrites`): the start is a second data-modifying statement
 * of the same query, so a claim costs one round trip, not two. It locks those executions in id
 * order (see `RowLocks`) and re-checks Pending after the lock, so of two claimers that both
 * took a task of one Pending execution, only the first starts it. Each row says whether this
 * statement started its execution. Parameters: those of {@link claimStatement}
 * ({@link claimParams}), then now (×2).
 */
export function claimAndStartStatement(
  syntax: DialectSyntax,
  workflowCount: number,
  idCount?: number,
): string {
  return `WITH claimed AS (${claimStatement(syntax, workflowCount, idCount)}),
     started AS (
       UPDATE workflow_executions SET status = 'Running', started_at_ms = ?, updated_at_ms = ?
       WHERE id IN (SELECT id FROM workflow_executions
                    WHERE id IN (SELECT execution_id FROM claimed
                                 WHERE execution_status IN ('Scheduled', 'Pending'))
                      AND ${recheck('status', "'Scheduled', 'Pending'")}
                    ORDER BY id${syntax.forUpdate})
         AND ${recheck('status', "'Scheduled', 'Pending'")}
       RETURNING id)
     SELECT claimed.*, started.id IS NOT NULL AS started
     FROM claimed LEFT JOIN started ON started.id = claimed.execution_id`;
}

/**
 * Execution statuses the first claim of one of its tasks moves to Running: written (Pending) or
 * written with a start time that has now come (Scheduled).
 */
const NOT_STARTED: ReadonlySet<string> = new Set(['Scheduled', 'Pending']);

/** Whether a Ready task of the named workflows waits, as a claim would see it. */
async function readyWaiting(
  tx: Tx,
  input: { nowMs: number; workflowNames: readonly string[] },
): Promise<boolean> {
  const rows = await tx.all(
    readyCandidates(input.workflowNames.length, ''),
    candidateParams({ ...input, limit: 1 }),
  );
  return rows.length > 0;
}

/**
 * Claims up to `limit` Ready tasks of the named workflows, highest priority first, then oldest
 * ready first, and says whether more were left waiting (see `ClaimBatch.moreReady`). A claim
 * that took fewer than `limit` left none. One that took `limit` looks again, unless claims skip
 * held rows (`Capabilities.claimsSkipHeldRows`): then rows other claimers hold look Ready to
 * such a look, so a full claim answers "maybe" (true). With `taskLimits`, attempts of a
 * limited task without a free place are passed over and the claim says so (`limited`); they
 * are not "more Ready" for it.
 *
 * Where writes chain, the claim and the start of its executions are one statement; otherwise
 * the start is a second statement, which costs no round trip there.
 */
export async function claimReadyTasks(tx: Tx, input: ClaimInput): Promise<ClaimBatch> {
  if (input.workflowNames.length === 0 || input.limit <= 0) return { tasks: [], moreReady: false };
  const limits = limitsToApply(input);
  // Only a claimer with limited tasks among its workflows chooses first (see task-limits.ts).
  const choice: LimitedChoice | undefined =
    limits.length === 0 ? undefined : await chooseWithinLimits(tx, input, limits);
  if (choice !== undefined && choice.ids.length === 0) {
    return { tasks: [], moreReady: false, ...(choice.limited ? { limited: true } : {}) };
  }
  const claimId = randomUUID();
  const ids = choice?.ids;
  const params = claimParams({ ...input, claimId, ...(ids === undefined ? {} : { ids }) });
  let claimed: ClaimedRow[];
  let started: Set<string>;
  let moreReady = false;
  if (tx.capabilities.chainedWrites) {
    claimed = await tx.all<ClaimedRow>(
      claimAndStartStatement(tx.syntax, input.workflowNames.length, ids?.length),
      [...params, input.nowMs, input.nowMs],
    );
    started = new Set(claimed.filter((row) => row.started === true).map((row) => row.execution_id));
  } else {
    claimed = await tx.all<ClaimedRow>(
      claimStatement(tx.syntax, input.workflowNames.length, ids?.length),
      params,
    );
    // Executions not started yet start now. A status read as Running cannot go back, so a claim
    // whose executions all run already writes nothing more.
    const pending = [
      ...new Set(
        claimed
          .filter((row) => NOT_STARTED.has(row.execution_status))
          .map((row) => row.execution_id),
      ),
    ];
    started = new Set(pending.length > 0 ? await startExecutions(tx, pending, input.nowMs) : []);
  }
  let limited = false;
  if (choice !== undefined) {
    // A chosen attempt another claimer took meanwhile leaves a place or a slot unused: look again.
    moreReady = choice.full || claimed.length < choice.ids.length;
    limited = choice.limited || (await readyIn(tx, input, choice.closed));
  } else if (claimed.length === input.limit) {
    moreReady = tx.capabilities.claimsSkipHeldRows ? true : await readyWaiting(tx, input);
  }
  const held = limited ? { limited: true } : {};
  if (claimed.length === 0) return { tasks: [], moreReady, ...held };
  for (const executionId of [...started].sort()) {
    appendEvent(tx, {
      executionId,
      type: EventType.WorkflowStarted,
      runnerId: input.runnerId,
      nowMs: input.nowMs,
    });
  }
  const tasks: ClaimedTask[] = [];
  for (const row of claimed) {
    appendEvent(tx, {
      executionId: row.execution_id,
      taskId: row.task_id,
      type: EventType.TaskStarted,
      data: { attempt: row.attempt },
      runnerId: input.runnerId,
      nowMs: input.nowMs,
    });
    tasks.push({
      taskExecutionId: row.id,
      claimId,
      executionId: row.execution_id,
      workflowName: row.workflow_name,
      workflowVersion: row.workflow_version,
      taskId: row.task_id,
      attempt: row.attempt,
      input: JSON.parse(row.input) as JsonObject,
      hasDependents: row.dependents !== '[]',
      claimedAtMs: input.nowMs,
    });
  }
  return { tasks, moreReady, ...held };
}

/**
 * Marks Scheduled or Pending executions Running; returns the ids it started. Two claimers may
 * both have read one not started: the status guard lets only the first write, so the start is
 * recorded once.
 */
async function startExecutions(
  tx: Tx,
  executionIds: readonly string[],
  nowMs: number,
): Promise<string[]> {
  const started = await tx.all<{ id: string }>(
    `UPDATE workflow_executions SET status = 'Running', started_at_ms = ?, updated_at_ms = ?
     WHERE id IN (${placeholders(executionIds.length)})
       AND ${recheck('status', "'Scheduled', 'Pending'")}
     RETURNING id`,
    [nowMs, nowMs, ...executionIds],
  );
  return started.map(({ id }) => id);
}

/**
 * Refreshes heartbeats in one statement; returns the claims that are no longer held by their
 * holder. With row locks the rows are locked in id order first, the order every multi-row
 * writer of running tasks uses, so a heartbeat never deadlocks with the sweeper.
 */
export async function heartbeat(
  tx: Tx,
  input: { claims: readonly ClaimRef[]; nowMs: number },
): Promise<ClaimRef[]> {
  if (input.claims.length === 0) return [];
  const ids = input.claims.map((claim) => claim.taskExecutionId);
  const pairs = input.claims.flatMap((claim) => [claim.taskExecutionId, claim.claimId]);
  const lock = tx.locks.idOrderPrefix('task_executions', ids);
  const rows = await tx.all<{ id: string; claim_id: string }>(
    `UPDATE task_executions SET heartbeat_at_ms = ?
     WHERE ${lock.where}(id, claim_id) IN (VALUES ${input.claims.map(() => '(?, ?)').join(', ')})
       AND ${recheck('status', "'Running', 'Deferred'")}
     RETURNING id, claim_id`,
    [input.nowMs, ...lock.params, ...pairs],
  );
  const held = new Set(rows.map((row) => `${row.id}/${row.claim_id}`));
  return input.claims.filter((claim) => !held.has(`${claim.taskExecutionId}/${claim.claimId}`));
}

/** Hands held claims back: the tasks become Ready at once, for any runner. */
export async function releaseClaims(
  tx: Tx,
  input: { claims: readonly ClaimRef[]; nowMs: number; runnerId: string },
): Promise<number> {
  let released = 0;
  for (const claim of input.claims) {
    const row = await tx.get<{ execution_id: string; task_id: string }>(
      `UPDATE task_executions
       SET status = 'Ready', ready_at_ms = ?, claimed_by = NULL, claim_id = NULL, heartbeat_at_ms = NULL
       WHERE id = ? AND claim_id = ? AND status IN ('Running', 'Deferred')
       RETURNING execution_id, task_id`,
      [input.nowMs, claim.taskExecutionId, claim.claimId],
    );
    if (row === undefined) continue;
    released += 1;
    appendEvent(tx, {
      executionId: row.execution_id,
      taskId: row.task_id,
      type: EventType.TaskReleased,
      runnerId: input.runnerId,
      nowMs: input.nowMs,
    });
    tx.signal('tasks');
  }
  return released;
}

interface StaleRow {
  id: string;
  execution_id: string;
  task_id: string;
  recovery_attempts: number;
  claimed_by: string | null;
  dependents: string;
}

/** Largest number of stale claims handled by one sweep transaction. */
const SWEEP_BATCH = 100;

/** The oldest claims whose heartbeat is older than the parameter (the partial claims index). */
export const STALE_CLAIMS = `SELECT id, execution_id, task_id, recovery_attempts, claimed_by, dependents
  FROM task_executions WHERE status IN ('Running', 'Deferred') AND heartbeat_at_ms < ?
  ORDER BY heartbeat_at_ms LIMIT ${SWEEP_BATCH}`;

/**
 * Returns silent claims to Ready (`recoveryAttempts + 1`), or fails the task as `ABANDONED:` once
 * it was recovered `maxRecoveryAttempts` times. Terminal tasks are never touched: only Running and
 * Deferred rows carry a claim.
 */
export async function sweepStaleClaims(
  tx: Tx,
  input: { nowMs: number; staleBeforeMs: number; maxRecoveryAttempts: number; runnerId: string },
): Promise<SweepOutcome> {
  const stale = await tx.all<StaleRow>(STALE_CLAIMS, [input.staleBeforeMs]);
  let recovered = 0;
  let abandoned = 0;
  // Row locks in id order, like heartbeats: the sweep and a late heartbeat never deadlock.
  stale.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const row of stale) {
    const guard = `id = ? AND status IN ('Running', 'Deferred') AND heartbeat_at_ms < ?`;
    const recoveries = row.recovery_attempts;
    if (recoveries >= input.maxRecoveryAttempts) {
      tx.locks.rowsInIdOrder(tx, 'workflow_executions', [row.execution_id]);
      const message =
        `ABANDONED: task '${row.task_id}' lost its runner (${row.claimed_by ?? 'unknown'}) ` +
        `${recoveries + 1} times; it was recovered ${recoveries} time(s), the limit set by maxRecoveryAttempts.`;
      const changed = await tx.run(
        `UPDATE task_executions
         SET status = 'Failed', error_message = ?, completed_at_ms = ?,
             claimed_by = NULL, claim_id = NULL, heartbeat_at_ms = NULL
         WHERE ${guard}`,
        [message, input.nowMs, row.id, input.staleBeforeMs],
      );
      if (changed === 0) continue;
      abandoned += 1;
      await recordFinished(tx, {
        executionId: row.execution_id,
        taskId: row.task_id,
        dependentsJson: row.dependents,
        failed: true,
        event: EventType.TaskAbandoned,
        data: { error: message, recoveryAttempts: recoveries },
        nowMs: input.nowMs,
        runnerId: input.runnerId,
      });
    } else {
      const changed = await tx.run(
        `UPDATE task_executions
         SET status = 'Ready', ready_at_ms = ?, recovery_attempts = recovery_attempts + 1,
             claimed_by = NULL, claim_id = NULL, heartbeat_at_ms = NULL
         WHERE ${guard}`,
        [input.nowMs, row.id, input.staleBeforeMs],
      );
      if (changed === 0) continue;
      recovered += 1;
      appendEvent(tx, {
        executionId: row.execution_id,
        taskId: row.task_id,
        type: EventType.TaskRecovered,
        data: { recoveryAttempts: recoveries + 1, previousRunner: row.claimed_by },
        runnerId: input.runnerId,
        nowMs: input.nowMs,
      });
      tx.signal('tasks');
    }
  }
  return { recovered, abandoned };
}
