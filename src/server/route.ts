/**
 * Declaring a route's scope once: `secured(scope)` goes into the route's definition (so the
 * OpenAPI document shows it: `security` and `x-required-scope`), and `guard()` installs the key
 * check for exactly that method and path before the handler.
 */
import type { RouteConfig } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ApiApp, ApiEnv, RouteScope, ServerDeps } from './app-types.js';
import { requireScope } from './auth.js';
import { ProblemSchema } from './schemas.js';

/** The security part of a route's definition. */
export function secured(scope: RouteScope): {
  security: { bearerAuth: string[] }[];
  'x-required-scope': RouteScope;
} {
  return {
    security: scope === 'public' ? [] : [{ bearerAuth: [] }],
    'x-required-scope': scope,
  };
}

/** Installs the key check a route's `x-required-scope` asks for. */
export function guard(
  app: ApiApp,
  deps: ServerDeps,
  route: RouteConfig & { getRoutingPath(): string },
): void {
  const scope = (route as { 'x-required-scope'?: RouteScope })['x-required-scope'];
  if (scope === undefined) throw new Error(`route ${route.method} ${route.path} declares no scope`);
  if (scope === 'public') return;
  app.on(route.method.toUpperCase(), route.getRoutingPath(), requireScope(deps, scope));
}

/**
 * The path the client asked for, with the prefix of a framework that mounted the handler (Express
 * strips it from the URL the handler sees and keeps it in `originalUrl`).
 */
export function requestPath(c: Context<ApiEnv>): string {
  const original = (c.env?.incoming as { originalUrl?: string } | undefined)?.originalUrl;
  return (original ?? new URL(c.req.url).pathname).split('?')[0]!;
}

/** A JSON response entry of a route definition. */
export function json<T>(schema: T, description: string) {
  return { content: { 'application/json': { schema } }, description };
}

/** The problem responses a route may give, for the OpenAPI document. */
export function problems(...statuses: number[]) {
  const out: Record<
    number,
    {
      content: { 'application/problem+json': { schema: typeof ProblemSchema } };
      description: string;
    }
  > = {};
  for (const status of statuses) {
    out[status] = {
      content: { 'application/problem+json': { schema: ProblemSchema } },
      description: PROBLEM_TEXT[status] ?? 'Error',
    };
  }
  return out;
}

const PROBLEM_TEXT: Record<number, string> = {
  400: 'Malformed JSON, an invalid parameter or an unknown field',
  401: 'No API key, or an unknown or revoked one',
  403: 'The key’s scope is too low',
  404: 'Unknown id or name',
  409: 'The transition is not allowed in the current state',
  413: 'Body over 1 MB',
  422: 'The input fails the workflow’s schema',
  503: 'The database is unreachable or the server is shutting down',
};

/** Problems every secured route may answer. */
export const AUTH_PROBLEMS = [401, 403] as const;
