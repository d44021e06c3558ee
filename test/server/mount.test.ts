/**
 * The handler mounted in Express and in Fastify as docs/http-api.md shows: routes answer under
 * the mount path, bodies reach the API, and links name the full path.
 */
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { Client, task, workflow } from '../../src/index.js';
import { createServer } from '../../src/server/index.js';
import { createRunner, freshDatabaseUrl, quietLogger, stopRunner } from '../helpers/backend.js';
import { definitionsStored } from '../helpers/server.js';

async function fixture() {
  const url = freshDatabaseUrl();
  const runner = await createRunner({}, url);
  runner.register(
    workflow({ name: 'greet', tasks: [task({ id: 'hello' }, async () => undefined)] }),
  );
  const client = await Client.connect(url);
  await definitionsStored(client, 'greet');
  const { key } = await client.createApiKey({ scope: 'admin' });
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  return { runner, client, headers };
}

describe('mounting the API', () => {
  it('works under a path in Express', async () => {
    const { runner, client, headers } = await fixture();
    const api = await createServer({ client, logger: quietLogger });
    const app = express();
    app.use('/cloacina', api.handler);
    const server = createHttpServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cloacina`;
    try {
      expect((await fetch(`${base}/v1/workflows`, { headers })).status).toBe(200);
      const started = await fetch(`${base}/v1/executions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ workflow: 'greet', context: { a: 1 } }),
      });
      expect(started.status).toBe(201);
      const { executionId } = (await started.json()) as { executionId: string };
      expect(started.headers.get('location')).toBe(`/cloacina/v1/executions/${executionId}`);
      await client.waitForExecution(executionId);
      const rerun = await fetch(`${base}/v1/executions/${executionId}/rerun`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ from: 'start' }),
      });
      expect(rerun.status).toBe(201);
      const { executionId: rerunId } = (await rerun.json()) as { executionId: string };
      expect(rerun.headers.get('location')).toBe(`/cloacina/v1/executions/${rerunId}`);
      const missing = await fetch(`${base}/v1/nope`, { headers });
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as { detail: string }).detail).toContain('/cloacina/v1/nope');
    } finally {
      await api.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await client.close();
      await stopRunner(runner);
    }
  });

  it('works under a path in Fastify, bodies included', async () => {
    const { runner, client, headers } = await fixture();
    const api = await createServer({ client, basePath: '/cloacina', logger: quietLogger });
    const fastify = Fastify();
    await fastify.register(async (scope) => {
      // The API reads the body itself: Fastify must leave it unread.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
      scope.all('/cloacina/*', (request, reply) => {
        reply.hijack();
        api.handler(request.raw, reply.raw);
      });
    });
    const base = `${await fastify.listen({ port: 0, host: '127.0.0.1' })}/cloacina`;
    try {
      expect((await fetch(`${base}/v1/workflows`, { headers })).status).toBe(200);
      const created = await fetch(`${base}/v1/keys`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ scope: 'read', name: 'from-fastify' }),
      });
      expect(created.status).toBe(201);
      const started = await fetch(`${base}/v1/executions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ workflow: 'greet' }),
      });
      expect(started.status).toBe(201);
      const bad = await fetch(`${base}/v1/executions`, { method: 'POST', headers, body: '{' });
      expect(bad.status).toBe(400);
    } finally {
      await api.close();
      await fastify.close();
      await client.close();
      await stopRunner(runner);
    }
  });
});
