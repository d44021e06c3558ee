/**
 * Loads the modules of the daemon's folder into a runner and reloads each one when its file
 * changes. A reloaded workflow is registered again: changed code gets a new content version,
 * new executions use it, and executions already running finish on the version they started
 * with (the runner keeps every version it registered).
 */
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DefaultRunner, Logger } from '../../index.js';
import { collectExports, type CronEntry } from './exports.js';

const EXTENSIONS = new Set(['.js', '.mjs', '.ts', '.mts']);

/** Whether the daemon loads a file of this name (`.d.ts` and dot-files are skipped). */
export function isModuleFile(name: string): boolean {
  return EXTENSIONS.has(extname(name)) && !name.startsWith('.') && !/\.d\.m?ts$/.test(name);
}

let typescriptReady: Promise<void> | undefined;

/**
 * Makes `.ts` modules importable: when the CLI runs as TypeScript (through tsx) the loader is
 * active already; a built CLI registers tsx's loader once.
 */
function enableTypeScript(): Promise<void> {
  typescriptReady ??= (async () => {
    const viaTsx =
      import.meta.url.endsWith('.ts') || process.execArgv.some((arg) => arg.includes('tsx'));
    if (viaTsx) return;
    const { register } = await import('tsx/esm/api');
    register();
  })();
  return typescriptReady;
}

/** The modules of one folder, loaded into one runner. */
export class ModuleHost {
  readonly #runner: DefaultRunner;
  readonly #log: Logger;
  readonly #dir: string;
  /** Content hash of each loaded file: fs.watch reports one save several times. */
  readonly #loaded = new Map<string, string>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  #queue: Promise<void> = Promise.resolve();
  #generation = 0;
  #watcher: FSWatcher | undefined;

  constructor(runner: DefaultRunner, log: Logger, dir: string) {
    this.#runner = runner;
    this.#log = log;
    this.#dir = dir;
  }

  /** Loads every module of the folder, in name order. */
  async loadAll(): Promise<void> {
    const names = (await readdir(this.#dir)).filter(isModuleFile).sort();
    for (const name of names) await this.#enqueue(name);
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

  /** Stops watching and waits for a load in progress. */
  async close(): Promise<void> {
    this.#watcher?.close();
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    await this.#queue;
  }

  /** Loads run one at a time, so registrations never interleave. */
  #enqueue(name: string): Promise<void> {
    this.#queue = this.#queue.then(() => this.#load(name));
    return this.#queue;
  }

  async #load(name: string): Promise<void> {
    const path = join(this.#dir, name);
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
      return;
    }
    const hash = createHash('sha256').update(source).digest('hex');
    const previous = this.#loaded.get(name);
    if (previous === hash) return;
    try {
      await enableTypeScript();
      this.#generation += 1;
      // A new URL per load: the module cache would otherwise hand back the old version.
      const url = pathToFileURL(path);
      url.searchParams.set('cloacina-load', String(this.#generation));
      const namespace = (await import(url.href)) as Record<string, unknown>;
      const found = collectExports(namespace, name);
      if (found.foreign.length > 0) {
        this.#log.warn(
          { module: name, exports: found.foreign },
          'these exports are workflows of another copy of the library and are ignored; ' +
            "import the library the daemon runs (e.g. 'cloacina' from this project)",
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
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.#log.error(
        { module: name, err: message },
        previous === undefined
          ? 'module failed to load; fix it and save again'
          : 'module failed to reload; the previous version stays registered',
      );
    }
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
