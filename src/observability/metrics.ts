/**
 * Prometheus metrics (prom-client) under `cloacina_*`, one registry per runner so several runners
 * in one process never clash, followed by the Node.js process metrics of one registry shared by
 * the whole process.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PRUNE_KINDS, type PruneCounts } from '../core/retention.js';
import type { ClaimOutcome, EngineMetrics, PollOutcome } from '../engine/metrics.js';

/** The `kind` label of each count: snake case, as Prometheus labels are. */
const PRUNE_METRIC_KINDS: Record<keyof PruneCounts, string> = {
  executions: 'executions',
  tasks: 'tasks',
  events: 'events',
  triggerRuns: 'trigger_runs',
  cronRuns: 'cron_runs',
};

const SECONDS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300];

let processRegistry: Registry | undefined;

/**
 * The registry of the Node.js process metrics (`process_*`, `nodejs_*`), made on first use and
 * shared by every runner of the process. One per process, not one per runner: the metrics
 * describe the process, and prom-client's collectors (a GC observer, an event-loop monitor) are
 * never released, so a registry per runner would add a set each time a runner is created.
 */
function processMetricsRegistry(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** What {@link createPrometheusMetrics} needs. */
export interface PrometheusMetricsOptions {
  readonly runnerId: string;
  /** Read at scrape time. */
  readonly activeWorkflows: () => Promise<number>;
  /** Read at scrape time. */
  readonly queuedExecutions: () => Promise<{ workflowName: string; count: number }[]>;
  /** Label every runner series with `runner_id` (see `MetricsOptions.runnerIdLabel`). */
  readonly runnerIdLabel: boolean;
  /** Append the process metrics (see `MetricsOptions.processMetrics`). */
  readonly processMetrics: boolean;
}

/** Creates the Prometheus metrics of one runner. */
export function createPrometheusMetrics(options: PrometheusMetricsOptions): EngineMetrics {
  const registry = new Registry();
  if (options.runnerIdLabel) registry.setDefaultLabels({ runner_id: options.runnerId });
  const registers = [registry];
  const workflows = new Counter({
    name: 'cloacina_workflows_total',
    help: 'Workflow executions ended, by final status.',
    labelNames: ['status'],
    registers,
  });
  const tasks = new Counter({
    name: 'cloacina_tasks_total',
    help: 'Task attempts ended in this runner, by outcome.',
    labelNames: ['status'],
    registers,
  });
  const workflowDuration = new Histogram({
    name: 'cloacina_workflow_duration_seconds',
    help: 'Duration of workflow executions from start to outcome.',
    labelNames: ['status'],
    buckets: SECONDS,
    registers,
  });
  const taskDuration = new Histogram({
    name: 'cloacina_task_duration_seconds',
    help: 'Duration of task attempts.',
    labelNames: ['status'],
    buckets: SECONDS,
    registers,
  });
  new Gauge({
    name: 'cloacina_active_workflows',
    help: 'Workflow executions not yet ended (Scheduled, Queued, Pending, Running, Paused) in the database.',
    registers,
    async collect() {
      this.set(await options.activeWorkflows());
    },
  });
  new Gauge({
    name: 'cloacina_queued_executions',
    help: 'Workflow executions waiting as Queued for a place under a concurrency or rate limit, in the database.',
    labelNames: ['workflow'],
    registers,
    async collect() {
      this.reset();
      for (const { workflowName, count } of await options.queuedExecutions()) {
        this.set({ workflow: workflowName }, count);
      }
    },
  });
  const limitWaits = new Counter({
    name: 'cloacina_limit_waits_total',
    help: 'Waits for a limit in this runner, by kind: executions it scheduled that waited Queued (concurrency, rate); claims that passed over Ready work of a task at its limit (task).',
    labelNames: ['kind'],
    registers,
  });
  const activeTasks = new Gauge({
    name: 'cloacina_active_tasks',
    help: 'Tasks executing in this runner.',
    registers,
  });
  const claims = new Counter({
    name: 'cloacina_claim_attempts_total',
    help: 'Claim attempts, by outcome.',
    labelNames: ['outcome'],
    registers,
  });
  const swept = new Counter({
    name: 'cloacina_stale_claims_swept_total',
    help: 'Stale claims of silent runners returned to Ready.',
    registers,
  });
  const abandoned = new Counter({
    name: 'cloacina_tasks_abandoned_total',
    help: 'Tasks failed as ABANDONED after too many stale-claim recoveries.',
    registers,
  });
  const polls = new Counter({
    name: 'cloacina_trigger_polls_total',
    help: 'Event-trigger polls, by outcome (skip, fire, deduplicated, error, timeout).',
    labelNames: ['trigger', 'outcome'],
    registers,
  });
  // No trigger label: a histogram per trigger is ~15 series each (a thousand triggers, fifteen
  // thousand series) and a labelled observe per poll; the per-trigger view is the counter above.
  const pollDuration = new Histogram({
    name: 'cloacina_trigger_poll_duration_seconds',
    help: 'Duration of event-trigger polls (all triggers).',
    labelNames: [],
    buckets: SECONDS,
    registers,
  });
  const cronFires = new Counter({
    name: 'cloacina_cron_fires_total',
    help: 'Cron scheduled times handed off to a workflow execution.',
    registers,
  });
  const cronMissed = new Counter({
    name: 'cloacina_cron_missed_ticks_total',
    help: 'Cron scheduled times missed during downtime and not run (catch-up policy).',
    registers,
  });
  const pruned = new Counter({
    name: 'cloacina_pruned_rows_total',
    help: 'Rows deleted by retention and prune() in this runner, by kind (executions, tasks, events, trigger_runs, cron_runs).',
    labelNames: ['kind'],
    registers,
  });

  return {
    taskFinished(status, durationMs) {
      tasks.inc({ status });
      taskDuration.observe({ status }, durationMs / 1000);
    },
    workflowFinished(status, durationMs) {
      workflows.inc({ status });
      if (durationMs !== null) workflowDuration.observe({ status }, durationMs / 1000);
    },
    setActiveTasks(count) {
      activeTasks.set(count);
    },
    claimAttempt(outcome: ClaimOutcome, count) {
      claims.inc({ outcome }, outcome === 'claimed' ? count : 1);
    },
    staleClaimsSwept(recovered, lost) {
      if (recovered > 0) swept.inc(recovered);
      if (lost > 0) abandoned.inc(lost);
    },
    triggerPoll(trigger, outcome: PollOutcome, durationMs) {
      polls.inc({ trigger, outcome });
      pollDuration.observe(durationMs / 1000);
    },
    cronFired(count) {
      cronFires.inc(count);
    },
    cronMissed(count) {
      cronMissed.inc(count);
    },
    limitWait(kind) {
      limitWaits.inc({ kind });
    },
    pruned(counts: PruneCounts) {
      for (const kind of PRUNE_KINDS) {
        if (counts[kind] > 0) pruned.inc({ kind: PRUNE_METRIC_KINDS[kind] }, counts[kind]);
      }
    },
    async render() {
      const own = await registry.metrics();
      return options.processMetrics ? `${own}\n${await processMetricsRegistry().metrics()}` : own;
    },
  };
}
