/**
 * `Client.ping()`, the health check: it resolves while the database answers; on a closed client
 * it fails like every other call. (`ping-outage.pg.test.ts`: once the server is gone.)
 */
import { describe, expect, it } from 'vitest';
import { Client } from '../../src/index.js';
import { freshDatabase } from '../helpers/backend.js';

describe('Client.ping', () => {
  it('resolves while the database answers, and fails as closed on a closed client', async () => {
    const client = await Client.connect(freshDatabase().url);
    await expect(client.ping()).resolves.toBeUndefined();
    await client.close();
    await expect(client.ping()).rejects.toMatchObject({ code: 'SHUTDOWN' });
  });
});
