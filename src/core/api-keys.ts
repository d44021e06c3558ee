/**
 * API keys, the parts that need no database: scopes and their order, the key format, hashing
 * and comparing secrets, and what a key's name and scope may be.
 *
 * A key reads `ck_<id>_<secret>`. The id is 16 lower-case hex characters (64 random bits): it is
 * not secret (`listApiKeys()` shows it) and finds the stored row by primary key. The secret is 32
 * random bytes in base64url (43 characters); only its SHA-256 is stored.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { describeValue } from './describe.js';
import { describeName } from './ids.js';
import { MAX_NAME_LENGTH } from './limits.js';

/** The scopes of an API key, from least to most allowed: each allows what those before it do. */
export const API_KEY_SCOPES = ['read', 'operate', 'admin'] as const;

/** What an API key may do: `read` < `operate` < `admin`. */
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** An API key as stored and listed: never the key itself, nor its hash. */
export interface ApiKeyInfo {
  /** The id inside the key (`ck_<id>_…`); names the key in `revokeApiKey`. */
  readonly id: string;
  /** A label chosen at creation ('' when none was given). */
  readonly name: string;
  readonly scope: ApiKeyScope;
  readonly createdAt: Date;
  /** When the key was revoked; it verifies no more from then on. */
  readonly revokedAt: Date | null;
  /** When the key last verified, to the minute (it is recorded at most once a minute). */
  readonly lastUsedAt: Date | null;
}

/** True when `value` is one of {@link API_KEY_SCOPES}. */
export function isApiKeyScope(value: unknown): value is ApiKeyScope {
  return typeof value === 'string' && (API_KEY_SCOPES as readonly string[]).includes(value);
}

/**
 * Whether a key with scope `have` may do what needs scope `need`. Anything but a known scope on
 * either side allows nothing, so a mistake never grants access.
 */
export function scopeAllows(have: ApiKeyScope, need: ApiKeyScope): boolean {
  if (!isApiKeyScope(have) || !isApiKeyScope(need)) return false;
  return API_KEY_SCOPES.indexOf(have) >= API_KEY_SCOPES.indexOf(need);
}

/** The id part of a key: 16 lower-case hex characters. */
export const API_KEY_ID_PATTERN = /^[0-9a-f]{16}$/;

/** A whole key: the prefix, the id, and 43 base64url characters of secret. */
const KEY_PATTERN = /^ck_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const KEY_LENGTH = 'ck_'.length + 16 + 1 + 43;

/** A key taken apart. */
export interface ApiKeyParts {
  readonly id: string;
  readonly secret: string;
}

/** A new random key and its parts. */
export function newApiKey(): ApiKeyParts & { readonly key: string } {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, key: `ck_${id}_${secret}` };
}

/** The id and secret of a well-formed key; null for anything else (never throws). */
export function parseApiKey(key: unknown): ApiKeyParts | null {
  if (typeof key !== 'string' || key.length !== KEY_LENGTH) return null;
  const match = KEY_PATTERN.exec(key);
  if (match === null) return null;
  return { id: match[1]!, secret: match[2]! };
}

/**
 * The stored form of a secret: its SHA-256, lower-case hex. A fast hash is right here, unlike
 * for passwords: the secret is 256 random bits, so there is no dictionary to try and a brute
 * force over the hash is as hopeless as over the secret itself; a slow hash (bcrypt, scrypt)
 * would only make every request pay for it.
 */
export function hashApiKeySecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * Whether `secret` hashes to `storedHash`, compared in constant time, so the time a wrong
 * secret takes to be refused tells nothing about how much of its hash matched.
 */
export function secretMatches(secret: string, storedHash: string): boolean {
  const expected = Buffer.from(storedHash, 'hex');
  const actual = createHash('sha256').update(secret, 'utf8').digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Control characters (C0, DEL, C1), which a key's name may not hold. */
const CONTROL = /\p{Cc}/u;

/** Why `name` cannot name an API key, or null when it can ('' can). */
export function apiKeyNameProblem(name: unknown): string | null {
  if (typeof name === 'string' && name.length <= MAX_NAME_LENGTH && !CONTROL.test(name)) {
    return null;
  }
  // A short string as JSON, so that the control character it holds shows as an escape.
  const received =
    typeof name === 'string' && name.length <= MAX_NAME_LENGTH
      ? JSON.stringify(name)
      : describeName(name);
  return `an API key's name must be a string of at most ${MAX_NAME_LENGTH} characters without control characters, received ${received}.`;
}

/** Why `scope` is not an API key scope, or null when it is. */
export function apiKeyScopeProblem(scope: unknown): string | null {
  if (isApiKeyScope(scope)) return null;
  return `an API key's scope must be one of ${API_KEY_SCOPES.map((s) => `'${s}'`).join(', ')}, received ${describeValue(scope)}.`;
}
