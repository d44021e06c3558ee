/**
 * Loads the modules of the daemon's folder into a runner and reloads each one when its file
 * changes. A reloaded workflow is registered again: changed code gets a new content version,
 * new executions use it, and executions already running finish on the version they started
 * with (the runner keeps every version it registered). A module that cannot be loaded is logged
 * with the code of its reason and reported to the caller, so the daemon can refuse to start on
 * it; files that are symbolic links leading out of the folder are refused unless trusted.
 */
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { lstat, readdir, readFile, realpath } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, sep } from 'node:path';
import type { DefaultRunner, Logger } from '../../index.js';
import { collectExports, type CronEntry } from './exports.js';
import {
  importModule,
  ModuleLoadCode,
  ModuleLoadError,
  prepareModuleLoading,
} from './module-loader.js';

const EXTENSIONS = new Set(['.js', '.mjs', '.ts', '.mts']);

/** Whether the daemon loads a file of this name (`.d.ts` and dot-files are skipped). */
export function isModuleFile(name: string): boolean {
  return EXTENSIONS.has(extname(name)) && !name.startsWith('.') && !/\.d\.m?ts$/.test(name);
}

/** How the host loads modules. */
export interface ModuleHostOptions {
  /** How long one module's import (its top-level code) may take. */
  readonly loadTimeoutMs: number;
  /** Load files that are symbolic links to files outside the folder. */
  readonly followSymlinks: boolean;
}

/** The modules of one folder, loaded into one runner. */
export class ModuleHost {
  readonly #runner: DefaultRunner;
  readonly #log: Logger;
  readonly #dir: string;
  readonly #options: ModuleHostOptions;
  /** Content hash of each loaded file: fs.watch reports one save several times. */
  readonly #loaded = new Map<string, string>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  /** Aborted by close(): a load in progress is abandoned, none starts. */
  readonly #closing = new AbortController();
  #realDir: string | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #generation = 0;
  #watcher: FSWatcher | undefined;

  constructor(runner: DefaultRunner, log: Logger, dir: string, options: ModuleHostOptions) {
    this.#runner = runner;
    this.#log = log;
    this.#dir = dir;
    this.#options = options;
  }

