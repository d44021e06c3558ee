/** Migration 22: the function behind `Tx.guard` on PostgreSQL. */
import type { Migration } from './migration.js';
import { GUARD_SQLSTATE } from '../db.js';

/**
 * `cloacina_guard(ok)` returns true when `ok` is, and otherwise raises `GUARD_SQLSTATE`, which
 * aborts the transaction. A transaction that guessed (a concurrency place taken without counting
 * first, see `ops/admission.ts`) sends its check with its other writes and COMMIT, so the guess
 * costs no round trip; a wrong guess rolls everything back and the operation runs again, counting.
 * SQLite evaluates the condition in process and needs no function.
 */
const guardFunction = `CREATE OR REPLACE FUNCTION cloacina_guard(ok BOOLEAN) RETURNS BOOLEAN
  LANGUAGE plpgsql AS $$
  BEGIN
    IF ok IS NOT TRUE THEN
      RAISE EXCEPTION 'cloacina: a guarded assumption did not hold' USING ERRCODE = '${GUARD_SQLSTATE}';
    END IF;
    RETURN TRUE;
  END
  $$`;

/** Migration 22 in both dialects. */
export const placeGuardMigration: Migration = {
  id: 22,
  name: 'guard function (PostgreSQL)',
  sqlite: [],
  postgres: [guardFunction],
};
