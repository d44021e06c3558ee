/**
 * The one implementation of {@link Store}: each semantic operation runs in one transaction of the
 * adapter's {@link Db}. Adapters differ in how they connect, lock and notify, and in the
 * operations they implement their own way, which are given here (the event feed).
 */
import { createApiKeyStore } from './api-key-store.js';
import { createCronStore } from './cron-store.js';
import type { CommitNotice, Db, Tx } from './db.js';
import type { StoreFaults } from './faults.js';
import { createDefinitionStore } from './definition-store.js';
import { createRetentionStore } from './retention-store.js';
import { createRunnerStore } from './runner-store.js';
import { createTriggerStore } from './trigger-store.js';
import { admitWaiting, admitting } from './ops/admission.js';
import { foldPlaceCounts } from './ops/place-counts.js';
import { admitRateLimited } from './ops/rate-admission.js';
import { claimReadyTasks, heartbeat, releaseClaims, sweepStaleClaims } from './ops/claims.js';
import {
  cancelExecution,
  scheduleExecutions,
  pauseExecution,
  resumeExecution,
} from './ops/executions.js';
import {
  cleanupEvents,
  countActiveExecutions,
  countQueuedExecutions,
  getEvents,
  getEventsPage,
  getExecution,
  getTask,
  getTasks,
  getEndedExecutions,
  getEndedAtCommit,
  getTasksOf,
} from './ops/queries.js';
import type { EventFeed } from './ops/feed.js';
import { appendTaskLogs, getTaskLog } from './ops/task-logs.js';
import {
  findExecutionsByIdPrefix,
  listExecutions,
  listExecutionsPage,
} from './ops/execution-pages.js';
import { PlaceGuesses } from './ops/place-guesses.js';
import { endedIn } from './ops/progress.js';
import { getExecutionStats } from './ops/stats.js';
import { NOTHING_ROLLED, statsRollups } from './ops/stats-rollups.js';
import { endSoleTaskAlone } from './ops/sole-ends.js';
import { completeTasks, failTask, scheduleRetry, setDeferred } from './ops/tasks.js';
import type { CompletionsOutcome } from './records.js';
import type { ClaimNext, EndedExecution, FinishOutcome, Store } from './store.js';
import { BACKGROUND, LONG_READ, LONG_READ_ONE, READ_ONE } from './tx-kinds.js';

/** Claims the next tasks after a final write, in its transaction, when asked to. */
async function finish(
  tx: Tx,
  input: { nowMs: number; runnerId: string; claimNext?: ClaimNext },
  held: boolean,
): Promise<FinishOutcome> {
  const next = input.claimNext;
  if (next === undefined || next.limit <= 0) return { held, claimed: [], moreReady: false };
  const batch = await claimReadyTasks(tx, {
    runnerId: input.runnerId,
    limit: next.limit,
    nowMs: input.nowMs,
    workflowNames: next.workflowNames,
    ...(next.taskLimits === undefined ? {} : { taskLimits: next.taskLimits }),
  });
  return {
    held,
    claimed: batch.tasks,
    moreReady: batch.moreReady,
    ...(batch.limited === true ? { limited: true } : {}),
  };
}

/**
 * Builds the {@link Store} over an adapter's database handle and the adapter's own event feed;
 * `faults` are injected by crash tests only (see `faults.ts`).
 */
