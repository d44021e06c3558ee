/**
 * Builds the web UI into `dist/ui`, which the server serves at `/` (see `src/server/ui.ts`).
 * Asset URLs are relative (`base: './'`) and routes live in the URL's hash, so the same build works
 * wherever the API is mounted (`/`, `/cloacina/` behind Express, …) without a rebuild.
 *
 * `npm run dev:ui` serves it with hot reload and forwards `/v1` to a local server
 * (`CLOACINA_API`, default http://127.0.0.1:8080).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    // Served from the package on loopback or an intranet: one small bundle, no source maps.
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: { '/v1': { target: process.env.CLOACINA_API ?? 'http://127.0.0.1:8080' } },
  },
});
