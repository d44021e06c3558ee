/**
 * API keys belong to one tenant: stored in its PostgreSQL schema, a key verifies only for a
 * client of that schema, and is unknown (null, not an error) to a client of any other.
 */
import { describe, expect, it } from 'vitest';
import { Client, NotFoundError } from '../../src/index.js';
import { freshDatabase } from '../helpers/backend.js';
import { PG_URL, pgAdmin } from '../helpers/pg.js';

describe('API keys per tenant', () => {
  it('a key of one schema is unknown in another, and revoking it there fails', async () => {
    const a = freshDatabase();
    const b = freshDatabase();
    // One tenant named by the client's schema option on the plain URL, the other by its URL.
    await using clientA = await Client.connect(PG_URL, { schema: a.schema });
    await using clientB = await Client.connect(b.url);
    const keyA = await clientA.createApiKey({ scope: 'admin', name: 'tenant a' });
    const keyB = await clientB.createApiKey({ scope: 'read', name: 'tenant b' });

    expect((await clientA.verifyApiKey(keyA.key))?.id).toBe(keyA.info.id);
    expect((await clientB.verifyApiKey(keyB.key))?.id).toBe(keyB.info.id);
    expect(await clientB.verifyApiKey(keyA.key)).toBeNull();
    expect(await clientA.verifyApiKey(keyB.key)).toBeNull();
    expect((await clientA.listApiKeys()).map((k) => k.id)).toEqual([keyA.info.id]);
    expect((await clientB.listApiKeys()).map((k) => k.id)).toEqual([keyB.info.id]);
    await expect(clientB.revokeApiKey(keyA.info.id)).rejects.toBeInstanceOf(NotFoundError);
    expect(await clientA.verifyApiKey(keyA.key)).not.toBeNull();

    // Each key's row is in its tenant's schema, and only there.
    for (const [schema, id] of [
      [a.schema!, keyA.info.id],
      [b.schema!, keyB.info.id],
    ] as const) {
      const rows = await pgAdmin<{ id: string }>(`SELECT id FROM "${schema}".api_keys`);
      expect(rows.map((r) => r.id)).toEqual([id]);
    }
    const inPublic = await pgAdmin<{ n: number }>(
      `SELECT count(*)::int AS n FROM information_schema.tables
       WHERE table_schema = 'public' AND table_name = 'api_keys'`,
    );
    // Another test run may have migrated public; it must hold neither key then.
    if (inPublic[0]!.n > 0) {
      const rows = await pgAdmin<{ id: string }>(
        'SELECT id FROM public.api_keys WHERE id = ANY($1)',
        [[keyA.info.id, keyB.info.id]],
      );
      expect(rows).toEqual([]);
    }
  });
});
