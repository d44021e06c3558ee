/**
 * Module resolution hooks of the daemon, registered with `module.register` (so they run on
 * Node's loader thread, for every import of the process):
 * - the bare names `cloacina` and `cloacina/server` resolve to the daemon's own copy of the
 *   library, wherever the importing module lives. A module's `Workflow` must be the daemon's
 *   `Workflow` class; a second copy (the module's folder resolving `cloacina` to another
 *   install, or to the dist/ of a checkout when the daemon runs another one) builds workflows
 *   the daemon cannot run.
 * - TypeScript files of the module folder load as ES modules whatever the `"type"` of the
 *   nearest package.json: compiled as CommonJS, their imports would become `require` calls,
 *   which load the ES library a second time or not at all.
 * This file imports nothing but Node: it runs in a thread of its own.
 */
import type { InitializeHook, ResolveHook } from 'node:module';

/** What the daemon hands the hooks when it registers them. */
export interface LibraryHooksData {
  /** Bare specifier → file URL of the daemon's own module for it. */
  readonly library: Readonly<Record<string, string>>;
  /** File URL of the module folder (its real path), ending in `/`. */
  readonly folder: string;
}

let data: LibraryHooksData = { library: {}, folder: '' };

/** Receives the daemon's library URLs and module folder. */
export const initialize: InitializeHook<LibraryHooksData> = (value) => {
  data = value;
};

function isFolderTypeScript(url: string): boolean {
  if (data.folder === '' || !url.startsWith(data.folder)) return false;
  const path = new URL(url).pathname;
  return /\.m?ts$/.test(path) && !/\.d\.m?ts$/.test(path) && !path.includes('/node_modules/');
}

/** Maps the library's bare names to the daemon's copy; makes the folder's TypeScript ESM. */
export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  const own = data.library[specifier];
  if (own !== undefined) return { url: own, format: 'module', shortCircuit: true };
  const resolved = await nextResolve(specifier, context);
  return isFolderTypeScript(resolved.url) ? { ...resolved, format: 'module' } : resolved;
};
