/**
 * globalSetup of the browser projects: builds the web UI once into a folder of the project's own
 * (so two projects never overwrite each other's build, nor `dist/ui`), and checks that Chromium
 * is installed, failing with how to install it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import type { TestProject } from 'vitest/node';
import { chromiumPath } from './chromium.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The folder holding this project's build of the web UI. */
    uiDir: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const executable = chromiumPath();
  if (!existsSync(executable)) {
    throw new Error(
      `Chromium is not installed at ${executable}: the web UI is tested in a real browser. ` +
        'Install it with `apt-get install -y chromium` (or set CLOACINA_CHROMIUM to its binary).',
    );
  }
  const outDir = fileURLToPath(new URL(`../../.tmp/ui-build/${project.name}/`, import.meta.url));
  await build({
    configFile: fileURLToPath(new URL('../../ui/vite.config.ts', import.meta.url)),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  project.provide('uiDir', outDir);
}
