/** Opens the store for a database URL: the adapter is chosen here and nowhere else. */
import { ConfigError } from '../errors.js';
import { createSqlStore } from './sql-store.js';
import { SqliteDb } from './sqlite/sqlite-db.js';
import type { Store } from './store.js';
import { parseDatabaseUrl } from './url.js';

/** Options that depend on the backend. */
export interface OpenStoreOptions {
  /** PostgreSQL schema of the tenant; a `ConfigError` with SQLite. */
  readonly schema?: string | undefined;
  /** PostgreSQL pool size. */
  readonly poolSize?: number;
}

/** Opens (without migrating) the store at `url`. */
export function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const location = parseDatabaseUrl(url);
  if (location.kind === 'sqlite') {
    if (options.schema !== undefined) {
      return Promise.reject(
        new ConfigError(
          `schema '${options.schema}' is a PostgreSQL option; with SQLite, give each tenant its own database file.`,
        ),
      );
    }
    return Promise.resolve(
      createSqlStore(new SqliteDb({ path: location.path, synchronous: location.synchronous, busyTimeoutMs: 5000 })),
    );
  }
  return Promise.reject(
    new ConfigError(`PostgreSQL URLs ('${url.replace(/\/\/[^@]*@/, '//***@')}') are not supported yet by this build.`),
  );
}
