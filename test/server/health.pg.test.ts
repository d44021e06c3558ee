/** `/v1/health` answers 503 while the database is unreachable (PostgreSQL behind a proxy). */
import { describe, expect, it } from 'vitest';
import { Client } from '../../src/index.js';
import { createServer } from '../../src/server/index.js';
import { freshDatabase, quietLogger } from '../helpers/backend.js';
import { pgProxy } from '../helpers/pg-proxy.js';

describe('GET /v1/health', () => {
  it('is 503 once the database is unreachable', async () => {
    const { schema } = freshDatabase();
    const proxy = await pgProxy();
    await using client = await Client.connect(proxy.url, { schema });
    const server = await createServer({ client, logger: quietLogger });
    const { url: api } = await server.listen({ port: 0 });
    try {
      expect((await fetch(`${api}/v1/health`)).status).toBe(200);
      await proxy.kill();
      const down = await fetch(`${api}/v1/health`);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({
        status: 'unavailable',
        detail: expect.any(String),
      });
      // The alias says the same.
      expect((await fetch(`${api}/healthz`)).status).toBe(503);
    } finally {
      await server.close();
    }
  });
});
