/**
 * The web UI: the static files Vite built into `dist/ui`, served at the API's root (`/` and
 * `/assets/*`) without a key — the page asks for one and sends it with every API call. Hashed
 * assets are cached forever; the page itself is revalidated, so a new version shows at once.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Context, Next } from 'hono';
import type { ApiApp, ApiEnv } from './app-types.js';
import { requestPath } from './route.js';

/**
 * Where the built UI is: `dist/ui` next to `dist/server` in the package; from the sources (tests,
 * `tsx`), the same `dist/ui` that `npm run build` writes.
 */
export function defaultUiDir(): string | null {
  for (const relative of ['../ui/', '../../dist/ui/']) {
    const dir = builtUiIn(fileURLToPath(new URL(relative, import.meta.url)));
    if (dir !== null) return dir;
  }
  return null;
}

/** `dir` when it holds a built UI (its `index.html`), else null. */
export function builtUiIn(dir: string): string | null {
  return existsSync(join(dir, 'index.html')) ? dir : null;
}

/** What the page may load: only this server's own scripts, styles and API. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // The DAG and timeline set positions through style attributes.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Cloacina</title>
<p>The web UI is not built in this copy of Cloacina. Run <code>npm run build</code>, or use the API at <a href="v1/openapi.json">v1/openapi.json</a>.</p>`;

/** Registers the UI's routes on `app` (after the API's, which take precedence). */
export function uiRoutes(app: ApiApp, dir: string | null, basePath: string): void {
  const page = async (c: Context<ApiEnv, string>, next: Next) => {
    // Asset URLs are relative to the page: `/mount` must become `/mount/` for them to resolve.
    const path = requestPath(c);
    if (!path.endsWith('/') && !path.endsWith('/index.html')) {
      // Relative to the path asked for (`/mount` → `mount/`), so no request line, however
      // crafted (`GET http://elsewhere/mount`), can send the browser to another host.
      const last = path.slice(path.lastIndexOf('/') + 1);
      const query = new URL(c.req.url).search;
      return c.redirect(`./${last}/${query}`, 301);
    }
    if (dir === null) return c.html(NOT_BUILT, 404);
    c.header('content-security-policy', CONTENT_SECURITY_POLICY);
    c.header('cache-control', 'no-cache');
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'no-referrer');
    return index(c, next);
  };
  const index = serveStatic<ApiEnv>({ root: dir ?? '', path: 'index.html' });
  app.get('/', page);
  app.get('/index.html', page);
  if (dir === null) return;
  app.get(
    '/assets/*',
    serveStatic<ApiEnv>({
      root: dir,
      rewriteRequestPath: (path) =>
        basePath !== '' && path.startsWith(basePath) ? path.slice(basePath.length) : path,
      onFound: (_path, c) => {
        // Vite puts a content hash in every asset's name: a changed file gets a new name.
        c.header('cache-control', 'public, max-age=31536000, immutable');
        c.header('x-content-type-options', 'nosniff');
      },
    }),
  );
}
