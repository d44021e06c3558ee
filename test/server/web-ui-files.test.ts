/**
 * The web UI's files as the server serves them: the page without a key and with its security
 * headers, hashed assets cached for good, a mount path without its trailing slash redirected
 * (relative asset URLs need it), a clear page when the UI is not built, and none with `ui: false`.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { Client } from '../../src/index.js';
import { createServer } from '../../src/server/index.js';
import { freshDatabaseUrl, quietLogger } from '../helpers/backend.js';
import { startServer } from '../helpers/server.js';

/** A folder shaped like a UI build: a page and one hashed asset. */
function fakeBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cloacina-ui-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><title>Cloacina</title><script src="./assets/app-1a2b.js"></script>',
  );
  writeFileSync(join(dir, 'assets', 'app-1a2b.js'), 'console.log("ui")');
  return dir;
}

describe('serving the web UI', () => {
  it('serves the page without a key, with a content security policy, and assets cached for good', async () => {
    const server = await startServer(undefined, { ui: fakeBuild() });
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await page.text()).toContain('./assets/app-1a2b.js');

    const asset = await fetch(`${server.url}/assets/app-1a2b.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(await asset.text()).toBe('console.log("ui")');

    // Outside the build folder nothing is served, and the API still wants its key.
    expect((await fetch(`${server.url}/assets/..%2f..%2fetc%2fpasswd`)).status).toBe(404);
    expect((await fetch(`${server.url}/assets/missing.js`)).status).toBe(404);
    expect((await server.call('/v1/workflows', { key: null })).status).toBe(401);
  });

  it('says how to build the UI when it is not built, and serves none with ui: false', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'cloacina-ui-empty-'));
    const unbuilt = await startServer(undefined, { ui: empty });
    const page = await fetch(`${unbuilt.url}/`);
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('npm run build');

    const none = await startServer(undefined, { ui: false });
    const answer = await none.call('/', { key: null });
    expect(answer.status).toBe(404);
    expect(answer.body.code).toBe('ROUTE_NOT_FOUND');
  });

  it('redirects a mount path without its slash, so relative asset URLs resolve under it', async () => {
    const client = await Client.connect(freshDatabaseUrl());
    const api = await createServer({ client, logger: quietLogger, ui: fakeBuild() });
    const app = express();
    app.use('/cloacina', api.handler);
    const server = createHttpServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const bare = await fetch(`${base}/cloacina`, { redirect: 'manual' });
      expect(bare.status).toBe(301);
      expect(bare.headers.get('location')).toBe('./cloacina/');
      expect(new URL(bare.headers.get('location')!, `${base}/cloacina`).pathname).toBe(
        '/cloacina/',
      );
      expect((await fetch(`${base}/cloacina/`)).status).toBe(200);
      expect((await fetch(`${base}/cloacina/assets/app-1a2b.js`)).status).toBe(200);
    } finally {
      await api.close();
      // fetch keeps its connections alive; close them rather than wait for their timeout.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await client.close();
    }
  });
});
