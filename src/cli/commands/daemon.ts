/**
 * `cloacinactl daemon --dir <folder>`: a runner that executes the workflows, triggers and cron
 * schedules exported by the modules of a folder, reloads modules as they change, serves
 * `/metrics` and `/healthz` (and with `--http-port` the HTTP API next to them), and hands
 * unfinished tasks over when stopped. Health answers 503 from the first signal until the runner
 * has shut down; only then do the listeners close.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { createDefaultLogger, DefaultRunner } from '../../index.js';
import { createServer, type CloacinaServer } from '../../server/index.js';
import { databaseUrl, globals, positiveInt, UsageError } from '../common.js';
import { ModuleHost } from '../daemon/host.js';
import { metricsHandler, serveMetrics } from '../daemon/http.js';
import { parsePort, stopSignal } from '../signals.js';

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
  const global = globals(command);
  const logger = createDefaultLogger();
  // Subscribed before anything slow, so a signal during start-up still stops us cleanly.
  const stopped = stopSignal();
  const runner = await DefaultRunner.create(databaseUrl(global), {
    logger,
    migrate: options.migrate,
    ...(global.schema !== undefined ? { schema: global.schema } : {}),
    ...(options.maxConcurrentTasks !== undefined
      ? { maxConcurrentTasks: positiveInt(options.maxConcurrentTasks, '--max-concurrent-tasks') }
      : {}),
  });
  const log = logger.child({ component: 'daemon', runnerId: runner.runnerId });
  const host = new ModuleHost(runner, log, dir);
  let server: Awaited<ReturnType<typeof serveMetrics>> | undefined;
  let api: CloacinaServer | undefined;
  let apiUrl: string | null = null;
  try {
    await host.loadAll();
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
  } catch (error) {
    await api?.close();
    server?.server.close();
    await host.close();
    await runner.shutdown({ graceful: false });
    throw error;
  }
  log.info(
    {
      dir,
      workflows: runner.listWorkflows(),
      metricsPort: server?.port ?? null,
      metricsHost: server === undefined ? null : options.metricsHost,
      api: apiUrl,
    },
    'daemon ready',
  );
  const signal = await stopped;
  log.info({ signal }, 'stopping: finishing running tasks, handing the rest over');
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
    .requiredOption('--dir <folder>', 'folder of .js, .mjs or .ts modules (watched for changes)')
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
