/**
 * Bearer API keys: every route declares the scope it needs (`read` < `operate` < `admin`), and
 * this middleware enforces it. No key or an unknown, wrong or revoked one is 401; a valid key
 * whose scope is too low is 403. The key itself is never logged, only its id.
 */
import type { MiddlewareHandler } from 'hono';
import { scopeAllows, type ApiKeyScope } from '../index.js';
import type { ApiEnv, ServerDeps } from './app-types.js';
import { HttpErrorCode, problem, problemResponse } from './problem.js';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The key of an `Authorization: Bearer <key>` header, if it has that form. */
export function bearerKey(header: string | undefined): string | undefined {
  return header === undefined ? undefined : BEARER.exec(header)?.[1];
}

/** Middleware requiring a key with at least `scope` (or nothing when auth is off). */
export function requireScope(deps: ServerDeps, scope: ApiKeyScope): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    c.set('keyId', null);
    c.set('keyName', null);
    c.set('keyScope', null);
    if (deps.auth === 'none') return next();
    const header = c.req.header('authorization');
    const challenge = { 'www-authenticate': 'Bearer realm="cloacina"' };
    if (header === undefined) {
      return problemResponse(
        problem(
          401,
          HttpErrorCode.UNAUTHORIZED,
          'This route needs an API key: send "Authorization: Bearer <key>" (create one with `cloacinactl keys create --scope read`).',
        ),
        challenge,
      );
    }
    const key = bearerKey(header);
    const info = key === undefined ? null : await deps.client.verifyApiKey(key);
    if (info === null) {
      return problemResponse(
        problem(
          401,
          HttpErrorCode.UNAUTHORIZED,
          'The API key is unknown, revoked or malformed: send "Authorization: Bearer <key>" with a key from `cloacinactl keys create`.',
        ),
        challenge,
      );
    }
    // Set before the scope check, so that a 403 is logged with the key that was refused.
    c.set('keyId', info.id);
    c.set('keyName', info.name);
    c.set('keyScope', info.scope);
    if (!scopeAllows(info.scope, scope)) {
      return problemResponse(
        problem(
          403,
          HttpErrorCode.FORBIDDEN,
          `This route needs the '${scope}' scope; key ${info.id} has '${info.scope}'.`,
        ),
      );
    }
    return next();
  };
}
