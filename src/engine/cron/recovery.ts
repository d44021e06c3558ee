/**
 * Reconciliation of cron runs left inconsistent. A fire writes its history row and
 * its execution in one transaction, so a crash cannot split them; what remains possible is a row
 * whose execution was removed from outside, or one that predates the link that closes runs when
 * their workflow ends. Each sweep closes runs whose workflow already ended, re-hands open runs
 * without an execution off (once per attempt, at most `cronMaxRecoveryAttempts`) and marks runs
 * `lost` when they are older than `cronMaxRecoveryAge`, out of attempts, or their schedule or
 * workflow is gone.
 */
import { limitsOf } from '../registry.js';
import { newExecutionId } from '../../core/execution-id.js';
import type { CronLeftover } from '../../store/store.js';
import { runContext } from './plan.js';
import type { ServiceContext } from '../service.js';

/** Leftovers handled per batch; a full batch makes the sweep continue. */
const BATCH = 100;

/** One recovery sweep; returns how many runs it closed, re-handed off or marked lost. */
export async function recoverCronRuns(ctx: ServiceContext): Promise<number> {
  const { store, clock, config, logger } = ctx;
  let handled = await store.closeFinishedCronRuns(clock.now());
  if (handled > 0) logger.info({ closed: handled }, 'closed cron runs whose workflow had ended');
  const seen = new Set<string>();
  for (;;) {
    const nowMs = clock.now();
    const leftovers = await store.findCronLeftovers({
      // Younger runs may still be in the middle of a hand-off by a slow runner.
      startedBeforeMs: nowMs - config.cronLostThresholdMs,
      limit: BATCH,
    });
    const fresh = leftovers.filter((l) => !seen.has(l.run.id));
    for (const leftover of fresh) {
      seen.add(leftover.run.id);
      if (await reconcile(ctx, leftover, nowMs)) handled += 1;
    }
    if (leftovers.length < BATCH || fresh.length === 0) return handled;
  }
}

async function reconcile(
  ctx: ServiceContext,
  leftover: CronLeftover,
  nowMs: number,
): Promise<boolean> {
  const { store, registry, config, logger, runnerId } = ctx;
  const { run, schedule } = leftover;
  const log = {
    schedule: run.scheduleId,
    run: run.id,
    scheduledTime: new Date(run.scheduledTimeMs).toISOString(),
  };
  const workflow = schedule === null ? undefined : registry.latest(schedule.workflowName);
  let lostReason: string | null = null;
  if (nowMs - run.startedAtMs > config.cronMaxRecoveryAgeMs) {
    lostReason = `older than cronMaxRecoveryAge (${config.cronMaxRecoveryAgeMs} ms)`;
  } else if (run.recoveryAttempts >= config.cronMaxRecoveryAttempts) {
    lostReason = `gave up after ${run.recoveryAttempts} recovery attempt(s) (cronMaxRecoveryAttempts)`;
  } else if (schedule === null) {
    lostReason = 'its cron schedule was deleted';
  } else if (workflow === undefined) {
    // Another runner that has the workflow will recover it; this one leaves it alone.
    return false;
  }
  if (lostReason !== null || schedule === null || workflow === undefined) {
    const reason = `lost: the hand-off of this run never reached a workflow execution; ${lostReason ?? 'no schedule'}.`;
    const done = await store.recoverCronRun({
      runId: run.id,
      seenRecoveryAttempts: run.recoveryAttempts,
      execution: null,
      lostReason: reason,
      nowMs,
    });
    if (done) logger.warn({ ...log, reason }, 'cron run lost');
    return done;
  }
  const initialContext = runContext(schedule, run.scheduledTimeMs);
  const execution = {
    id: newExecutionId(),
    workflowName: schedule.workflowName,
    workflowVersion: workflow.version,
    initialContext,
    tasks: registry.plan(workflow),
    nowMs,
    runnerId,
    ...limitsOf(workflow, initialContext),
  };
  const done = await store.recoverCronRun({
    runId: run.id,
    seenRecoveryAttempts: run.recoveryAttempts,
    execution,
    lostReason: '',
    nowMs,
  });
  if (done)
    logger.warn({ ...log, executionId: execution.id }, 'cron run recovered: handed off again');
  return done;
}
