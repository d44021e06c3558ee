/** Migration 24: a concurrency group's places in use, kept by the database itself. */
import type { Migration } from './migration.js';

/**
 * `concurrency_counts` holds how many executions of each concurrency group are Pending or
 * Running, so a start far below the limit reads a few small rows instead of counting the
 * group's executions (which grows with the group's backlog: a workflow with a limit of 1,000
 * and 800 executions waiting to run counted 800 index entries, and their dead versions, at every
 * start).
 *
 * Triggers on `workflow_executions` keep it, in the transaction that changes the execution, so
 * no code path can forget it and a crash loses nothing: the counts are exactly what the rows
 * say, as the count they replace was. A group's count is the sum of its rows:
 * - PostgreSQL writes the row of the writing session (`slot` = `pg_backend_pid()`), so two
 *   transactions never wait for each other's count row and never deadlock over them; rows of
 *   past sessions are folded into slot 0 now and then (`ops/place-counts.ts`).
 * - SQLite has one writer and writes slot 0 only.
 *
 * An execution holds a place while it is Pending or Running with a concurrency key: what
 * `countGroups` counted before. The migration fills the table from the executions.
 */
const table = (big: string): string => `CREATE TABLE concurrency_counts (
    workflow_name TEXT NOT NULL,
    concurrency_key TEXT NOT NULL,
    slot INTEGER NOT NULL,
    active ${big} NOT NULL,
    PRIMARY KEY (workflow_name, concurrency_key, slot)
  )`;

const backfill = `INSERT INTO concurrency_counts (workflow_name, concurrency_key, slot, active)
  SELECT workflow_name, concurrency_key, 0, COUNT(*) FROM workflow_executions
  WHERE concurrency_key IS NOT NULL AND status IN ('Pending', 'Running')
  GROUP BY workflow_name, concurrency_key`;

/** Whether row `r` (NEW or OLD) holds a place. */
const holds = (r: string): string =>
  `(${r}.concurrency_key IS NOT NULL AND ${r}.status IN ('Pending', 'Running'))`;

/** An UPDATE moves a place: it takes or gives one, or it moves to another group. */
const movesPlace = `(${holds('OLD')} <> ${holds('NEW')} OR (${holds('OLD')} AND ${holds('NEW')}
  AND (OLD.workflow_name <> NEW.workflow_name OR OLD.concurrency_key <> NEW.concurrency_key)))`;

/** Adds `delta` to the count of `r`'s group in `slot`. */
const add = (r: string, slot: string, delta: string): string =>
  `INSERT INTO concurrency_counts AS c (workflow_name, concurrency_key, slot, active)
     VALUES (${r}.workflow_name, ${r}.concurrency_key, ${slot}, ${delta})
     ON CONFLICT (workflow_name, concurrency_key, slot) DO UPDATE SET active = c.active + ${delta}`;

const pgFunction = `CREATE FUNCTION cloacina_count_places() RETURNS trigger
  LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP <> 'INSERT' AND ${holds('OLD')} THEN
      ${add('OLD', 'pg_backend_pid()', '-1')};
    END IF;
    IF TG_OP <> 'DELETE' AND ${holds('NEW')} THEN
      ${add('NEW', 'pg_backend_pid()', '1')};
    END IF;
    RETURN NULL;
  END
  $$`;

/**
 * Row triggers with a WHEN clause, so they run only for the rows that take, give or move a
 * place: an execution without a concurrency key costs nothing. (A statement trigger counting a
 * scheduling batch at once measured no faster, and ran for every statement.)
 */
const pgTriggers = [
  `CREATE TRIGGER workflow_executions_places_insert AFTER INSERT ON workflow_executions
   FOR EACH ROW WHEN ${holds('NEW')} EXECUTE FUNCTION cloacina_count_places()`,
  `CREATE TRIGGER workflow_executions_places_update
   AFTER UPDATE OF status, workflow_name, concurrency_key ON workflow_executions
   FOR EACH ROW WHEN ${movesPlace} EXECUTE FUNCTION cloacina_count_places()`,
  `CREATE TRIGGER workflow_executions_places_delete AFTER DELETE ON workflow_executions
   FOR EACH ROW WHEN ${holds('OLD')} EXECUTE FUNCTION cloacina_count_places()`,
];

const sqliteTriggers = [
  `CREATE TRIGGER workflow_executions_places_insert AFTER INSERT ON workflow_executions
   FOR EACH ROW WHEN ${holds('NEW')} BEGIN ${add('NEW', '0', '1')}; END`,
  `CREATE TRIGGER workflow_executions_places_update
   AFTER UPDATE OF status, workflow_name, concurrency_key ON workflow_executions
   FOR EACH ROW WHEN ${movesPlace} BEGIN
     INSERT INTO concurrency_counts (workflow_name, concurrency_key, slot, active)
       SELECT OLD.workflow_name, OLD.concurrency_key, 0, -1 WHERE ${holds('OLD')}
       ON CONFLICT (workflow_name, concurrency_key, slot) DO UPDATE SET active = active - 1;
     INSERT INTO concurrency_counts (workflow_name, concurrency_key, slot, active)
       SELECT NEW.workflow_name, NEW.concurrency_key, 0, 1 WHERE ${holds('NEW')}
       ON CONFLICT (workflow_name, concurrency_key, slot) DO UPDATE SET active = active + 1;
   END`,
  `CREATE TRIGGER workflow_executions_places_delete AFTER DELETE ON workflow_executions
   FOR EACH ROW WHEN ${holds('OLD')} BEGIN ${add('OLD', '0', '-1')}; END`,
];

/** Migration 24 in both dialects. */
export const placeCountsMigration: Migration = {
  id: 24,
  name: 'concurrency place counts',
  sqlite: [table('INTEGER'), backfill, ...sqliteTriggers],
  postgres: [table('BIGINT'), backfill, pgFunction, ...pgTriggers],
};
