/**
 * The browser session: the API key (asked once, kept in `sessionStorage`, so it ends with the
 * tab and is never written to disk by us) and what the server says the key may do.
 */

const KEY_ITEM = 'cloacina.apiKey';

/** Where the session stands. */
export type SessionState =
  | { readonly kind: 'checking' }
  /** A key is needed: none was given, or the server refused it (`message` says why). */
  | { readonly kind: 'needKey'; readonly message: string | null }
  | {
      readonly kind: 'ready';
      readonly scope: Scope;
      readonly auth: 'keys' | 'none';
      readonly name: string | null;
    };

import type { Scope } from './types.js';

let state: SessionState = { kind: 'checking' };
const listeners = new Set<() => void>();

/** The current session state. */
export function sessionState(): SessionState {
  return state;
}

/** Calls `listener` on every change; returns the unsubscribe function. */
export function onSessionChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Moves the session to `next` and tells the listeners. */
export function setSessionState(next: SessionState): void {
  state = next;
  for (const listener of listeners) listener();
}

/** The stored API key, if any. */
export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(KEY_ITEM);
  } catch {
    return null;
  }
}

/** Stores (or with null forgets) the API key for this tab's session. */
export function storeKey(key: string | null): void {
  try {
    if (key === null) sessionStorage.removeItem(KEY_ITEM);
    else sessionStorage.setItem(KEY_ITEM, key);
  } catch {
    // Storage disabled (private mode policies): the key lives until the page reloads.
  }
  memoryKey = key;
}

let memoryKey: string | null = null;

/** The key to send: the stored one, or the one kept in memory when storage is unavailable. */
export function currentKey(): string | null {
  return storedKey() ?? memoryKey;
}

const RANK: Record<Scope, number> = { read: 0, operate: 1, admin: 2 };

/** True when the session's key has at least `scope` (false until the session is ready). */
export function hasScope(scope: Scope): boolean {
  const s = state;
  return s.kind === 'ready' && RANK[s.scope] >= RANK[scope];
}
