/** SQLite's spelling of the syntax shared SQL leaves to the adapter. */
import type { DialectSyntax } from '../db.js';

/** SQLite compares text byte by byte already (its default collation, BINARY). */
export const SQLITE_SYNTAX: DialectSyntax = { byteOrder: '' };
