/**
 * Pruning as a sequence of short transactions: the loop shared by the runner's retention
 * passes and by `prune()` on a runner or a client.
 */
import {
  addPruneCounts,
  checkPruneOptions,
  NO_PRUNE_COUNTS,
  totalPruned,
  type PruneCounts,
  type PrunePlan,
  type PruneResult,
} from '../core/retention.js';
import type { ExecutionCut, RetentionStore, Store } from '../store/store.js';

/**
 * Rows one pruning transaction deletes at most. A long delete holds its row locks and grows the
 * write-ahead log in one go: batches keep a claim's wait to one batch.
 */
export const PRUNE_BATCH_ROWS = 1_000;

/**
 * The batch where statements block the process (`Capabilities.statementsBlockProcess`):
 * everything the process does waits for each batch, so it is a fifth of
 * {@link PRUNE_BATCH_ROWS}, traded for a longer prune (figures in `docs/performance.md`).
 */
export const BLOCKING_PRUNE_BATCH_ROWS = 200;

/**
 * Events one cleanup transaction deletes at most where statements block the process: a start
 * asked for meanwhile waits for one batch, not for the whole cleanup (figures in
 * `docs/performance.md`). Where statements run on a server, a cleanup is one statement: batches
 * there would each walk past the dead rows of the ones before until vacuum removes them.
 */
export const BLOCKING_EVENT_BATCH_ROWS = 250;

/** One pruning run. */
export interface PruneRun {
  readonly store: RetentionStore;
  readonly plan: PrunePlan;
  /** "Now" of the run: ages count back from it. */
  readonly nowMs: number;
  /** Told each batch's counts as it commits (metrics). */
  readonly onBatch?: (counts: PruneCounts) => void;
  /** Asked before every batch after the first; false ends the run (shutdown, lease lost). */
  readonly proceed?: () => boolean | Promise<boolean>;
}

/** Rows per pruning transaction on `store`'s backend. */
export function pruneBatchRows(store: RetentionStore): number {
  return store.capabilities.statementsBlockProcess ? BLOCKING_PRUNE_BATCH_ROWS : PRUNE_BATCH_ROWS;
}

/** The cut times of a plan at `nowMs`. */
function cutsOf(
  plan: PrunePlan,
  nowMs: number,
): { cuts: ExecutionCut[]; historyBeforeMs: number | null } {
  return {
    cuts: plan.executions.map(({ status, ageMs }) => ({ status, beforeMs: nowMs - ageMs })),
    historyBeforeMs: plan.historyMs === null ? null : nowMs - plan.historyMs,
  };
}

/** What a run of `plan` at `nowMs` would delete; deletes nothing. */
export function countPrunable(
  store: RetentionStore,
  plan: PrunePlan,
  nowMs: number,
): Promise<PruneCounts> {
  return store.countPrunable(cutsOf(plan, nowMs));
}

/**
 * Deletes what `plan` covers, batch after batch, until nothing is left or `proceed` says stop;
 * returns the rows deleted. Executions first, then history. A failing batch rejects; what the
 * batches before it deleted stays deleted.
 */
export async function runPrune(run: PruneRun): Promise<PruneCounts> {
  const { cuts, historyBeforeMs } = cutsOf(run.plan, run.nowMs);
  const limit = pruneBatchRows(run.store);
  const steps: (() => Promise<PruneCounts>)[] = [];
  if (cuts.length > 0) steps.push(() => run.store.pruneExecutions({ cuts, limit }));
  if (historyBeforeMs !== null) {
    steps.push(() => run.store.pruneHistory({ beforeMs: historyBeforeMs, limit }));
  }
  let total = NO_PRUNE_COUNTS;
  let first = true;
  for (const step of steps) {
    for (;;) {
      if (!first) {
        // A turn of the event loop between batches: work that waits for one (a scheduling
        // batch, a claim pass, a timer) gets its transaction in before the next batch, where
        // an immediate next batch would queue ahead of it where the process has one connection.
        await new Promise((resolve) => setImmediate(resolve));
        if (run.proceed !== undefined && !(await run.proceed())) return total;
      }
      first = false;
      const batch = await step();
      if (totalPruned(batch) === 0) break;
      run.onBatch?.(batch);
      total = addPruneCounts(total, batch);
    }
  }
  // Deleted rows free pages, not disk space: give it back once, after the last batch.
  if (totalPruned(total) > 0) await run.store.reclaimSpace();
  return total;
}

/**
 * `prune(options)` of a runner or a client: checks the options, then counts (`dryRun`) or
 * deletes.
 * @throws {ConfigError} for invalid options (see `checkPruneOptions`).
 */
export async function pruneOnDemand(
  store: RetentionStore,
  options: unknown,
  nowMs: number,
  onBatch?: (counts: PruneCounts) => void,
): Promise<PruneResult> {
  const { dryRun, ...plan } = checkPruneOptions(options);
  const counts = dryRun
    ? await countPrunable(store, plan, nowMs)
    : await runPrune({ store, plan, nowMs, ...(onBatch === undefined ? {} : { onBatch }) });
  return { ...counts, dryRun };
}

/**
 * `cleanupEvents` of a runner or a client: deletes the events older than `olderThanMs` (except
 * those of executions that have not ended), in batches with a turn of the event loop between
 * them where statements block the process, then gives the freed space back; returns how many.
 */
export async function cleanupEventsInBatches(
  store: Pick<Store, 'cleanupEvents' | 'reclaimSpace' | 'capabilities'>,
  olderThanMs: number,
): Promise<number> {
  const limit = store.capabilities.statementsBlockProcess ? BLOCKING_EVENT_BATCH_ROWS : undefined;
  let total = 0;
  for (;;) {
    const deleted = await store.cleanupEvents({
      olderThanMs,
      ...(limit === undefined ? {} : { limit }),
    });
    total += deleted;
    if (limit === undefined || deleted < limit) break;
    // As between pruning batches: work queued meanwhile gets its transaction in first.
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (total > 0) await store.reclaimSpace();
  return total;
}
