/** The kinds of transactions the store's operations run, as {@link TxOptions}. */
import type { TxOptions } from './db.js';

/** A read-only transaction. */
export const READ: TxOptions = { readOnly: true };

/** One read statement: no transaction needed around it. */
export const READ_ONE: TxOptions = { readOnly: true, autocommit: true };

/** Reads that may scan much of the history (see `TxOptions.longRead`). */
export const LONG_READ: TxOptions = { readOnly: true, longRead: true };

/** One long read statement (see `TxOptions.longRead` and `TxOptions.autocommit`). */
export const LONG_READ_ONE: TxOptions = { readOnly: true, autocommit: true, longRead: true };

/** Statements that stand alone (see `TxOptions.autocommit`). */
export const AUTOCOMMIT: TxOptions = { autocommit: true };

/** A maintenance batch that may wait for other work (see `TxOptions.background`). */
export const BACKGROUND: TxOptions = { background: true };
