/**
 * The one implementation of {@link Store}: each semantic operation runs in one transaction of the
 * adapter's {@link Db}. Adapters differ only in how they connect, lock and notify.
 */
import { createCronStore } from './cron-store.js';
import type { CommitNotice, Db, Tx } from './db.js';
import { createDefinitionStore } from './definition-store.js';
import { createTriggerStore } from './trigger-store.js';
import { claimReadyTasks, heartbeat, releaseClaims, sweepStaleClaims } from './ops/claims.js';
import {
  cancelExecution,
  insertExecution,
  insertExecutions,
  pauseExecution,
  resumeExecution,
} from './ops/executions.js';
import {
  cleanupEvents,
  countActiveExecutions,
  getEvents,
  getExecution,
  getTasks,
  getTerminalExecutions,
  listExecutions,
} from './ops/queries.js';
import { completeTasks, failTask, scheduleRetry, setDeferred } from './ops/tasks.js';
import type { ClaimNext, FinishOutcome, Store } from './store.js';

const READ = { readOnly: true } as const;

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
  });
  return { held, claimed: batch.tasks, moreReady: batch.moreReady };
}

/** Builds the {@link Store} over an adapter's database handle. */
export function createSqlStore(db: Db): Store {
  return {
    ...createTriggerStore(db),
    ...createCronStore(db),
    ...createDefinitionStore(db),
    dialect: db.dialect,
    capabilities: db.capabilities,
    migrate: () => db.migrate(),
    close: () => db.close(),
    onCommit: (listener: (notice: CommitNotice) => void) => db.onCommit(listener),

    scheduleExecution: (input) =>
      db.transaction((tx) => Promise.resolve(insertExecution(tx, input))),
    scheduleExecutions: (inputs) =>
      db.transaction((tx) => Promise.resolve(insertExecutions(tx, inputs))),
    claimReadyTasks: (input) => db.transaction((tx) => claimReadyTasks(tx, input)),
    heartbeat: (input) => db.transaction((tx) => heartbeat(tx, input)),
    completeTasks: (input) =>
      db.transaction(async (tx) => {
        const outcome = await completeTasks(tx, input, () => finish(tx, input, true));
        const { claimed, moreReady } = outcome.alongside;
        return { held: outcome.held, claimed, moreReady };
      }),
    failTask: (input) => db.transaction(async (tx) => finish(tx, input, await failTask(tx, input))),
    scheduleRetry: (input) => db.transaction((tx) => scheduleRetry(tx, input)),
    setDeferred: (input) => db.transaction((tx) => setDeferred(tx, input)),
    releaseClaims: (input) => db.transaction((tx) => releaseClaims(tx, input)),
    sweepStaleClaims: (input) => db.transaction((tx) => sweepStaleClaims(tx, input)),

    cancelExecution: (input) => db.transaction((tx) => cancelExecution(tx, input)),
    pauseExecution: (input) => db.transaction((tx) => pauseExecution(tx, input)),
    resumeExecution: (input) => db.transaction((tx) => resumeExecution(tx, input)),

    getExecution: (id) => db.transaction((tx) => getExecution(tx, id), READ),
    getTerminalExecutions: (ids) => db.transaction((tx) => getTerminalExecutions(tx, ids), READ),
    getTasks: (id) => db.transaction((tx) => getTasks(tx, id), READ),
    countActiveExecutions: () => db.transaction((tx) => countActiveExecutions(tx), READ),
    listExecutions: (filter) => db.transaction((tx) => listExecutions(tx, filter), READ),
    getEvents: (id) => db.transaction((tx) => getEvents(tx, id), READ),
    cleanupEvents: (input) =>
      db.transaction((tx) => cleanupEvents(tx, input), { readOnly: input.dryRun === true }),
  };
}
