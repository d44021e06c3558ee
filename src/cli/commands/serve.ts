/**
 * `cloacinactl serve`: the HTTP API (and live events) over a database, through a `Client`: no
 * task code, no runner. Runners elsewhere execute what it starts.
 */
import type { Command } from 'commander';
import { Client, createDefaultLogger } from '../../index.js';
import { createServer } from '../../server/index.js';
import { CliError, databaseUrl, globals } from '../common.js';
import { parsePort, stopSignal } from '../signals.js';

interface ServeOptions {
  host: string;
  port: string;
  auth: boolean;
  migrate: boolean;
}

async function runServe(options: ServeOptions, command: Command): Promise<void> {
  const port = parsePort(options.port, '--port');
  const global = globals(command);
  const logger = createDefaultLogger();
  const stopped = stopSignal();
  const client = await Client.connect(databaseUrl(global), {
    ...(global.schema !== undefined ? { schema: global.schema } : {}),
    poolSize: 10,
    migrate: options.migrate,
  });
  try {
    const server = await createServer({
      client,
      auth: options.auth ? 'keys' : 'none',
      logger: logger.child({ component: 'http' }),
    });
    let address;
    try {
      address = await server.listen({ port, host: options.host });
    } catch (error) {
      await server.close();
      throw error instanceof Error && 'code' in error && error.code === 'EADDRINUSE'
        ? new CliError(`port ${port} on ${options.host} is in use; pick another with --port.`)
        : error;
    }
    logger.info(
      { url: address.url, auth: options.auth ? 'keys' : 'none' },
      `serving the web UI at ${address.url}/ and the API at ${address.url}/v1 (OpenAPI: ${address.url}/v1/openapi.json)`,
    );
    const signal = await stopped;
    logger.info({ signal }, 'stopping: ending streams and open requests');
    server.beginShutdown();
    await server.close();
  } finally {
    await client.close();
  }
}

/** Adds the `serve` command to `program`. */
export function addServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the HTTP API and live events for the database (no task code)')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', '8080')
    .option('--no-auth', 'serve without API keys (only on a loopback --host)')
    .option('--migrate', 'create the database or apply missing migrations first', false)
    .action((options: ServeOptions, command: Command) => runServe(options, command));
}
