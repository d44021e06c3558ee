/** Migration 8: the event table becomes a feed every process can read gap-free and resume. */
import type { Migration } from './migration.js';

/**
 * `workflow_name` names the workflow of the events that belong to no execution (a failed
 * trigger poll, missed cron ticks) and of every trigger and cron event; execution events leave
 * it NULL and take the name of their execution when read. Added without a default, so the
 * column costs no table rewrite.
 */
const workflowName = `ALTER TABLE execution_events ADD COLUMN workflow_name TEXT`;

/**
 * PostgreSQL only: the id of the transaction that wrote each row. BIGSERIAL ids are taken when
 * a row is inserted, not when its transaction commits: transaction A may take id 5 and commit
 * after B took id 6, so a reader past 6 would skip 5 forever. The feed orders rows by
 * `(tx_id, id)` and reads only rows of transactions below the oldest one still running, none of
 * which can commit a row any more (see `postgres/pg-feed.ts`).
 *
 * The column is added bare first, which on a big table changes only the catalog; the default
 * set afterwards applies to new rows. A volatile default in the ADD COLUMN itself would rewrite
 * every row. Rows written before this migration keep `tx_id` NULL and are not in the feed.
 */
const postgresOnly = [
  `ALTER TABLE execution_events ADD COLUMN tx_id xid8`,
  `ALTER TABLE execution_events ALTER COLUMN tx_id SET DEFAULT pg_current_xact_id()`,
  `CREATE INDEX execution_events_feed ON execution_events (tx_id, id)`,
];

/** Migration 8 in both dialects. */
export const eventFeedMigration: Migration = {
  id: 8,
  name: 'event feed: workflow of schedule events, writing transaction (PostgreSQL)',
  sqlite: [workflowName],
  postgres: [workflowName, ...postgresOnly],
};
