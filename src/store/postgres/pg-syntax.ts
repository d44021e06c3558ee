/** PostgreSQL's spelling of the syntax shared SQL leaves to the adapter. */
import type { DialectSyntax } from '../db.js';

/**
 * Text compares by bytes under the "C" collation, whatever the database's default, and rows
 * that concurrent writers share are locked with `FOR UPDATE` / `FOR SHARE`.
 */
export const PG_SYNTAX: DialectSyntax = {
  byteOrder: ' COLLATE "C"',
  forUpdate: ' FOR UPDATE',
  forShare: ' FOR SHARE',
  forUpdateSkipLocked: ' FOR UPDATE SKIP LOCKED',
  forUpdateOfSkipLocked: (alias) => ` FOR UPDATE OF ${alias} SKIP LOCKED`,
};
