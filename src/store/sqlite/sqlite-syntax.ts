/** SQLite's spelling of the syntax shared SQL leaves to the adapter. */
import type { DialectSyntax } from '../db.js';

/**
 * SQLite compares text byte by byte already (its default collation, BINARY), and has no row
 * locks: one writer runs at a time, holding the whole database until it commits.
 */
export const SQLITE_SYNTAX: DialectSyntax = {
  byteOrder: '',
  forUpdate: '',
  forShare: '',
  forUpdateSkipLocked: '',
  forUpdateOfSkipLocked: () => '',
};
