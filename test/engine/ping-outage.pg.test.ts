/**
 * `Client.ping()` once the PostgreSQL server is gone: it throws a `DatabaseError` (the server is
 * reached through a proxy that the test takes away), on the broken connection and on a fresh one.
 */
import { describe, expect, it } from 'vitest';
import { Client, DatabaseError } from '../../src/index.js';
import { freshDatabase } from '../helpers/backend.js';
import { pgProxy } from '../helpers/pg-proxy.js';

describe('Client.ping', () => {
  it('throws a DatabaseError once the PostgreSQL server is gone', async () => {
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
  });
});
