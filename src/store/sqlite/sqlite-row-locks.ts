/** SQLite's row locks: none are needed. */
import type { RowLocks } from '../db.js';

/**
 * One writer runs at a time and holds the whole database until it commits, so no other writer
 * can touch a row between this transaction's read and its write: every lock does nothing.
 */
export const SQLITE_ROW_LOCKS: RowLocks = {
  idOrderPrefix: () => ({ where: '', params: [] }),
  rowsInIdOrder: () => {},
  rateLimit: () => {},
  groupStripes: () => {},
  taskLimits: () => Promise.resolve(),
};