  /**
   * Loads every module of the folder, in name order, and resolves with the reasons of those
   * that failed (each is logged as it fails). Stops early when the host is closed.
   */
  async loadAll(): Promise<ModuleLoadError[]> {
    this.#realDir = await realpath(this.#dir);
    prepareModuleLoading(this.#realDir);
    const names = (await readdir(this.#dir)).filter(isModuleFile).sort();
    const failures: ModuleLoadError[] = [];
    for (const name of names) {
      if (this.#closing.signal.aborted) break;
      const failure = await this.#enqueue(name);
      if (failure !== undefined) failures.push(failure);
    }
    return failures;
  }

  /** Watches the folder: a new or changed module is (re)loaded shortly after it is written. */
  watch(): void {
    this.#watcher = watch(this.#dir, (_event, filename) => {
      const name = filename?.toString();
      if (name === undefined || !isModuleFile(name)) return;
      clearTimeout(this.#timers.get(name));
      // Editors and copies write in several steps; load once the file has settled.
      this.#timers.set(
        name,
        setTimeout(() => {
          this.#timers.delete(name);
          void this.#enqueue(name);
        }, 150),
      );
    });
  }

  /** Stops watching, abandons a load in progress (it may never settle) and waits for the queue. */
  async close(): Promise<void> {
    this.#closing.abort();
    this.#watcher?.close();
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    await this.#queue;
  }

  /** Loads run one at a time, so registrations never interleave. */
  #enqueue(name: string): Promise<ModuleLoadError | undefined> {
    const load = this.#queue.then(() => this.#load(name));
    this.#queue = load;
    return load;
  }

  /**
   * The real path a symbolic link `path` leads to when that is outside the folder; undefined
   * for a regular file, a link inside the folder, or a file that is gone.
   */
  async #linkOutsideFolder(path: string): Promise<string | undefined> {
    const info = await lstat(path).catch(() => undefined);
    if (info === undefined || !info.isSymbolicLink()) return undefined;
    const target = await realpath(path).catch(() => undefined);
    if (target === undefined || this.#realDir === undefined) return undefined;
    const inside = relative(this.#realDir, target);
    const outside = inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside);
    return outside ? target : undefined;
  }

  async #load(name: string): Promise<ModuleLoadError | undefined> {
    if (this.#closing.signal.aborted) return undefined;
    const path = join(this.#dir, name);
    const previous = this.#loaded.get(name);
    if (!this.#options.followSymlinks) {
      const target = await this.#linkOutsideFolder(path);
      if (target !== undefined) {
        return this.#failed(
          new ModuleLoadError(
            ModuleLoadCode.SYMLINK_OUTSIDE_DIR,
            name,
            `${name} is a symbolic link to ${target}, outside --dir ${this.#dir}; refused, ` +
              'because whoever can write there could run code as this daemon. Move the file ' +
              'into the folder, or pass --follow-symlinks to trust where the links lead.',
          ),
          previous,
        );
      }
    }
    let source: Buffer;
    try {
      source = await readFile(path);
    } catch {
      if (this.#loaded.delete(name)) {
        this.#log.warn(
          { module: name },
          'module removed; what it registered stays registered until the daemon restarts',
        );
      }
      return undefined;
    }
    const hash = createHash('sha256').update(source).digest('hex');
    if (previous === hash) return undefined;
    try {
      this.#generation += 1;
      const namespace = await importModule(path, name, {
        generation: this.#generation,
        timeoutMs: this.#options.loadTimeoutMs,
        signal: this.#closing.signal,
      });
      const found = collectExports(namespace, name);
      if (found.foreign.length > 0) {
        throw new ModuleLoadError(
          ModuleLoadCode.FOREIGN_LIBRARY,
          name,
          `${name}: the exports ${found.foreign.join(', ')} are workflows of another copy of ` +
            "the library, which this daemon cannot run. Import the library by its name, `from 'cloacina'`: " +
            'the daemon resolves that name to its own copy, while a path (into a node_modules ' +
            'folder or a checkout) loads a second one.',
        );
      }
      for (const workflow of found.workflows) this.#runner.register(workflow);
      for (const { trigger, workflow } of found.triggers) {
        await this.#runner.registerTrigger(trigger, workflow);
      }
      for (const entry of found.cron) await this.#ensureCron(entry);
      this.#loaded.set(name, hash);
      this.#log.info(
        {
          module: name,
          workflows: found.workflows.map((w) => `${w.name}@${w.version}`),
          triggers: found.triggers.map((t) => t.trigger.name),
          cron: found.cron.map((c) => `${c.workflow} ${c.expression} ${c.timezone}`),
        },
        previous === undefined ? 'module loaded' : 'module reloaded',
      );
      return undefined;
    } catch (error) {
      const failure =
        error instanceof ModuleLoadError
          ? error
          : new ModuleLoadError(
              ModuleLoadCode.REGISTRATION_FAILED,
              name,
              `${name}: ${error instanceof Error ? error.message : String(error)}`,
              { cause: error },
            );
      return this.#failed(failure, previous);
    }
  }

  /** Logs why a module was not (re)loaded, and hands the reason back. */
  #failed(failure: ModuleLoadError, previous: string | undefined): ModuleLoadError {
    const fields = { module: failure.module, code: failure.code, err: failure.message };
    if (failure.code === ModuleLoadCode.ABANDONED) {
      this.#log.info(fields, 'module load abandoned: the daemon is stopping');
    } else {
      this.#log.error(
        fields,
        previous === undefined
          ? 'module failed to load; fix it and save it again'
          : 'module failed to reload; the previous version stays registered',
      );
    }
    return failure;
  }

  /**
   * Adds a module's cron schedule unless one with the same workflow, expression and zone
   * exists: restarts and reloads must not multiply schedules. Operators change schedules
   * with `cloacinactl cron`; the daemon never deletes one.
   */
  async #ensureCron(entry: CronEntry): Promise<void> {
    for (let offset = 0; ; offset += 500) {
      const page = await this.#runner.listCronSchedules({ limit: 500, offset });
      const same = page.find(
        (s) =>
          s.workflowName === entry.workflow &&
          s.expression === entry.expression &&
          s.timezone === entry.timezone,
      );
      if (same !== undefined) return;
      if (page.length < 500) break;
    }
    await this.#runner.registerCronWorkflow(entry.workflow, entry.expression, entry.timezone, {
      ...(entry.catchupPolicy !== undefined ? { catchupPolicy: entry.catchupPolicy } : {}),
      ...(entry.context !== undefined ? { context: entry.context } : {}),
    });
  }
}
