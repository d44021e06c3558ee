/**
 * `Client.ping()`, the health check: it resolves while the database answers and throws a
 * `DatabaseError` once it does not (PostgreSQL reached through a proxy that the test takes
 * away); on a closed client it fails like every other call.
 */
import { describe, expect, it } from 'vitest';
import { Client, DatabaseError } from '../../src/index.js';
import { backend, freshDatabase } from '../helpers/backend.js';
import { pgProxy } from '../helpers/pg-proxy.js';

describe('Client.ping', () => {
  it('resolves while the database answers, and fails as closed on a closed client', async () => {
    const client = await Client.connect(freshDatabase().url);
    await expect(client.ping()).resolves.toBeUndefined();
    await client.close();
    await expect(client.ping()).rejects.toMatchObject({ code: 'SHUTDOWN' });
  });

  it.runIf(backend === 'postgres')(
    'throws a DatabaseError once the PostgreSQL server is gone',
    async () => {
      const { schema } = freshDatabase();
      const proxy = await pgProxy();
      await using client = await Client.connect(proxy.url, { schema });
      await client.ping();

      // The server goes away: open connections are cut and new ones are refused.
      await proxy.kill();
      const error = await client.ping().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseError);
      expect((error as DatabaseError).code).toBe('DATABASE');
      // Still unreachable on a fresh connection (the pool dropped the broken one).
      await expect(client.ping()).rejects.toBeInstanceOf(DatabaseError);
    },
  );
});
