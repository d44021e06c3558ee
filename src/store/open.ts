/**
 * Opens the store for a database URL: the adapter is chosen here and nowhere else, together
 * with the store operations it implements its own way (the event feed).
 */
import { existsSync } from 'node:fs';
import type { Logger } from '../core/options.js';
import { SCHEMA_NAME_PATTERN } from '../core/options.js';
import { ConfigError } from '../errors.js';
import type { StoreFaults } from './faults.js';
import { PgDb } from './postgres/pg-db.js';
import { pgFeed } from './postgres/pg-feed.js';
import { createSqlStore } from './sql-store.js';
import { SqliteDb } from './sqlite/sqlite-db.js';
import { sqliteFeed } from './sqlite/sqlite-feed.js';
import type { Store } from './store.js';
import { describeDatabase, noDatabaseError } from './schema-check.js';
import { parseDatabaseUrl } from './url.js';

/** Options that depend on the backend. */
export interface OpenStoreOptions {
  /** PostgreSQL schema of the tenant; a `ConfigError` with SQLite. */
  readonly schema?: string | undefined;
  /** PostgreSQL pool size. @default 10 */
  readonly poolSize?: number;
  /** Receives PostgreSQL connection-loss and reconnection messages. @default silent */
  readonly logger?: Pick<Logger, 'info' | 'warn'> | undefined;
  /**
   * Whether opening may create the database: false leaves a missing SQLite file missing and
   * fails with `SchemaError` `NO_DATABASE` (a PostgreSQL schema is only ever created by
   * `migrate()`). @default true
   */
  readonly create?: boolean;
  /** Faults to inject, for crash tests (see `faults.ts`). @internal @default none */
  readonly faults?: StoreFaults | undefined;
}

/** Why `schema` cannot name a tenant schema, or undefined when it can. */
function schemaProblem(schema: string): string | undefined {
  if (!SCHEMA_NAME_PATTERN.test(schema)) {
    return `schema must match ${String(SCHEMA_NAME_PATTERN)}, received ${JSON.stringify(schema)}.`;
  }
  const lower = schema.toLowerCase();
  if (lower === 'public' || lower === 'information_schema' || lower.startsWith('pg_')) {
    return `schema '${schema}' is reserved; choose a name of your own for the tenant.`;
  }
  return undefined;
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
    if (options.create === false && location.path !== ':memory:' && !existsSync(location.path)) {
      return Promise.reject(noDatabaseError(describeDatabase(url)));
    }
    return Promise.resolve(
      createSqlStore(
        new SqliteDb({
          path: location.path,
          synchronous: location.synchronous,
          busyTimeoutMs: 5000,
        }),
        sqliteFeed,
        options.faults,
      ),
    );
  }
  const target = splitSchemaParam(location.url, options.schema);
  if (target instanceof ConfigError) return Promise.reject(target);
  if (target.schema !== undefined) {
    // Checked here too because openStore can be called without resolveRunnerConfig.
    const problem = schemaProblem(target.schema);
    if (problem !== undefined) return Promise.reject(new ConfigError(problem));
  }
  const poolSize = options.poolSize ?? 10;
  if (!Number.isInteger(poolSize) || poolSize < 1) {
    return Promise.reject(
      new ConfigError(`dbPoolSize must be a positive integer, received ${String(poolSize)}.`),
    );
  }
  return Promise.resolve(
    createSqlStore(
      new PgDb({ url: target.url, poolSize, schema: target.schema, logger: options.logger }),
      pgFeed,
      options.faults,
    ),
  );
}

/**
 * Takes the tenant schema out of a `?schema=` URL parameter (the form other tools use too), so a
 * tenant can be named by its URL alone, e.g. when the URL is handed to another process. The
 * driver does not receive the parameter. A URL schema that contradicts `config.schema` is an error.
 */
function splitSchemaParam(
  url: string,
  configured: string | undefined,
): { url: string; schema: string | undefined } | ConfigError {
  const query = url.indexOf('?');
  if (query < 0) return { url, schema: configured };
  const params = new URLSearchParams(url.slice(query + 1));
  const fromUrl = params.get('schema');
  if (fromUrl === null) return { url, schema: configured };
  if (configured !== undefined && configured !== fromUrl) {
    return new ConfigError(
      `the database URL names schema '${fromUrl}' but config.schema is '${configured}'; give the schema in one place.`,
    );
  }
  params.delete('schema');
  const rest = params.toString();
  return { url: url.slice(0, query) + (rest === '' ? '' : `?${rest}`), schema: fromUrl };
}
