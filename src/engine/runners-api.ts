/** Public shape of the runner registry: which runners are live, what they run and hold. */
import type { RunnerRecord } from '../store/store.js';
import type { Store } from '../store/store.js';

/** One runner as its registry row describes it. */
export interface RunnerInfo {
  /** The runner's id: the `claimedBy` of its tasks and the `runnerId` of its events. */
  readonly runnerId: string;
  /** Its configured `runnerName`, or null when none was given. */
  readonly name: string | null;
  readonly hostname: string;
  readonly pid: number;
  readonly startedAt: Date;
  /** Its latest heartbeat (refreshed every `heartbeatInterval` of that runner). */
  readonly heartbeatAt: Date;
  /**
   * Not stopped, and its latest heartbeat is within its own `staleClaimThreshold` of now (past
   * it, other runners take its claims back as stale).
   */
  readonly live: boolean;
  /** When it shut down, or null. */
  readonly stoppedAt: Date | null;
  /** The names of the workflows registered in it, sorted. */
  readonly workflows: readonly string[];
  /** The tasks it holds Running now. */
  readonly claims: number;
}

/** Options of `listRunners`. */
export interface ListRunnersOptions {
  /** Include runners that stopped or went silent (the registry keeps them for a day). @default false */
  includeStopped?: boolean;
}

function toRunnerInfo(record: RunnerRecord, nowMs: number): RunnerInfo {
  return {
    runnerId: record.runnerId,
    name: record.name,
    hostname: record.hostname,
    pid: record.pid,
    startedAt: new Date(record.startedAtMs),
    heartbeatAt: new Date(record.heartbeatAtMs),
    live: record.stoppedAtMs === null && record.heartbeatAtMs + record.staleAfterMs >= nowMs,
    stoppedAt: record.stoppedAtMs === null ? null : new Date(record.stoppedAtMs),
    workflows: record.workflows,
    claims: record.claims,
  };
}

/** Runners, newest heartbeat first: live ones, or every one kept with `includeStopped`. */
export async function listRunners(
  store: Store,
  nowMs: number,
  options: ListRunnersOptions = {},
): Promise<RunnerInfo[]> {
  const records = await store.listRunners({
    nowMs,
    includeStopped: options.includeStopped === true,
  });
  return records.map((record) => toRunnerInfo(record, nowMs));
}
