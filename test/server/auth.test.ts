/**
 * The auth matrix: every route of the OpenAPI document × no key, a wrong key, a revoked key and
 * each scope. Routes come from the served document, so a route added without a scope, or with a
 * check that does not match its declared scope, fails here.
 */
import { get as httpGet } from 'node:http';
import { describe, expect, it } from 'vitest';
import { task, workflow, type ApiKeyScope } from '../../src/index.js';
import { createRunner, quietLogger, stopRunner } from '../helpers/backend.js';
import { definitionsStored, openStream, startServer, type TestServer } from '../helpers/server.js';

const RANK: Record<ApiKeyScope, number> = { read: 0, operate: 1, admin: 2 };

/** A GET through `node:http`, which sends the `Host` header it is given (fetch does not). */
function rawStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpGet(url, { headers }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
  });
}

interface RouteCase {
  readonly method: string;
  readonly path: string;
  readonly url: string;
  readonly scope: ApiKeyScope | 'public';
}

async function routesOf(srv: TestServer, ids: Record<string, string>): Promise<RouteCase[]> {
  const doc = (await srv.call('/v1/openapi.json', { key: null })).body as {
    paths: Record<string, Record<string, { 'x-required-scope'?: ApiKeyScope | 'public' }>>;
  };
  const cases: RouteCase[] = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const scope = operation['x-required-scope'];
      expect(scope, `${method} ${path} declares its scope`).toBeDefined();
      const url = path.replace(/\{(\w+)\}/g, (_, name: string) => {
        if (name === 'id' && path.startsWith('/v1/cron')) return ids.cron!;
        if (name === 'id' && path.startsWith('/v1/keys')) return ids.key!;
        return ids[name] ?? 'x';
      });
      cases.push({ method: method.toUpperCase(), path, url, scope: scope! });
    }
  }
  return cases;
}

/** The status of one call; streams are read only up to their headers. */
async function statusOf(srv: TestServer, route: RouteCase, key: string | null): Promise<number> {
  const abort = new AbortController();
  const headers: Record<string, string> = {};
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const hasBody = route.method !== 'GET' && route.method !== 'DELETE';
  if (hasBody) headers['content-type'] = 'application/json';
  const response = await fetch(`${srv.url}${route.url}`, {
    method: route.method,
    headers,
    body: hasBody ? '{}' : undefined,
    signal: abort.signal,
  });
  const status = response.status;
  abort.abort();
  await response.body?.cancel().catch(() => undefined);
  return status;
}

describe('HTTP API auth', () => {
  it('enforces every route × no key, wrong key, revoked key and each scope', async () => {
    const srv = await startServer();
    const runner = await createRunner({}, srv.dbUrl);
    runner.register(
      workflow({ name: 'greet', tasks: [task({ id: 'hello' }, async () => undefined)] }),
    );
    const result = await runner.execute('greet');
    await definitionsStored(srv.client, 'greet');
    const cron = await srv.client.registerCronWorkflow('greet', '0 3 * * *');
    const spare = await srv.client.createApiKey({ scope: 'read', name: 'spare' });
    const revoked = await srv.client.createApiKey({ scope: 'admin', name: 'revoked' });
    await srv.client.revokeApiKey(revoked.info.id);
    const ids = {
      id: result.executionId,
      cron,
      key: spare.info.id,
      name: 'greet',
      taskId: 'hello',
    };
    const routes = await routesOf(srv, ids);
    expect(routes.length).toBeGreaterThanOrEqual(30);
    const wrong = `${revoked.key.slice(0, -4)}AAAA`;

    const failures: string[] = [];
    const expectStatus = (
      route: RouteCase,
      who: string,
      status: number,
      ok: (s: number) => boolean,
    ) => {
      if (!ok(status)) failures.push(`${route.method} ${route.path} with ${who}: ${status}`);
    };
    for (const route of routes) {
      const open = route.scope === 'public';
      const denied = (s: number) => s === 401;
      const allowed = (s: number) => s !== 401 && s !== 403 && s < 500;
      expectStatus(route, 'no key', await statusOf(srv, route, null), open ? allowed : denied);
      expectStatus(
        route,
        'a malformed key',
        await statusOf(srv, route, 'not-a-key'),
        open ? allowed : denied,
      );
      expectStatus(
        route,
        'a wrong secret',
        await statusOf(srv, route, wrong),
        open ? allowed : denied,
      );
      expectStatus(
        route,
        'a revoked key',
        await statusOf(srv, route, revoked.key),
        open ? allowed : denied,
      );
      for (const scope of ['read', 'operate', 'admin'] as const) {
        const status = await statusOf(srv, route, srv.keys[scope]);
        const permitted = open || RANK[scope] >= RANK[route.scope];
        expectStatus(route, `a ${scope} key`, status, permitted ? allowed : (s) => s === 403);
      }
    }
    expect(failures).toEqual([]);
    // The scopes the API promises: every GET is read; keys and cron changes are admin;
    // starting, steering and rerunning executions is operate.
    for (const route of routes) {
      if (route.scope === 'public') continue;
      if (route.method === 'GET' && !route.path.startsWith('/v1/keys'))
        expect(route.scope).toBe('read');
      if (route.path.startsWith('/v1/keys')) expect(route.scope).toBe('admin');
      if (route.method === 'POST' && route.path.startsWith('/v1/executions'))
        expect(route.scope, route.path).toBe('operate');
    }
    expect(routes.map((r) => `${r.method} ${r.path}`)).toContain('POST /v1/executions/{id}/rerun');
    await stopRunner(runner);
  });

  it('ends an open event stream once its key is revoked', async () => {
    const srv = await startServer(undefined, { events: { heartbeat: '100ms' } });
    const { key, info } = await srv.client.createApiKey({ scope: 'read', name: 'watcher' });
    const stream = await openStream(srv.url, key);
    await srv.client.revokeApiKey(info.id);
    await stream.ended;
    expect((await srv.call('/v1/workflows', { key })).status).toBe(401);
  });

  it('says in a 401 how to get a key, and never lists a key itself', async () => {
    const srv = await startServer();
    const response = await srv.call('/v1/executions', { key: null });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('Bearer');
    expect(response.body.detail).toContain('cloacinactl keys create');
    const keys = await srv.client.listApiKeys();
    // The secret is the key's last 43 characters (base64url, which may itself hold '_').
    expect(JSON.stringify(keys)).not.toContain(srv.keys.admin.slice(-43));
  });

  it('refuses to listen without keys on an address other machines can reach', async () => {
    const srv = await startServer(undefined, { auth: 'none' });
    // The started one listens on loopback: no key needed.
    expect((await srv.call('/v1/workflows', { key: null })).status).toBe(200);
    // Another site's page, or a host name rebound to 127.0.0.1, is not this machine's own call.
    const headerCases: Record<string, string>[] = [
      { host: 'evil.example' },
      { host: 'evil.example:8080' },
      { origin: 'http://evil.example' },
      { 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of headerCases) {
      expect(await rawStatus(`${srv.url}/v1/workflows`, headers), JSON.stringify(headers)).toBe(
        403,
      );
    }
    expect(
      (await srv.call('/v1/workflows', { key: null, headers: { origin: 'http://localhost:3000' } }))
        .status,
    ).toBe(200);
    const { createServer } = await import('../../src/server/index.js');
    const open = await createServer({ client: srv.client, auth: 'none', logger: quietLogger });
    await expect(open.listen({ port: 0, host: '0.0.0.0' })).rejects.toMatchObject({
      code: 'CONFIG',
    });
    await open.close();
  });
});
