/**
 * Faults injected into the real database under test: a trigger that makes the database itself
 * refuse to record one task's completion, permanently (an error no retry mends) or, on
 * PostgreSQL, transiently (a serialization failure, which the engine retries).
 */
import Database from 'better-sqlite3';
import type { FreshDatabase } from './backend.js';
import { pgAdmin } from './pg.js';

/**
 * How the database refuses: for good, with a serialization failure that a later try may get
 * past, or (PostgreSQL) with an error of the given SQLSTATE.
 */
export type Refusal = 'permanent' | 'transient' | { readonly sqlstate: string };

/** The message the refusing trigger raises. */
export const REFUSED = 'refused by a test trigger';

/**
 * Makes the database refuse every write that marks task `taskId` Completed, until the returned
 * function lifts it. The runner must have created the tables already.
 */
export async function refuseCompletion(
  db: FreshDatabase,
  taskId: string,
  refusal: Refusal,
): Promise<() => Promise<void>> {
  if (db.schema === undefined) {
    if (refusal !== 'permanent') throw new Error('SQLite triggers raise only constraint errors');
    const file = new Database(new URL(db.url).pathname);
    file.exec(
      `CREATE TRIGGER refuse_completion BEFORE UPDATE OF status ON task_executions
       WHEN NEW.status = 'Completed' AND NEW.task_id = '${taskId}'
       BEGIN SELECT RAISE(ABORT, '${REFUSED}'); END`,
    );
    return () => {
      file.exec('DROP TRIGGER refuse_completion');
      file.close();
      return Promise.resolve();
    };
  }
  // 40001 (serialization_failure) is transient to the engine; 23514 (check_violation) is not.
  const code =
    refusal === 'transient' ? '40001' : refusal === 'permanent' ? '23514' : refusal.sqlstate;
  return pgRefusal(
    db.schema,
    'refuse_completion',
    `NEW.status = 'Completed' AND NEW.task_id = '${taskId}'`,
    code,
  );
}

/**
 * Makes PostgreSQL refuse every update of a task row (claims, heartbeats, sweeps, outcomes)
 * with a serialization failure, which the engine treats as transient, until the returned
 * function lifts it: the database is down for task writes while it is up for everything else.
 */
export async function refuseTaskUpdates(db: FreshDatabase): Promise<() => Promise<void>> {
  if (db.schema === undefined) throw new Error('refuseTaskUpdates is for PostgreSQL');
  return pgRefusal(db.schema, 'refuse_task_updates', 'true', '40001');
}

/**
 * A PostgreSQL trigger `name` on the task rows of `schema` that raises SQLSTATE `code` on every
 * update whose row matches `when`; returns the function that drops it.
 */
async function pgRefusal(
  schema: string,
  name: string,
  when: string,
  code: string,
): Promise<() => Promise<void>> {
  const quoted = `"${schema}"`;
  await pgAdmin(
    `CREATE FUNCTION ${quoted}.${name}() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN RAISE EXCEPTION '${REFUSED}' USING ERRCODE = '${code}'; END $$`,
  );
  await pgAdmin(
    `CREATE TRIGGER ${name} BEFORE UPDATE ON ${quoted}.task_executions FOR EACH ROW
     WHEN (${when}) EXECUTE FUNCTION ${quoted}.${name}()`,
  );
  return async () => {
    await pgAdmin(`DROP TRIGGER ${name} ON ${quoted}.task_executions`);
  };
}
