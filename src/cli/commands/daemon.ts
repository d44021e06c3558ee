/**
 * `cloacinactl daemon --dir <folder>`: a runner that executes the workflows, triggers and cron
 * schedules exported by the modules of a folder, reloads modules as they change, serves
 * `/metrics` and `/healthz` (and with `--http-port` the HTTP API next to them), and hands
 * unfinished tasks over when stopped. Health answers 503 from the first signal until the runner
 * has shut down; only then do the listeners close. It stops on SIGINT, SIGTERM, or when the
 * process that started it exits (unless `--no-stop-with-parent`), also while modules load.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { createDefaultLogger, DefaultRunner } from '../../index.js';
import { createServer, type CloacinaServer } from '../../server/index.js';
import { CliError, databaseUrl, durationMs, globals, positiveInt, UsageError } from '../common.js';
import { ModuleHost } from '../daemon/host.js';
import type { ModuleLoadError } from '../daemon/module-loader.js';
import { metricsHandler, serveMetrics } from '../daemon/http.js';
import { parentExited, parsePort, stopSignal } from '../signals.js';

interface DaemonOptions {
  dir: string;
  metricsPort?: string;
  metricsHost: string;
  httpPort?: string;
  httpHost: string;
  auth: boolean;
  maxConcurrentTasks?: string;
  shutdownTimeout: string;
  migrate: boolean;
  strict: boolean;
  loadTimeout: string;
  followSymlinks: boolean;
  stopWithParent: boolean;
}

/** The error `--strict` stops the start with: every failed module, with its code and reason. */
function strictFailure(dir: string, failures: readonly ModuleLoadError[]): CliError {
  // Exit 1, not 2: the command line was right, the modules were not.
  return new CliError(
    `${failures.length} module(s) of ${dir} failed to load and --strict is set: ` +
      failures.map((f) => `${f.code}: ${f.message}`).join(' | '),
    { code: 'MODULES_FAILED' },
  );
}

/** Parses `--load-timeout`: a duration above zero. */
function loadTimeoutMs(value: string): number {
  const ms = durationMs(value, '--load-timeout');
  if (ms === 0) {
    throw new UsageError(`--load-timeout must be longer than 0, e.g. 30s; received '${value}'.`);
  }
  return ms;
}

