/** Asks the server who the session's key is, and moves the session to ready or to the prompt. */
import { api, ApiError } from './api/client.js';
import { currentKey, setSessionState } from './api/session.js';
import type { WhoAmI } from './api/types.js';

/**
 * Checks the stored key (or none: a server without keys answers anyway). 401 → the key prompt
 * (with the reason when a key was sent); a network error keeps the app on the prompt with it.
 */
export async function checkSession(): Promise<void> {
  setSessionState({ kind: 'checking' });
  try {
    const me = await api<WhoAmI>('v1/whoami');
    setSessionState({ kind: 'ready', scope: me.scope, auth: me.auth, name: me.name });
  } catch (error) {
    const hadKey = currentKey() !== null;
    if (error instanceof ApiError && error.status === 401) {
      setSessionState({
        kind: 'needKey',
        message: hadKey ? 'That key was refused: it is unknown, revoked or mistyped.' : null,
      });
    } else {
      setSessionState({
        kind: 'needKey',
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
