/** Health, the caller's identity, runners and API keys. */
import { createRoute, z } from '@hono/zod-openapi';
import { InvalidCursorError } from '../../index.js';
import type { ApiApp, ServerDeps } from '../app-types.js';
import { jsonify } from '../json.js';
import { AUTH_PROBLEMS, guard, json, problems, secured } from '../route.js';
import {
  ApiKeySchema,
  CreatedKeySchema,
  CreateKeyBody,
  HealthSchema,
  PageQuery,
  pageOf,
  RunnerSchema,
  WhoamiSchema,
} from '../schemas.js';

/** How long health waits for the database before it answers 503. */
const HEALTH_TIMEOUT_MS = 2_000;

function healthRoute(path: string) {
  return createRoute({
    method: 'get',
    path,
    tags: ['system'],
    summary: path === '/healthz' ? 'Alias of /v1/health' : 'Liveness and readiness (no key needed)',
    ...secured('public'),
    responses: {
      200: json(HealthSchema, 'The database answers and the server is not shutting down'),
      503: json(HealthSchema, 'The database is unreachable, or the server is shutting down'),
    },
  });
}
const health = healthRoute('/v1/health');
const healthz = healthRoute('/healthz');

const whoami = createRoute({
  method: 'get',
  path: '/v1/whoami',
  tags: ['system'],
  summary: 'The key making the request and its scope, so a UI shows only what it may do',
  ...secured('read'),
  responses: {
    200: json(WhoamiSchema, 'The caller'),
    ...problems(...AUTH_PROBLEMS),
  },
});

const runners = createRoute({
  method: 'get',
  path: '/v1/runners',
  tags: ['system'],
  summary: 'Live runners, their heartbeats and the tasks they hold',
  ...secured('read'),
  request: {
    query: PageQuery.extend({
      includeStopped: z.enum(['true', 'false']).optional().openapi({ example: 'false' }),
    }),
  },
  responses: {
    200: json(pageOf(RunnerSchema, 'RunnerPage'), 'Runners, newest heartbeat first'),
    ...problems(400, ...AUTH_PROBLEMS),
  },
});

const listKeys = createRoute({
  method: 'get',
  path: '/v1/keys',
  tags: ['keys'],
  summary: 'API keys of this tenant (never the key itself)',
  ...secured('admin'),
  request: {
    query: PageQuery.extend({
      includeRevoked: z.enum(['true', 'false']).optional(),
    }),
  },
  responses: {
    200: json(pageOf(ApiKeySchema, 'ApiKeyPage'), 'Keys, oldest first'),
    ...problems(400, ...AUTH_PROBLEMS),
  },
});

const createKey = createRoute({
  method: 'post',
  path: '/v1/keys',
  tags: ['keys'],
  summary: 'Create an API key (the response is the only time the key is shown)',
  ...secured('admin'),
  request: {
    body: { content: { 'application/json': { schema: CreateKeyBody } }, required: true },
  },
  responses: {
    201: json(CreatedKeySchema, 'The key, shown once'),
    ...problems(400, ...AUTH_PROBLEMS, 413),
  },
});

const revokeKey = createRoute({
  method: 'post',
  path: '/v1/keys/{id}/revoke',
  tags: ['keys'],
  summary: 'Revoke an API key (at once, for every server of this tenant)',
  ...secured('admin'),
  request: {
    params: z.strictObject({
      id: z
        .string()
        .min(1)
        .max(64)
        .regex(/^[A-Za-z0-9_-]+$/)
        .openapi({ param: { name: 'id', in: 'path' } }),
    }),
  },
  responses: {
    200: json(ApiKeySchema, 'The revoked key'),
    ...problems(400, ...AUTH_PROBLEMS, 404),
  },
});

/**
 * Pages a short list held in memory (runners, keys: tens of rows): the cursor is the position
 * after the last item given, tied to the id of that item so a changed list is noticed.
 */
function pageInMemory<T>(
  items: readonly T[],
  idOf: (item: T) => string,
  limit = 100,
  cursor: string | undefined,
): { items: T[]; nextCursor: string | null } {
  let start = 0;
  if (cursor !== undefined) {
    const index = items.findIndex((item) => idOf(item) === cursor);
    if (index < 0) throw new InvalidCursorError(cursor, 'list');
    start = index + 1;
  }
  const page = items.slice(start, start + limit);
  const last = page.at(-1);
  return {
    items: page,
    nextCursor: start + limit < items.length && last !== undefined ? idOf(last) : null,
  };
}

/** Registers health, whoami, runner and key routes. */
export function systemRoutes(app: ApiApp, deps: ServerDeps): void {
  const { client } = deps;
  for (const route of [health, healthz, whoami, runners, listKeys, createKey, revokeKey]) {
    guard(app, deps, route);
  }

  for (const route of [health, healthz]) {
    app.openapi(route, async (c) => {
      if (deps.isShuttingDown()) return c.json({ status: 'shutting down' as const }, 503);
      try {
        await withTimeout(client.ping(), HEALTH_TIMEOUT_MS);
        return c.json({ status: 'ok' as const }, 200);
      } catch (error) {
        // The reason goes to the log: health needs no key, and driver messages name hosts.
        deps.logger.warn({ err: error }, 'health: the database does not answer');
        return c.json(
          { status: 'unavailable' as const, detail: 'The database does not answer.' },
          503,
        );
      }
    });
  }

  app.openapi(whoami, (c) => {
    // Without keys every caller is this machine's own (the loopback check) and may do
    // everything, as every route lets it.
    if (deps.auth === 'none') {
      return c.json(
        { auth: 'none' as const, keyId: null, name: null, scope: 'admin' as const },
        200,
      );
    }
    // The guard verified the key before this handler and set what it is.
    const scope = c.get('keyScope');
    if (scope === null) throw new Error('whoami: the key guard did not run');
    return c.json(
      { auth: 'keys' as const, keyId: c.get('keyId'), name: c.get('keyName'), scope },
      200,
    );
  });

  app.openapi(runners, async (c) => {
    const { limit, cursor, includeStopped } = c.req.valid('query');
    const all = await client.listRunners({ includeStopped: includeStopped === 'true' });
    return c.json(jsonify(pageInMemory(all, (r) => r.runnerId, limit, cursor)), 200);
  });

  app.openapi(listKeys, async (c) => {
    const { limit, cursor, includeRevoked } = c.req.valid('query');
    const all = await client.listApiKeys({ includeRevoked: includeRevoked === 'true' });
    return c.json(jsonify(pageInMemory(all, (k) => k.id, limit, cursor)), 200);
  });

  app.openapi(createKey, async (c) => {
    const body = c.req.valid('json');
    const created = await client.createApiKey({ scope: body.scope, name: body.name });
    deps.logger.info(
      { keyId: created.info.id, scope: created.info.scope, by: c.get('keyId') },
      'API key created',
    );
    return c.json(jsonify(created), 201);
  });

  app.openapi(revokeKey, async (c) => {
    const { id } = c.req.valid('param');
    const info = await client.revokeApiKey(id);
    deps.logger.info({ keyId: id, by: c.get('keyId') }, 'API key revoked');
    return c.json(jsonify(info), 200);
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the database did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