async function runDaemon(options: DaemonOptions, command: Command): Promise<void> {
  const dir = resolve(options.dir);
  const info = await stat(dir).catch(() => null);
  if (info === null || !info.isDirectory()) {
    throw new UsageError(`--dir '${options.dir}' is not a directory.`);
  }
  const port =
    options.metricsPort === undefined
      ? undefined
      : parsePort(options.metricsPort, '--metrics-port');
  const httpPort =
    options.httpPort === undefined ? undefined : parsePort(options.httpPort, '--http-port');
  const loadTimeout = loadTimeoutMs(options.loadTimeout);
  const global = globals(command);
  const logger = createDefaultLogger();
  const parentPid = process.ppid;
  // Subscribed before anything slow, so a signal during start-up still stops us cleanly.
  const stopped: Promise<NodeJS.Signals | 'parent exited'> = options.stopWithParent
    ? Promise.race([stopSignal(), parentExited()])
    : stopSignal();
  const runner = await DefaultRunner.create(databaseUrl(global), {
    logger,
    migrate: options.migrate,
    ...(global.schema !== undefined ? { schema: global.schema } : {}),
    ...(options.maxConcurrentTasks !== undefined
      ? { maxConcurrentTasks: positiveInt(options.maxConcurrentTasks, '--max-concurrent-tasks') }
      : {}),
  });
  const log = logger.child({ component: 'daemon', runnerId: runner.runnerId });
  const host = new ModuleHost(runner, log, dir, {
    loadTimeoutMs: loadTimeout,
    followSymlinks: options.followSymlinks,
  });
  let server: Awaited<ReturnType<typeof serveMetrics>> | undefined;
  let api: CloacinaServer | undefined;
  let apiUrl: string | null = null;
  let failures: ModuleLoadError[] | undefined;
  try {
    // A stop while modules load wins at once: a module may take long, or never finish.
    failures = await Promise.race([host.loadAll(), stopped.then(() => undefined)]);
    if (failures !== undefined) {
      if (options.strict && failures.length > 0) throw strictFailure(dir, failures);
      if (runner.listWorkflows().length === 0) {
        log.warn(
          { dir, failed: failures.map((f) => f.module) },
          'no workflow registered: this daemon runs nothing until a module exporting one loads ' +
            '(see the module errors above; --strict refuses to start when a module fails)',
        );
      }
      // Before "ready": the API and other clients can start what the modules registered.
      await runner.definitionsStored();
      host.watch();
      if (port !== undefined) server = await serveMetrics(runner, port, options.metricsHost);
      if (httpPort !== undefined) {
        api = await createServer({
          runner,
          auth: options.auth ? 'keys' : 'none',
          logger: logger.child({ component: 'http', runnerId: runner.runnerId }),
        });
        // `/metrics` answers next to the API; everything else is the API (`/healthz` included).
        const metrics = metricsHandler(runner);
        const handler = api.handler;
        apiUrl = (
          await api.listen({
            port: httpPort,
            host: options.httpHost,
            handler: (req, res) => metrics(req, res) || handler(req, res),
          })
        ).url;
      }
    }
  } catch (error) {
    await api?.close();
    server?.server.close();
    await host.close();
    await runner.shutdown({ graceful: false });
    throw error;
  }
  if (failures !== undefined) {
    log.info(
      {
        dir,
        workflows: runner.listWorkflows(),
        failed: failures.map((f) => f.module),
        metricsPort: server?.port ?? null,
        metricsHost: server === undefined ? null : options.metricsHost,
        api: apiUrl,
      },
      'daemon ready',
    );
  }
  const reason = await stopped;
  if (reason === 'parent exited') {
    log.warn(
      { parentPid },
      'the process that started the daemon exited (npx or npm exec stopped by a signal?); ' +
        'stopping as on SIGTERM',
    );
  }
  log.info({ signal: reason }, 'stopping: finishing running tasks, handing the rest over');
  api?.beginShutdown();
  await host.close();
  await runner.shutdown({ timeout: options.shutdownTimeout });
  // Only now: probes saw 503 while the runner shut down, not a refused connection.
  await api?.close();
  await new Promise<void>((done) =>
    server === undefined ? done() : server.server.close(() => done()),
  );
  log.info('daemon stopped');
}

/** Adds the `daemon` command to `program`. */
export function addDaemonCommand(program: Command): void {
  program
    .command('daemon')
    .description(
      'run the workflows, triggers and cron schedules exported by the modules of a folder',
    )
    .requiredOption(
      '--dir <folder>',
      'folder of .js, .mjs, .ts or .mts modules (watched for changes); whoever can write to it runs code as this process',
    )
    .option(
      '--strict',
      'refuse to start (exit 1) when a module fails to load; recommended for services',
    )
    .option(
      '--load-timeout <duration>',
      "how long one module's import may take before it counts as failed",
      '30s',
    )
    .option(
      '--follow-symlinks',
      'load modules that are symbolic links to files outside --dir (refused by default)',
    )
    .option(
      '--no-stop-with-parent',
      'keep running when the process that started the daemon exits (e.g. under nohup)',
    )
    .option('--metrics-port <port>', 'serve /metrics and /healthz on this port (0: any free port)')
    .option(
      '--metrics-host <host>',
      'interface for /metrics and /healthz (0.0.0.0 for every interface, e.g. in a container)',
      '127.0.0.1',
    )
    .option(
      '--http-port <port>',
      'serve the HTTP API, /metrics and /healthz on this port (0: any free port)',
    )
    .option('--http-host <host>', 'interface for the HTTP API', '127.0.0.1')
    .option('--no-auth', 'serve the HTTP API without API keys (only on a loopback --http-host)')
    .option(
      '--no-migrate',
      'do not create the database or apply migrations; fail if any is missing (run `cloacinactl migrate` first)',
    )
    .option('--max-concurrent-tasks <n>', 'tasks executing at once (default 4)')
    .option(
      '--shutdown-timeout <duration>',
      'on SIGINT/SIGTERM, how long running tasks may finish before being handed over',
      '30s',
    )
    .action((options: DaemonOptions, command: Command) => runDaemon(options, command));
}
