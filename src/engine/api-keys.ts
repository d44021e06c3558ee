/**
 * API keys of a tenant: created with a scope, listed without their secrets, revoked, and
 * verified for each request a server receives. Keys live in the tenant's database (its schema on
 * PostgreSQL), so one tenant's key is unknown to every other.
 */
import {
  apiKeyNameProblem,
  apiKeyScopeProblem,
  API_KEY_ID_PATTERN,
  hashApiKeySecret,
  newApiKey,
  parseApiKey,
  secretMatches,
  type ApiKeyInfo,
  type ApiKeyScope,
} from '../core/api-keys.js';
import type { Clock } from '../core/options.js';
import { ConfigError, NotFoundError } from '../errors.js';
import type { ApiKeyRecord } from '../store/store.js';
import type { Store } from '../store/store.js';

/** Options of `createApiKey`. */
export interface CreateApiKeyOptions {
  scope: ApiKeyScope;
  /** A label for people (at most `MAX_NAME_LENGTH` characters, no control characters). @default '' */
  name?: string;
}

/** Options of `listApiKeys`. */
export interface ListApiKeysOptions {
  /** Include revoked keys. @default false */
  includeRevoked?: boolean;
}

/** A new key: `key` is shown this once and never stored; `info` is what lists show. */
export interface CreatedApiKey {
  readonly key: string;
  readonly info: ApiKeyInfo;
}

/**
 * A key's last use is recorded at most this often: verifying is a read, and a write per
 * request (a write lock on SQLite) would cost every request for a figure people read in minutes.
 */
export const LAST_USED_PRECISION_MS = 60_000;

function toInfo(record: ApiKeyRecord): ApiKeyInfo {
  return {
    id: record.id,
    name: record.name,
    scope: record.scope,
    createdAt: new Date(record.createdAtMs),
    revokedAt: record.revokedAtMs === null ? null : new Date(record.revokedAtMs),
    lastUsedAt: record.lastUsedAtMs === null ? null : new Date(record.lastUsedAtMs),
  };
}

/** The API key operations of a client. */
export class ApiKeys {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Creates a key. @throws {ConfigError} for a bad scope or name, naming the value received. */
  async create(options: CreateApiKeyOptions): Promise<CreatedApiKey> {
    if (typeof options !== 'object' || options === null) {
      throw new ConfigError(
        `createApiKey expects { scope, name? }, received ${String(options)}; e.g. { scope: 'read' }.`,
      );
    }
    const name = options.name ?? '';
    const problems = [apiKeyScopeProblem(options.scope), apiKeyNameProblem(name)].filter(
      (problem): problem is string => problem !== null,
    );
    if (problems.length > 0) throw new ConfigError(problems);
    const { id, secret, key } = newApiKey();
    const record = await this.store.insertApiKey({
      id,
      name,
      scope: options.scope,
      secretHash: hashApiKeySecret(secret),
      nowMs: this.clock.now(),
    });
    return { key, info: toInfo(record) };
  }

  /** Keys, oldest first (revoked ones only with `includeRevoked`). */
  async list(options: ListApiKeysOptions = {}): Promise<ApiKeyInfo[]> {
    const records = await this.store.listApiKeys({
      includeRevoked: options.includeRevoked === true,
    });
    return records.map(toInfo);
  }

  /** Revokes key `id`; a second revocation keeps the first time. @throws {NotFoundError} */
  async revoke(id: string): Promise<ApiKeyInfo> {
    const record =
      typeof id === 'string' && API_KEY_ID_PATTERN.test(id)
        ? await this.store.revokeApiKey({ id, nowMs: this.clock.now() })
        : null;
    if (record === null) {
      throw new NotFoundError(
        `No API key with id ${JSON.stringify(String(id))}; listApiKeys() (cloacinactl keys list) shows the ids.`,
      );
    }
    return toInfo(record);
  }

  /**
   * The key's info when `key` is a live key of this tenant; null when it is malformed, unknown,
   * has a wrong secret or is revoked. The key's id is not secret (lists show it), so only the
   * secret is compared in constant time. Throws only when the database fails.
   */
  async verify(key: unknown): Promise<ApiKeyInfo | null> {
    const parts = parseApiKey(key);
    if (parts === null) return null;
    const record = await this.store.getApiKey(parts.id);
    if (record === null || !secretMatches(parts.secret, record.secretHash)) return null;
    if (record.revokedAtMs !== null) return null;
    const nowMs = this.clock.now();
    const unusedSinceMs = nowMs - LAST_USED_PRECISION_MS;
    if (record.lastUsedAtMs !== null && record.lastUsedAtMs >= unusedSinceMs) return toInfo(record);
    let touched = false;
    try {
      touched = await this.store.touchApiKey({ id: record.id, nowMs, unusedSinceMs });
    } catch {
      // Bookkeeping only: the key verified whether or not its use was recorded (e.g. on a
      // read-only SQLite file, or with the write lock busy).
    }
    return toInfo(touched ? { ...record, lastUsedAtMs: nowMs } : record);
  }
}
