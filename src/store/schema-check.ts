/**
 * Opening a database without migrating it: the CLI's commands, and clients and runners told
 * `migrate: false`, leave schema changes to the operator (`cloacinactl migrate`, or a daemon
 * with `--migrate`). Such an open creates nothing: not a SQLite file, not a PostgreSQL schema,
 * and it refuses a database that lacks migrations this version needs, whose queries would fail
 * in ways that say nothing about the cause.
 */
import { SchemaError } from '../errors.js';
import { MIGRATIONS } from './migrations.js';
import type { Store } from './store.js';

/**
 * `url` as it may be shown: the password of a PostgreSQL URL is masked, a schema is named.
 * @param schema The tenant schema given apart from the URL, if any.
 */
export function describeDatabase(url: string, schema?: string): string {
  let shown = url;
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') {
      parsed.password = '***';
      shown = parsed.toString();
    }
  } catch {
    // Not a URL (a bare SQLite path): nothing secret in it.
  }
  return schema === undefined ? shown : `${shown} (schema '${schema}')`;
}

const HOW =
  'Apply migrations with `cloacinactl migrate` (or start a daemon, which migrates by default).';

/** The error for a database that holds no Cloacina schema at all. */
export function noDatabaseError(where: string): SchemaError {
  return new SchemaError(
    'NO_DATABASE',
    `No Cloacina database at ${where}. Check the URL (--db, CLOACINA_DATABASE_URL, ?schema=); to create one, ${HOW.charAt(0).toLowerCase()}${HOW.slice(1)}`,
  );
}

/**
 * Checks that the database behind `store` has every migration this version knows, without
 * changing it.
 *
 * @throws {SchemaError} `NO_DATABASE` when it has no Cloacina schema, `SCHEMA_BEHIND` when a
 *   migration is missing (the message names the first missing one).
 */
export async function requireCurrentSchema(store: Store, where: string): Promise<void> {
  const applied = await store.appliedMigrations();
  if (applied === null) throw noDatabaseError(where);
  const have = new Set(applied);
  const missing = MIGRATIONS.filter((m) => !have.has(m.id));
  if (missing.length > 0) {
    const first = missing[0]!;
    throw new SchemaError(
      'SCHEMA_BEHIND',
      `The database at ${where} lacks ${missing.length} migration(s) this version needs, from ` +
        `${first.id} ('${first.name}'). ${HOW}`,
    );
  }
}
