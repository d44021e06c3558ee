/** Migration 9: API keys of the tenant, and the registry of runners. */
import type { Migration } from './migration.js';

/**
 * `api_keys`: one row per key, in the tenant's schema, so a key of one tenant is unknown to
 * every other. `secret_hash` is the SHA-256 (hex) of the key's secret; the key itself is never
 * stored. A revoked key keeps its row (and its first `revoked_at_ms`) so it can still be listed.
 *
 * `runners`: one row per runner, upserted at start, its `heartbeat_at_ms` refreshed on the
 * runner's heartbeat tick and `stopped_at_ms` set at shutdown. `stale_after_ms` is that runner's
 * own `staleClaimThreshold`: whether it is live is judged by the threshold it runs with, not by
 * whoever reads the row. `workflows` is a JSON array of the workflow names it registered. Rows
 * stopped or silent for a day are deleted by the runners' own refreshes, so the table stays
 * as small as the number of runners of the last day.
 */
function tables(big: string): string[] {
  return [
    `CREATE TABLE api_keys (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      scope TEXT NOT NULL CHECK (scope IN ('read', 'operate', 'admin')),
      secret_hash TEXT NOT NULL,
      created_at_ms ${big} NOT NULL,
      revoked_at_ms ${big},
      last_used_at_ms ${big}
    )`,
    `CREATE INDEX api_keys_by_created ON api_keys (created_at_ms)`,
    `CREATE TABLE runners (
      id TEXT PRIMARY KEY,
      name TEXT,
      hostname TEXT NOT NULL,
      pid INTEGER NOT NULL,
      started_at_ms ${big} NOT NULL,
      heartbeat_at_ms ${big} NOT NULL,
      stale_after_ms ${big} NOT NULL,
      workflows TEXT NOT NULL,
      stopped_at_ms ${big}
    )`,
  ];
}

/** API keys and runners, the same tables and columns in both dialects. */
export const apiKeysMigration: Migration = {
  id: 9,
  name: 'api keys and runners',
  sqlite: tables('INTEGER'),
  postgres: tables('BIGINT'),
};
