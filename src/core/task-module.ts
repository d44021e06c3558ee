/**
 * Module tasks: a task body named by a module and an export instead of given as a function.
 * Only such a body can run in a worker thread: a closure cannot cross into another thread, a
 * module path can, and the thread imports it itself.
 */

import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TaskError } from '../errors.js';
import { describeValue } from './describe.js';
import { sha256Hex } from './hash.js';

/** Where a task body runs: in the runner's own thread (`'none'`) or in a worker thread. */
export type TaskIsolation = 'none' | 'thread';

/** The values of {@link TaskIsolation}. */
export const TASK_ISOLATIONS: readonly TaskIsolation[] = Object.freeze(['none', 'thread']);

/** A task body as a module and the name of the function it exports. */
export interface TaskModule {
  /** The module's `file:` URL. */
  readonly url: string;
  /** The name of the exported task function. */
  readonly export: string;
  /**
   * SHA-256 of the module's text when the task was defined: the workflow version covers it
   * instead of the URL, so runners installed at different paths agree on the version.
   */
  readonly sourceHash: string;
}

/**
 * The module of a module task as a `file:` URL, or a problem saying why it cannot be one. A
 * relative path or a bare package name is refused: a worker thread would resolve it against the
 * engine's own files, not the caller's, so `new URL('./heavy.js', import.meta.url)` is the way
 * to name a module next to the caller.
 */
export function resolveTaskModule(
  name: string,
  module: unknown,
  exportName: unknown,
): TaskModule | string {
  let url: URL;
  if (module instanceof URL) {
    url = module;
  } else if (typeof module === 'string' && isAbsolute(module)) {
    url = pathToFileURL(module);
  } else if (typeof module === 'string' && module.startsWith('file:')) {
    url = new URL(module);
  } else {
    return (
      `${name}: module must be a URL or an absolute path, such as ` +
      `new URL('./heavy.js', import.meta.url); received ${describeValue(module)}.`
    );
  }
  if (url.protocol !== 'file:') {
    return `${name}: module must be a file: URL; received ${url.href}.`;
  }
  const path = fileURLToPath(url);
  let text: string;
  try {
    // Read now, so a typo points at the task() call instead of failing every attempt later.
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return `${name}: module ${path} cannot be read (${(error as Error).message}).`;
  }
  const exported = exportName ?? 'default';
  if (typeof exported !== 'string' || exported === '') {
    return `${name}: export must be the name of an exported function; received ${describeValue(exportName)}.`;
  }
  return Object.freeze({ url: url.href, export: exported, sourceHash: sha256Hex(text) });
}

/** How a body is named: a function, or a module with an export, and where it runs. */
export interface BodyOptions {
  readonly isolate?: unknown;
  readonly module?: unknown;
  readonly export?: unknown;
}

/** What {@link resolveBody} calls the body's definer, for its messages. */
export interface BodyCall {
  /** The definer with the function argument, e.g. `'the second argument of task()'`. */
  readonly argument: string;
  /** A call naming a thread body by module, e.g. `"task({ id: '...', isolate: 'thread', … })"`. */
  readonly example: string;
}

/**
 * Checks how a task body or a trigger poll is given (the same rules for both): a function, or
 * a module and an export; `isolate` is `'none'` or `'thread'`, and a function cannot run in a
 * thread. Returns the module (`undefined` for a function) and the isolation, or the problem.
 */
export function resolveBody(
  name: string,
  options: BodyOptions,
  fn: unknown,
  call: BodyCall,
):
  | { readonly module: TaskModule | undefined; readonly isolate: TaskIsolation | undefined }
  | string {
  const isolate = options.isolate;
  if (isolate !== undefined && !TASK_ISOLATIONS.includes(isolate as TaskIsolation)) {
    return `${name}: isolate must be ${TASK_ISOLATIONS.map((i) => `'${i}'`).join(' or ')}; received ${describeValue(isolate)}.`;
  }
  if (options.module === undefined) {
    if (options.export !== undefined) return `${name}: export is given without module.`;
    if (typeof fn !== 'function') {
      return (
        `${name} needs a function as ${call.argument}, or a module option; ` +
        `received ${describeValue(fn)}.`
      );
    }
    if (isolate === 'thread') {
      return (
        `${name}: a function cannot run in a thread, since a closure cannot cross into one. ` +
        `Export the body from a module and name it: ${call.example}.`
      );
    }
    return { module: undefined, isolate: isolate as TaskIsolation | undefined };
  }
  if (fn !== undefined) return `${name} has both a function and a module; give one of them.`;
  const module = resolveTaskModule(name, options.module, options.export);
  if (typeof module === 'string') return module;
  return { module, isolate: isolate as TaskIsolation | undefined };
}

/** Task functions by module URL and export, loaded in this thread. */
const loaded = new Map<string, Promise<unknown>>();

/**
 * Imports the module of a module task and returns its task function (typed by the caller: the
 * task's function type lives with `task()`). Kept per thread after the first call: Node caches
 * the module, but each `import()` still goes through the loader (and its hooks, under tsx),
 * which costs more than a short body.
 * @throws {TaskError} non-retryable when the module has no function of that name: another
 *   attempt would find the same module.
 */
export function loadTaskFunction<F extends (...args: never[]) => unknown>(
  module: TaskModule,
): Promise<F> {
  const key = `${module.url}#${module.export}`;
  let fn = loaded.get(key);
  if (fn === undefined) {
    fn = importTaskFunction(module);
    loaded.set(key, fn);
    // A failed load is tried again by the next attempt (the file may have been fixed).
    fn.catch(() => loaded.delete(key));
  }
  return fn as Promise<F>;
}

async function importTaskFunction(module: TaskModule): Promise<unknown> {
  const namespace = (await import(module.url)) as Record<string, unknown>;
  const fn = namespace[module.export];
  if (typeof fn !== 'function') {
    throw new TaskError(
      `Module ${module.url} has no exported function '${module.export}' ` +
        `(found ${describeValue(fn)}); export the task function under that name.`,
      { retryable: false },
    );
  }
  return fn;
}
