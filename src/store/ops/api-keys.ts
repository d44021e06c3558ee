/** API keys of the tenant, written once for both dialects. Only a hash of each secret is stored. */
import type { ApiKeyScope } from '../../core/api-keys.js';
import type { Tx } from '../db.js';

/** A stored API key. Times are epoch milliseconds. */
export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  readonly scope: ApiKeyScope;
  /** SHA-256 of the secret, lower-case hex. */
  readonly secretHash: string;
  readonly createdAtMs: number;
  readonly revokedAtMs: number | null;
  readonly lastUsedAtMs: number | null;
}

/** Input of {@link insertApiKey}. */
export interface NewApiKey {
  readonly id: string;
  readonly name: string;
  readonly scope: ApiKeyScope;
  readonly secretHash: string;
  readonly nowMs: number;
}

interface ApiKeyRow {
  id: string;
  name: string;
  scope: ApiKeyScope;
  secret_hash: string;
  created_at_ms: number;
  revoked_at_ms: number | null;
  last_used_at_ms: number | null;
}

function toRecord(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope,
    secretHash: row.secret_hash,
    createdAtMs: row.created_at_ms,
    revokedAtMs: row.revoked_at_ms,
    lastUsedAtMs: row.last_used_at_ms,
  };
}

/**
 * Stores a new key. Its time is moved past the newest key's, so keys created in the same
 * millisecond still list in the order they were created.
 */
export async function insertApiKey(tx: Tx, input: NewApiKey): Promise<ApiKeyRecord> {
  const newest = await tx.get<{ at: number | null }>(
    'SELECT MAX(created_at_ms) AS at FROM api_keys',
  );
  const newestMs = newest?.at ?? null;
  const atMs = newestMs !== null && newestMs >= input.nowMs ? newestMs + 1 : input.nowMs;
  const row = await tx.get<ApiKeyRow>(
    `INSERT INTO api_keys (id, name, scope, secret_hash, created_at_ms)
     VALUES (?, ?, ?, ?, ?) RETURNING *`,
    [input.id, input.name, input.scope, input.secretHash, atMs],
  );
  return toRecord(row!);
}

/** The key with `id`, revoked or not, or null. */
export async function getApiKey(tx: Tx, id: string): Promise<ApiKeyRecord | null> {
  const row = await tx.get<ApiKeyRow>('SELECT * FROM api_keys WHERE id = ?', [id]);
  return row === undefined ? null : toRecord(row);
}

/** Keys, oldest first; revoked ones only when asked for. */
export async function listApiKeys(
  tx: Tx,
  filter: { includeRevoked: boolean },
): Promise<ApiKeyRecord[]> {
  const rows = await tx.all<ApiKeyRow>(
    `SELECT * FROM api_keys ${filter.includeRevoked ? '' : 'WHERE revoked_at_ms IS NULL'}
     ORDER BY created_at_ms, id`,
  );
  return rows.map(toRecord);
}

/** Revokes a key, keeping the time of a first revocation; null when there is no such key. */
export async function revokeApiKey(
  tx: Tx,
  input: { id: string; nowMs: number },
): Promise<ApiKeyRecord | null> {
  const row = await tx.get<ApiKeyRow>(
    `UPDATE api_keys SET revoked_at_ms = COALESCE(revoked_at_ms, ?) WHERE id = ? RETURNING *`,
    [input.nowMs, input.id],
  );
  return row === undefined ? null : toRecord(row);
}

/**
 * Records that a key was used at `nowMs`, unless a use at or after `unusedSinceMs` is recorded
 * already (by this process or another): returns whether it wrote.
 */
export async function touchApiKey(
  tx: Tx,
  input: { id: string; nowMs: number; unusedSinceMs: number },
): Promise<boolean> {
  const changed = await tx.run(
    `UPDATE api_keys SET last_used_at_ms = ?
     WHERE id = ? AND (last_used_at_ms IS NULL OR last_used_at_ms < ?)`,
    [input.nowMs, input.id, input.unusedSinceMs],
  );
  return changed > 0;
}
