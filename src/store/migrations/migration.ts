/** The shape of one schema migration. */

/** One forward-only migration, with the SQL of both dialects at the same id. */
export interface Migration {
  readonly id: number;
  readonly name: string;
  readonly sqlite: readonly string[];
  readonly postgres: readonly string[];
}
