/** The shape of one schema migration. */

/**
 * A change to the SQL text SQLite keeps for a table, for what SQLite's ALTER TABLE cannot do
 * and a table rebuild would do at the cost of copying every row (and, with foreign keys on,
 * cascading deletes at its DROP): widening a CHECK constraint. It follows the procedure SQLite
 * documents for changes that leave the stored rows valid: the text is edited in
 * `sqlite_schema` and the schema version bumped, so every connection re-reads it. `from` must
 * occur exactly once in the table's SQL, and every stored row must satisfy the result.
 */
export interface SqliteTableEdit {
  readonly kind: 'table-edit';
  readonly table: string;
  readonly from: string;
  readonly to: string;
}

/** One forward-only migration, with the SQL of both dialects at the same id. */
export interface Migration {
  readonly id: number;
  readonly name: string;
  readonly sqlite: readonly (string | SqliteTableEdit)[];
  readonly postgres: readonly string[];
}
