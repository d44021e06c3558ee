/**
 * What the engine reports to metrics. The engine sees only this interface; the
 * Prometheus implementation lives in `observability/`.
 */
import type { PruneCounts } from '../core/retention.js';

/** Outcome of one trigger poll. */
export type PollOutcome = 'skip' | 'fire' | 'deduplicated' | 'error' | 'timeout';

/** Outcome of one claim attempt. */
export type ClaimOutcome = 'claimed' | 'empty' | 'error';

/**
 * How a task attempt run by this runner ended. Metric label values are lower snake case, as
 * Prometheus labels usually are and as every other label here is (`outcome`, `kind`).
 */
export type TaskOutcome = 'completed' | 'failed' | 'retried' | 'claim_lost';

/** Metrics sink of one runner. */
export interface EngineMetrics {
  /** A task attempt run by this runner ended. */
  taskFinished(status: TaskOutcome, durationMs: number): void;
  /** A workflow outcome recorded by this runner: `completed`, `failed` or `cancelled`. */
  workflowFinished(status: string, durationMs: number | null): void;
  /** Tasks executing in this runner right now. */
  setActiveTasks(count: number): void;
  claimAttempt(outcome: ClaimOutcome, tasks: number): void;
  staleClaimsSwept(recovered: number, abandoned: number): void;
  triggerPoll(trigger: string, outcome: PollOutcome, durationMs: number): void;
  cronFired(count: number): void;
  cronMissed(count: number): void;
  /**
   * Something waits for a limit; `kind` names the limit: `concurrency` or `rate`, an execution
   * scheduled by this runner waits Queued; `task`, a claim of this runner passed over Ready work
   * of a task whose concurrency limit had no free place.
   */
  limitWait(kind: string): void;
  /** Rows deleted by pruning in this runner (one batch, or a whole on-demand prune). */
  pruned(counts: PruneCounts): void;
  /** The metrics in the Prometheus text format. */
  render(): Promise<string>;
}

/** Metrics that record nothing. */
export const noMetrics: EngineMetrics = {
  taskFinished: () => undefined,
  workflowFinished: () => undefined,
  setActiveTasks: () => undefined,
  claimAttempt: () => undefined,
  staleClaimsSwept: () => undefined,
  triggerPoll: () => undefined,
  cronFired: () => undefined,
  cronMissed: () => undefined,
  limitWait: () => undefined,
  pruned: () => undefined,
  render: () => Promise.resolve(''),
};
