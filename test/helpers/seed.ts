/**
 * Seeds many executions, tasks and events behind the engine's back with a few set-based
 * INSERTs (a recursive row generator both dialects share), for tests that need a big history
 * fast: thousands of executions through the engine would take minutes.
 */
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { freshDatabase, type FreshDatabase } from './backend.js';
import { rawQuery, rawTransaction } from './raw.js';

/** Executions to write, all alike but for their ids. */
export interface SeedSpec {
  /** Ids are `${prefix}${n}`, n from 1 to `count`. */
  readonly prefix: string;
  readonly count: number;
  readonly status: 'Pending' | 'Running' | 'Paused' | 'Completed' | 'Failed' | 'Cancelled';
  /** When they were created (and their events written). */
  readonly createdAtMs: number;
  /** When they ended; null for executions that have not. */
  readonly completedAtMs: number | null;
  /** Task rows per execution. @default 3 */
  readonly tasks?: number;
  /** Event rows per execution. @default 5 */
  readonly events?: number;
}

/** Rows 1..count of a generator; `?` is the count. */
const NUMBERS = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)`;

/** `${prefix}${i}` in both dialects (the prefix is the first parameter). */
const ID = `CAST(? AS TEXT) || CAST(n.i AS TEXT)`;

/** A row generator of `count` small numbers as a derived table `k`. */
function smallNumbers(count: number): string {
  return Array.from({ length: count }, (_, i) => `SELECT ${i + 1} AS j`).join(' UNION ALL ');
}

/**
 * Writes `spec.count` executions with their tasks and events, in one transaction: a runner
 * pruning meanwhile sees all of them or none.
 */
export async function seedExecutions(db: FreshDatabase, spec: SeedSpec): Promise<void> {
  const ended = spec.completedAtMs !== null;
  // Tasks of a workflow no runner registers: a Ready one is never claimed.
  const taskStatus = ended ? spec.status : 'Ready';
  const executions = {
    sql: `${NUMBERS}
     INSERT INTO workflow_executions
       (id, workflow_name, workflow_version, status, initial_context, open_tasks,
        created_at_ms, started_at_ms, completed_at_ms, updated_at_ms)
     SELECT ${ID}, 'seeded', 'v1', ?, '{}', ?, ?, ?, ?, ?
     FROM n`,
    params: [
      spec.count,
      spec.prefix,
      spec.status,
      ended ? 0 : (spec.tasks ?? 3),
      spec.createdAtMs,
      spec.createdAtMs,
      spec.completedAtMs,
      spec.completedAtMs ?? spec.createdAtMs,
    ],
  };
  const tasks = {
    sql: `${NUMBERS}
     INSERT INTO task_executions
       (id, execution_id, workflow_name, task_id, position, dependencies, dependents,
        trigger_rule, status, pending_deps)
     SELECT ${ID} || '-' || CAST(k.j AS TEXT), ${ID}, 'seeded', 't' || CAST(k.j AS TEXT), k.j,
            '[]', '[]', '{"type":"always"}', ?, 0
     FROM n, (${smallNumbers(spec.tasks ?? 3)}) k`,
    params: [spec.count, spec.prefix, spec.prefix, taskStatus],
  };
  const events = {
    sql: `${NUMBERS}
     INSERT INTO execution_events (execution_id, task_id, event_type, data, runner_id, created_at_ms)
     SELECT ${ID}, NULL, 'task_ready', NULL, 'seed', ?
     FROM n, (${smallNumbers(spec.events ?? 5)}) k`,
    params: [spec.count, spec.prefix, spec.createdAtMs],
  };
  await rawTransaction(db, [executions, tasks, events]);
}

/** Rows of `table` whose execution id starts with `prefix`. */
export async function countByPrefix(
  db: FreshDatabase,
  table: 'workflow_executions' | 'task_executions' | 'execution_events',
  prefix: string,
): Promise<number> {
  const column = table === 'workflow_executions' ? 'id' : 'execution_id';
  const rows = await rawQuery<{ n: number | string }>(
    db,
    `SELECT COUNT(*) AS n FROM ${table} WHERE ${column} LIKE ?`,
    [`${prefix}%`],
  );
  return Number(rows[0]?.n ?? 0);
}

/** A store on a fresh, migrated database holding the executions of each of `specs`; close it. */
export async function seededStore(...specs: SeedSpec[]): Promise<Store> {
  const db = freshDatabase();
  const store = await openStore(db.url);
  try {
    await store.migrate();
    for (const spec of specs) await seedExecutions(db, spec);
    return store;
  } catch (error) {
    await store.close();
    throw error;
  }
}