export function createSqlStore(db: Db, feed: EventFeed, faults: StoreFaults = {}): Store {
  const rollups = statsRollups(db);
  // Starts and ends of limited executions may guess their places (see `ops/place-guesses.ts`).
  const guesses = new PlaceGuesses();
  const admittingTx = <T>(body: (tx: Tx) => Promise<T>): Promise<T> =>
    db.transaction(admitting(body));
  /**
   * A final task write that may end executions: those of `readEnded` it ends come back in
   * `ended`, read as it commits. Each attempt of a write that runs again (a refused guess) asks
   * anew; only the last, committed one is awaited. A read that fails after the commit (SQLite)
   * leaves them out: the write stands, and the waiters read the executions themselves.
   */
  const endingWrite = <T extends object>(
    readEnded: readonly string[] | undefined,
    body: (tx: Tx) => Promise<T>,
  ): Promise<T & { ended?: readonly EndedExecution[] }> => {
    if (readEnded === undefined || readEnded.length === 0) return guesses.run(admittingTx, body);
    const reading = async (): Promise<T & { ended?: readonly EndedExecution[] }> => {
      let ended: Promise<EndedExecution[]> | undefined;
      const outcome = await guesses.run<T>(admittingTx, async (tx) => {
        const written = await body(tx);
        const endedHere = endedIn(tx);
        const asked = readEnded.filter((id) => endedHere.has(id));
        ended = asked.length === 0 ? undefined : getEndedAtCommit(tx, asked);
        // Read with COMMIT: a commit that fails rejects it, and nobody awaits the reads of a
        // failed transaction (the write's own error is what the caller hears).
        ended?.catch(() => undefined);
        return written;
      });
      if (ended === undefined) return outcome;
      try {
        return { ...outcome, ended: await ended };
      } catch {
        return outcome;
      }
    };
    return reading();
  };
  return {
    ...createTriggerStore(db),
    ...createCronStore(db, faults),
    ...createDefinitionStore(db),
    ...createApiKeyStore(db),
    ...createRunnerStore(db),
    ...createRetentionStore(db),
    dialect: db.dialect,
    capabilities: db.capabilities,
    migrate: () => db.migrate(),
    appliedMigrations: () => db.appliedMigrations(),
    close: () => db.close(),
    onCommit: (listener: (notice: CommitNotice) => void) => db.onCommit(listener),

    scheduleExecution: (input) =>
      guesses.run(admittingTx, async (tx) => (await scheduleExecutions(tx, [input]))[0]!),
    scheduleExecutions: (inputs) =>
      guesses.run(admittingTx, (tx) => scheduleExecutions(tx, inputs)),
    claimReadyTasks: (input) => db.transaction((tx) => claimReadyTasks(tx, input)),
    heartbeat: (input) => db.transaction((tx) => heartbeat(tx, input)),
    completeTasks: async (input) => {
      // The lone end of a sole task, as one statement where the adapter folds it so.
      const alone =
        db.writeAlone === undefined
          ? undefined
          : await endSoleTaskAlone(db.writeAlone, guesses, input);
      return (
        alone ??
        endingWrite<CompletionsOutcome>(input.readEnded, async (tx) => {
          const outcome = await completeTasks(tx, input, () => finish(tx, input, true));
          const { claimed, moreReady, limited } = outcome.alongside;
          return { held: outcome.held, claimed, moreReady, ...(limited ? { limited } : {}) };
        })
      );
    },
    failTask: (input) =>
      endingWrite<FinishOutcome>(input.readEnded, async (tx) =>
        finish(tx, input, await failTask(tx, input)),
      ),
    scheduleRetry: (input) => db.transaction((tx) => scheduleRetry(tx, input)),
    setDeferred: (input) => db.transaction((tx) => setDeferred(tx, input)),
    releaseClaims: (input) => db.transaction((tx) => releaseClaims(tx, input)),
    sweepStaleClaims: (input) => db.transaction(admitting((tx) => sweepStaleClaims(tx, input))),
    admitWaiting: (input) => db.transaction((tx) => admitWaiting(tx, input)),
    foldPlaceCounts: () => db.transaction((tx) => foldPlaceCounts(tx)),
    admitRateLimited: (input) => db.transaction((tx) => admitRateLimited(tx, input)),

    cancelExecution: (input) => db.transaction(admitting((tx) => cancelExecution(tx, input))),
    pauseExecution: (input) => db.transaction(admitting((tx) => pauseExecution(tx, input))),
    resumeExecution: (input) => db.transaction(admitting((tx) => resumeExecution(tx, input))),

    getExecution: (id) => db.transaction((tx) => getExecution(tx, id), READ_ONE),
    getEndedExecutions: (ids) => db.transaction((tx) => getEndedExecutions(tx, ids), READ_ONE),
    getTasks: (id) => db.transaction((tx) => getTasks(tx, id), READ_ONE),
    getTasksOf: (ids) => db.transaction((tx) => getTasksOf(tx, ids), READ_ONE),
    getTask: ({ executionId, taskId }) =>
      db.transaction((tx) => getTask(tx, executionId, taskId), READ_ONE),
    countActiveExecutions: () => db.transaction((tx) => countActiveExecutions(tx), READ_ONE),
    countQueuedExecutions: () => db.transaction((tx) => countQueuedExecutions(tx), READ_ONE),
    // Rolls up the window's older minutes first (their own transactions), then counts in one;
    // again with the range read afresh if the one seen was trimmed meanwhile, and at last from
    // the index alone (nothing rolled up to check).
    getExecutionStats: async (query) => {
      for (let attempt = 0; ; attempt += 1) {
        const rolled =
          attempt < 2 ? await rollups.rangeFor(query.fromMs, query.toMs - 1) : NOTHING_ROLLED;
        const record = await db.transaction(
          (tx) => getExecutionStats(tx, query, rolled),
          LONG_READ_ONE,
        );
        if (record !== null) return record;
        rollups.forget();
      }
    },
    listExecutions: (filter) => db.transaction((tx) => listExecutions(tx, filter), LONG_READ_ONE),
    listExecutionsPage: (filter) =>
      db.transaction((tx) => listExecutionsPage(tx, filter), LONG_READ_ONE),
    findExecutionsByIdPrefix: ({ prefix, limit }) =>
      db.transaction((tx) => findExecutionsByIdPrefix(tx, prefix, limit), LONG_READ_ONE),
    getEvents: (id) => db.transaction((tx) => getEvents(tx, id), LONG_READ),
    // One statement, so one snapshot: the rows and the horizon they are cut at agree.
    readEvents: async ({ after, ...query }) => {
      const position = after === null ? null : feed.parseCursor(after);
      return db.transaction((tx) => feed.read(tx, { ...query, after: position }), LONG_READ_ONE);
    },
    eventsHead: () => db.transaction((tx) => feed.head(tx), READ_ONE),
    appendTaskLogs: (input) => db.transaction((tx) => appendTaskLogs(tx, input)),
    getTaskLog: (input) => db.transaction((tx) => getTaskLog(tx, input), LONG_READ),
    getEventsPage: (filter) => db.transaction((tx) => getEventsPage(tx, filter), LONG_READ_ONE),
    cleanupEvents: (input) =>
      // A dry run counts what a cleanup would delete: a scan, so a long read.
      db.transaction(
        (tx) => cleanupEvents(tx, input),
        input.dryRun === true ? LONG_READ : BACKGROUND,
      ),
  };
}
