/** Persistence of the tenant's API keys. */
import type { Db } from './db.js';
import {
  getApiKey,
  insertApiKey,
  listApiKeys,
  revokeApiKey,
  touchApiKey,
  type ApiKeyRecord,
  type NewApiKey,
} from './ops/api-keys.js';
import { AUTOCOMMIT, READ_ONE } from './tx-kinds.js';

export type { ApiKeyRecord, NewApiKey };

/** API key operations of the {@link Store}; each is one transaction. */
export interface ApiKeyStore {
  /** Stores a new key (its hash, never its secret). */
  insertApiKey(input: NewApiKey): Promise<ApiKeyRecord>;
  /** The key with `id`, revoked or not, or null. */
  getApiKey(id: string): Promise<ApiKeyRecord | null>;
  /** Keys, oldest first; revoked ones only with `includeRevoked`. */
  listApiKeys(filter: { includeRevoked: boolean }): Promise<ApiKeyRecord[]>;
  /** Revokes a key (a second revocation keeps the first time); null when unknown. */
  revokeApiKey(input: { id: string; nowMs: number }): Promise<ApiKeyRecord | null>;
  /** Stamps a key's last use unless one at or after `unusedSinceMs` is there; true if it wrote. */
  touchApiKey(input: { id: string; nowMs: number; unusedSinceMs: number }): Promise<boolean>;
}

/** Builds the API key operations over an adapter's database handle. */
export function createApiKeyStore(db: Db): ApiKeyStore {
  return {
    insertApiKey: (input) => db.transaction((tx) => insertApiKey(tx, input)),
    getApiKey: (id) => db.transaction((tx) => getApiKey(tx, id), READ_ONE),
    listApiKeys: (filter) => db.transaction((tx) => listApiKeys(tx, filter), READ_ONE),
    revokeApiKey: (input) => db.transaction((tx) => revokeApiKey(tx, input), AUTOCOMMIT),
    touchApiKey: (input) => db.transaction((tx) => touchApiKey(tx, input), AUTOCOMMIT),
  };
}
