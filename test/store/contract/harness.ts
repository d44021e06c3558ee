/**
 * The store conformance suite's harness: a fresh, migrated store of the backend under test per
 * test (a temp file on SQLite, a schema of its own on PostgreSQL), closed after it, and the
 * few steps most tests take to drive tasks through the store without a runner.
 */
import { expect, test as base } from 'vitest';
import type { JsonObject } from '../../../src/core/json.js';
import type { Workflow } from '../../../src/core/workflow.js';
import { openStore } from '../../../src/store/open.js';
import type { ClaimedTask, ScheduledExecution, Store } from '../../../src/store/store.js';
import { freshDatabase, type FreshDatabase } from '../../helpers/backend.js';
import { executionOf, type ExecutionOverrides } from '../../helpers/plan.js';

/** The runner id every contract test writes as. */
export const RUNNER = 'runner-1';

/** What each contract test receives. */
export interface StoreFixtures {
  /** This test's fresh database (for `rawQuery`, to change it behind the store's back). */
  readonly db: FreshDatabase;
  /** A migrated store on it, closed after the test. */
  readonly store: Store;
  /** Opens another store on the same database, as a second process would; closed after the test. */
  readonly another: () => Promise<Store>;
}

/**
 * `test` with a fresh, migrated store per test. Stores are fixtures, not module-level hooks,
 * so the tests of a file may run concurrently (`describe.concurrent`): on PostgreSQL most of a
 * test's time is the migration of its schema, which overlaps well.
 */
export const test = base.extend<StoreFixtures>({
  // eslint-disable-next-line no-empty-pattern -- vitest reads a fixture's needs from this pattern
  db: async ({}, use) => {
    await use(freshDatabase());
  },
  store: async ({ db }, use) => {
    const store = await openStore(db.url);
    try {
      await store.migrate();
      await use(store);
    } finally {
      await store.close();
    }
  },
  another: async ({ db }, use) => {
    const opened: Store[] = [];
    try {
      await use(async () => {
        const store = await openStore(db.url);
        opened.push(store);
        await store.migrate();
        return store;
      });
    } finally {
      await Promise.all(opened.map((store) => store.close()));
    }
  },
});

/** Schedules one execution of `wf` (see {@link executionOf} for the defaults). */
export function schedule(
  store: Store,
  wf: Workflow,
  overrides: ExecutionOverrides = {},
): Promise<ScheduledExecution> {
  return store.scheduleExecution(executionOf(wf, overrides));
}

/**
 * Tasks in a fixed order, by execution then task id: which tasks a batch holds is part of the
 * contract, the order a statement returns them in is not (PostgreSQL's `UPDATE … RETURNING`
 * follows no ORDER BY).
 */
export function sorted(tasks: readonly ClaimedTask[]): ClaimedTask[] {
  const key = (t: ClaimedTask): string => `${t.executionId}\u0000${t.taskId}`;
  return [...tasks].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Claims up to `limit` Ready tasks of `wf` for {@link RUNNER} at `nowMs`, {@link sorted}. */
export async function claim(
  store: Store,
  wf: Workflow,
  nowMs = 2_000,
  limit = 100,
): Promise<ClaimedTask[]> {
  const batch = await store.claimReadyTasks({
    runnerId: RUNNER,
    limit,
    nowMs,
    workflowNames: [wf.name],
  });
  return sorted(batch.tasks);
}

/** The one claimed task with id `taskId`; fails the test when there is none. */
export function only(claimed: readonly ClaimedTask[], taskId: string): ClaimedTask {
  const found = claimed.filter((c) => c.taskId === taskId);
  expect(found, `one claim of '${taskId}'`).toHaveLength(1);
  return found[0]!;
}

/** Completes `claims` in one call at `nowMs`, each with `output`; every claim must hold. */
export async function complete(
  store: Store,
  claims: readonly ClaimedTask[],
  nowMs = 3_000,
  output: (claim: ClaimedTask) => JsonObject = (c) => ({ [c.taskId]: true }),
): Promise<void> {
  const outcome = await store.completeTasks({
    completions: claims.map((c) => ({ ...c, output: output(c) })),
    nowMs,
    runnerId: RUNNER,
  });
  expect(outcome.held).toEqual(claims.map(() => true));
}

/** The status of each task of an execution, by task id. */
export async function statuses(store: Store, executionId: string): Promise<Record<string, string>> {
  const tasks = await store.getTasks(executionId);
  return Object.fromEntries(tasks.map((t) => [t.taskId, t.status]));
}

/** The event types of an execution's history, in order. */
export async function history(store: Store, executionId: string): Promise<string[]> {
  return (await store.getEvents(executionId)).map((e) => e.type);
}
