/** The OpenAPI document: valid OpenAPI 3.1, generated from the routes, listing every one. */
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';

describe('GET /v1/openapi.json', () => {
  it('validates as OpenAPI 3.1 and lists every route the server answers', async () => {
    const srv = await startServer();
    const doc = (await srv.call('/v1/openapi.json', { key: null })).body as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');

    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
      ),
    );
    // Every handler the router has (guards share their route's method and path).
    const served = new Set(
      srv.server.app.routes
        // The web UI's page and files are not API routes (see web-ui-files.test.ts).
        .filter((route) => route.method !== 'ALL' && route.path !== '/v1/openapi.json')
        .filter((route) => !['/', '/index.html', '/assets/*'].includes(route.path))
        .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, '{$1}')}`),
    );
    expect([...served].filter((route) => !documented.has(route))).toEqual([]);
    expect([...documented].filter((route) => !served.has(route))).toEqual([]);
    for (const route of [
      'GET /v1/health',
      'GET /healthz',
      'GET /v1/workflows',
      'GET /v1/workflows/{name}',
      'GET /v1/workflows/{name}/versions',
      'GET /v1/stats',
      'GET /v1/executions',
      'POST /v1/executions',
      'GET /v1/executions/{id}',
      'GET /v1/executions/{id}/events',
      'GET /v1/executions/{id}/tasks',
      'GET /v1/executions/{id}/tasks/{taskId}',
      'GET /v1/executions/{id}/tasks/{taskId}/logs',
      'POST /v1/executions/{id}/cancel',
      'POST /v1/executions/{id}/pause',
      'POST /v1/executions/{id}/resume',
      'POST /v1/executions/{id}/rerun',
      'GET /v1/triggers',
      'GET /v1/triggers/{name}',
      'GET /v1/triggers/{name}/history',
      'POST /v1/triggers/{name}/enable',
      'POST /v1/triggers/{name}/disable',
      'POST /v1/triggers/{name}/fire',
      'GET /v1/cron',
      'POST /v1/cron',
      'GET /v1/cron/{id}',
      'PATCH /v1/cron/{id}',
      'DELETE /v1/cron/{id}',
      'POST /v1/cron/{id}/enable',
      'POST /v1/cron/{id}/disable',
      'GET /v1/cron/{id}/history',
      'GET /v1/runners',
      'GET /v1/whoami',
      'GET /v1/events/stream',
      'GET /v1/keys',
      'POST /v1/keys',
      'POST /v1/keys/{id}/revoke',
    ]) {
      expect(documented.has(route), route).toBe(true);
    }
  });
});
