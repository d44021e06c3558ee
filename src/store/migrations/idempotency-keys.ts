/** Migration 14: an execution may carry the idempotency key it was started with. */
import type { Migration } from './migration.js';

/**
 * `idempotency_key` is the key given to `executeAsync` (NULL without one), kept for as long as
 * the execution row. The unique index makes a second execution of a workflow with the same key
 * impossible whatever number of processes race: the losing insert conflicts and the scheduling
 * transaction returns the existing execution instead (see `ops/executions.ts`). Partial, so
 * that the executions without a key, almost all of them, add no index entry when scheduled.
 */
const statements = [
  `ALTER TABLE workflow_executions ADD COLUMN idempotency_key TEXT`,
  `CREATE UNIQUE INDEX workflow_executions_idempotency
   ON workflow_executions (workflow_name, idempotency_key) WHERE idempotency_key IS NOT NULL`,
];

/** The same statements in both dialects. */
export const idempotencyKeysMigration: Migration = {
  id: 14,
  name: 'idempotency keys of executions',
  sqlite: statements,
  postgres: statements,
};
