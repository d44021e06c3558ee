/**
 * The registry of runners, written once for both dialects: each runner keeps its own row fresh,
 * and readers see which runners are live, what they run and how many tasks they hold.
 */
import type { Tx } from '../db.js';

/** What a runner writes about itself. Times are epoch milliseconds. */
export interface RunnerPresenceInput {
  readonly runnerId: string;
  /** The configured `runnerName`, or null. */
  readonly name: string | null;
  readonly hostname: string;
  readonly pid: number;
  readonly startedAtMs: number;
  /** The runner's `staleClaimThreshold`: past it without a heartbeat, the runner is not live. */
  readonly staleAfterMs: number;
  readonly workflows: readonly string[];
  readonly nowMs: number;
  /** Rows stopped, or silent, since before this time are deleted in the same write. */
  readonly pruneBeforeMs: number;
}

/** A runner's row with the number of tasks it holds Running. */
export interface RunnerRecord {
  readonly runnerId: string;
  readonly name: string | null;
  readonly hostname: string;
  readonly pid: number;
  readonly startedAtMs: number;
  readonly heartbeatAtMs: number;
  readonly staleAfterMs: number;
  readonly stoppedAtMs: number | null;
  readonly workflows: readonly string[];
  readonly claims: number;
}

interface RunnerRow {
  id: string;
  name: string | null;
  hostname: string;
  pid: number;
  started_at_ms: number;
  heartbeat_at_ms: number;
  stale_after_ms: number;
  stopped_at_ms: number | null;
  workflows: string;
  claims: number | null;
}

/**
 * Writes the runner's row: its start, its heartbeat, its workflows. An upsert every time, so a
 * row deleted meanwhile (a runner silent for a day, then back) comes back with the next
 * refresh, and a runner id reused by a new process describes that process. Stale rows of other
 * runners go in the same round trip, which keeps the table bounded without a loop of its own.
 */
export function upsertRunner(tx: Tx, input: RunnerPresenceInput): Promise<void> {
  tx.write(
    `INSERT INTO runners
       (id, name, hostname, pid, started_at_ms, heartbeat_at_ms, stale_after_ms, workflows, stopped_at_ms)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)
     ON CONFLICT (id) DO UPDATE SET
       name = excluded.name,
       hostname = excluded.hostname,
       pid = excluded.pid,
       started_at_ms = excluded.started_at_ms,
       heartbeat_at_ms = excluded.heartbeat_at_ms,
       stale_after_ms = excluded.stale_after_ms,
       workflows = excluded.workflows,
       stopped_at_ms = NULL`,
    [
      input.runnerId,
      input.name,
      input.hostname,
      input.pid,
      input.startedAtMs,
      input.nowMs,
      input.staleAfterMs,
      JSON.stringify(input.workflows),
    ],
  );
  tx.write(`DELETE FROM runners WHERE COALESCE(stopped_at_ms, heartbeat_at_ms) < ? AND id <> ?`, [
    input.pruneBeforeMs,
    input.runnerId,
  ]);
  return Promise.resolve();
}

/** Marks a runner stopped at `nowMs`. */
export async function markRunnerStopped(
  tx: Tx,
  input: { runnerId: string; nowMs: number },
): Promise<void> {
  await tx.run('UPDATE runners SET stopped_at_ms = ? WHERE id = ?', [input.nowMs, input.runnerId]);
}

/**
 * Runners, newest heartbeat first: only the live ones (not stopped, heartbeat within their own
 * threshold of `nowMs`) unless `includeStopped`. Claims are counted in one pass over the held
 * tasks; the filter names Deferred too so that both backends read the partial index of held
 * tasks (`status IN ('Running', 'Deferred')`), and only Running ones are counted.
 */
export async function listRunners(
  tx: Tx,
  input: { nowMs: number; includeStopped: boolean },
): Promise<RunnerRecord[]> {
  const rows = await tx.all<RunnerRow>(
    `SELECT r.*, c.n AS claims FROM runners r
     LEFT JOIN (
       SELECT claimed_by, SUM(CASE WHEN status = 'Running' THEN 1 ELSE 0 END) AS n
       FROM task_executions WHERE status IN ('Running', 'Deferred') GROUP BY claimed_by
     ) c ON c.claimed_by = r.id
     ${input.includeStopped ? '' : 'WHERE r.stopped_at_ms IS NULL AND r.heartbeat_at_ms + r.stale_after_ms >= ?'}
     ORDER BY r.heartbeat_at_ms DESC, r.id`,
    input.includeStopped ? [] : [input.nowMs],
  );
  return rows.map((row) => ({
    runnerId: row.id,
    name: row.name,
    hostname: row.hostname,
    pid: row.pid,
    startedAtMs: row.started_at_ms,
    heartbeatAtMs: row.heartbeat_at_ms,
    staleAfterMs: row.stale_after_ms,
    stoppedAtMs: row.stopped_at_ms === null ? null : row.stopped_at_ms,
    workflows: JSON.parse(row.workflows) as string[],
    claims: row.claims === null ? 0 : row.claims,
  }));
}
