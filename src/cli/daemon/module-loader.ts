/**
 * How the daemon turns one module file into its exports: the library's bare names resolve to
 * the daemon's own copy, TypeScript compiles through `tsx` (an optional peer dependency, asked
 * for when a `.ts` module is met), and an import that does not settle in time, or is abandoned
 * because the daemon stops, fails instead of wedging the daemon.
 */
import { register } from 'node:module';
import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CloacinaError } from '../../index.js';
import type { LibraryHooksData } from './library-hooks.js';

/** Stable codes of the reasons a module is not loaded. */
export const ModuleLoadCode = {
  /** The module threw while it was imported (a syntax error, a missing import, ...). */
  IMPORT_FAILED: 'MODULE_IMPORT_FAILED',
  /** The import did not settle within `--load-timeout` (a top-level await that never ends). */
  TIMEOUT: 'MODULE_LOAD_TIMEOUT',
  /** The daemon stopped while the module was loading. */
  ABANDONED: 'MODULE_LOAD_ABANDONED',
  /** A TypeScript module was met and `tsx` is not installed. */
  TSX_MISSING: 'TSX_MISSING',
  /** The module's workflows come from another copy of the library. */
  FOREIGN_LIBRARY: 'FOREIGN_LIBRARY',
  /** The file is a symbolic link leading out of the module folder. */
  SYMLINK_OUTSIDE_DIR: 'SYMLINK_OUTSIDE_DIR',
  /** The module's exports or their registration were refused (e.g. a malformed `cron`). */
  REGISTRATION_FAILED: 'MODULE_REGISTRATION_FAILED',
} as const;

/** Why one module of the daemon's folder was not loaded. */
export class ModuleLoadError extends CloacinaError {
  /** The module's file name. */
  readonly module: string;

  constructor(
    code: (typeof ModuleLoadCode)[keyof typeof ModuleLoadCode],
    module: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.module = module;
  }
}

const TYPESCRIPT = new Set(['.ts', '.mts']);

/** Whether a module file needs the TypeScript compiler. */
export function isTypeScript(name: string): boolean {
  return TYPESCRIPT.has(extname(name));
}

let hooksFolder: string | undefined;

/**
 * Registers the resolution hooks (see library-hooks.ts) once per process, for the real path of
 * the module folder: the daemon's library is this file's `../../index.js`, resolved here so it
 * is the very URL the daemon itself loaded (the `.ts` source when the CLI runs through tsx).
 */
export function prepareModuleLoading(realFolder: string): void {
  if (hooksFolder !== undefined) {
    if (hooksFolder !== realFolder) {
      throw new Error(`module loading is prepared for ${hooksFolder}, not ${realFolder}`);
    }
    return;
  }
  hooksFolder = realFolder;
  const data: LibraryHooksData = {
    library: {
      cloacina: import.meta.resolve('../../index.js'),
      'cloacina/server': import.meta.resolve('../../server/index.js'),
    },
    folder: pathToFileURL(realFolder.endsWith('/') ? realFolder : `${realFolder}/`).href,
  };
  register(import.meta.resolve('./library-hooks.js'), { data });
}

let typescriptReady: Promise<void> | undefined;

/**
 * Makes `.ts` modules importable. When the CLI itself runs through tsx its loader is active
 * already; otherwise tsx's loader is registered once, at the first TypeScript module, so that
 * a folder of JavaScript modules needs no tsx at all.
 */
function enableTypeScript(module: string): Promise<void> {
  typescriptReady ??= (async () => {
    const viaTsx =
      import.meta.url.endsWith('.ts') || process.execArgv.some((arg) => arg.includes('tsx'));
    if (viaTsx) return;
    let api: { register: () => unknown };
    try {
      api = await import('tsx/esm/api');
    } catch (error) {
      // Only tsx itself missing is this case; tsx failing to load is its own error.
      const missing =
        (error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' &&
        String((error as Error).message).includes("'tsx'");
      if (!missing) throw error;
      throw new ModuleLoadError(
        ModuleLoadCode.TSX_MISSING,
        module,
        `${module} is TypeScript: install tsx to load TypeScript modules: npm install tsx ` +
          '(or compile the module to .js/.mjs).',
        { cause: error },
      );
    }
    api.register();
  })();
  // A failed attempt is not cached: installing tsx and saving the module again retries.
  typescriptReady.catch(() => (typescriptReady = undefined));
  return typescriptReady;
}

/** What {@link importModule} needs besides the file. */
export interface ImportOptions {
  /** A fresh number per load: the module cache would otherwise hand back the old version. */
  readonly generation: number;
  /** How long the import (the module's top-level code) may take. */
  readonly timeoutMs: number;
  /** Aborted when the daemon stops: the import is abandoned at once. */
  readonly signal: AbortSignal;
}

/**
 * Imports the module at `path` (named `name` in messages) and resolves with its namespace;
 * rejects with a {@link ModuleLoadError}. An import that outlives its time or the daemon is
 * left behind (an import cannot be cancelled), so it blocks nothing.
 */
export async function importModule(
  path: string,
  name: string,
  options: ImportOptions,
): Promise<Record<string, unknown>> {
  if (isTypeScript(name)) await enableTypeScript(name);
  const url = pathToFileURL(path);
  url.searchParams.set('cloacina-load', String(options.generation));
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ModuleLoadError(
            ModuleLoadCode.TIMEOUT,
            name,
            `${name} did not finish loading within ${options.timeoutMs} ms (a top-level await ` +
              'that never settles?); fix it and save it again, or raise --load-timeout.',
          ),
        ),
      // Timers take at most 2^31-1 ms (24.8 days); a longer one would fire at once.
      Math.min(options.timeoutMs, 2 ** 31 - 1),
    );
    onAbort = () =>
      reject(
        new ModuleLoadError(
          ModuleLoadCode.ABANDONED,
          name,
          `${name} was still loading when the daemon stopped.`,
        ),
      );
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener('abort', onAbort, { once: true });
  });
  const imported = (import(url.href) as Promise<Record<string, unknown>>).catch(
    (error: unknown) => {
      throw new ModuleLoadError(
        ModuleLoadCode.IMPORT_FAILED,
        name,
        `${name} failed to import: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    },
  );
  try {
    return await Promise.race([imported, deadline]);
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) options.signal.removeEventListener('abort', onAbort);
  }
}
