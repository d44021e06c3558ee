/**
 * `cloacinactl daemon --dir <folder>`: a runner that executes the workflows, triggers and cron
 * schedules exported by the modules of a folder, reloads modules as they change, serves
 * `/metrics` and `/healthz`, and hands unfinished tasks over when stopped.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { createDefaultLogger, DefaultRunner } from '../../index.js';
import { databaseUrl, globals, positiveInt, UsageError } from '../common.js';
import { ModuleHost } from '../daemon/host.js';
import { serveMetrics } from '../daemon/http.js';

interface DaemonOptions {
  dir: string;
  metricsPort?: string;
  metricsHost: string;
  maxConcurrentTasks?: string;
  shutdownTimeout: string;
}

/** Resolves on the first SIGINT or SIGTERM. */
function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((done) => {
    const handler = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      done(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

async function runDaemon(options: DaemonOptions, command: Command): Promise<void> {
  const dir = resolve(options.dir);
  const info = await stat(dir).catch(() => null);
  if (info === null || !info.isDirectory()) {
    throw new UsageError(`--dir '${options.dir}' is not a directory.`);
  }
  const port = options.metricsPort === undefined ? undefined : Number(options.metricsPort);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new UsageError(
      `--metrics-port must be a port number (0 picks a free one); received '${options.metricsPort}'.`,
    );
  }
  const global = globals(command);
  const logger = createDefaultLogger();
  // Subscribed before anything slow, so a signal during start-up still stops us cleanly.
  const stopped = stopSignal();
  const runner = await DefaultRunner.create(databaseUrl(global), {
    logger,
    ...(global.schema !== undefined ? { schema: global.schema } : {}),
    ...(options.maxConcurrentTasks !== undefined
      ? { maxConcurrentTasks: positiveInt(options.maxConcurrentTasks, '--max-concurrent-tasks') }
      : {}),
  });
  const log = logger.child({ component: 'daemon', runnerId: runner.runnerId });
  const host = new ModuleHost(runner, log, dir);
  let server: Awaited<ReturnType<typeof serveMetrics>> | undefined;
  try {
    await host.loadAll();
    host.watch();
    if (port !== undefined) server = await serveMetrics(runner, port, options.metricsHost);
  } catch (error) {
    await host.close();
    await runner.shutdown({ graceful: false });
    throw error;
  }
  log.info(
    { dir, workflows: runner.listWorkflows(), metricsPort: server?.port ?? null },
    'daemon ready',
  );
  const signal = await stopped;
  log.info({ signal }, 'stopping: finishing running tasks, handing the rest over');
  await host.close();
  server?.server.close();
  await runner.shutdown({ timeout: options.shutdownTimeout });
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
    .option('--metrics-host <host>', 'interface for /metrics and /healthz', '0.0.0.0')
    .option('--max-concurrent-tasks <n>', 'tasks executing at once (default 4)')
    .option(
      '--shutdown-timeout <duration>',
      'on SIGINT/SIGTERM, how long running tasks may finish before being handed over',
      '30s',
    )
    .action((options: DaemonOptions, command: Command) => runDaemon(options, command));
}
