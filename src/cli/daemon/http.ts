/** The daemon's HTTP endpoints: `/metrics` (Prometheus text) and `/healthz`. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DefaultRunner } from '../../index.js';

/**
 * A handler for `GET /metrics` only: answers it and returns true, or returns false for any other
 * path (so it can sit in front of the HTTP API on one port).
 */
export function metricsHandler(
  runner: DefaultRunner,
): (request: IncomingMessage, response: ServerResponse) => boolean {
  return (request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      return false;
    }
    sendMetrics(runner, response);
    return true;
  };
}

function sendMetrics(runner: DefaultRunner, response: ServerResponse): void {
  runner.metrics().then(
    (text) => {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      response.end(text);
    },
    (error: unknown) => {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`metrics failed: ${error instanceof Error ? error.message : String(error)}\n`);
    },
  );
}

/** Serves the runner's metrics on `port` (0 picks a free one); resolves once listening. */
export function serveMetrics(
  runner: DefaultRunner,
  port: number,
  host: string,
): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      sendMetrics(runner, response);
      return;
    }
    if (path === '/healthz') {
      // Unhealthy once shutting down, so a load balancer stops sending work at once.
      const ok = !runner.isShutdown;
      response.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          status: ok ? 'ok' : 'shutting down',
          runnerId: runner.runnerId,
          workflows: runner.listWorkflows(),
        }),
      );
      return;
    }
    response
      .writeHead(404, { 'content-type': 'text/plain' })
      .end('not found: try /metrics or /healthz\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({ server, port: (server.address() as AddressInfo).port });
    });
  });
}
