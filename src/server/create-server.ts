/**
 * `createServer()`: the HTTP API over a `Client` (or a runner's client), as a Node
 * `(req, res)` handler that mounts in any Node framework, plus `listen()` for a server of its own.
 *
 * The router is Hono with `@hono/zod-openapi`: each route is declared once with zod schemas, which
 * validate the request, type the handler's input and output, and generate `/v1/openapi.json`.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { bodyLimit } from 'hono/body-limit';
import { routePath } from 'hono/route';
import {
  ConfigError,
  createDefaultLogger,
  parseDuration,
  type Client,
  type DefaultRunner,
  type Duration,
  type Logger,
} from '../index.js';
import type { ApiApp, ApiEnv, AuthMode, ServerDeps } from './app-types.js';
import { EventHub } from './event-hub.js';
import { StreamTracker } from './stream-tracker.js';
import { HttpErrorCode, problem, problemOf, problemResponse } from './problem.js';
import { requestPath } from './route.js';
import { cronRoutes } from './routes/cron.js';
import { eventRoutes } from './routes/events.js';
import { executionRoutes } from './routes/executions.js';
import { retentionRoutes } from './routes/retention.js';
import { systemRoutes } from './routes/system.js';
import { triggerRoutes } from './routes/triggers.js';
import { workflowRoutes } from './routes/workflows.js';
import { builtUiIn, defaultUiDir, uiRoutes } from './ui.js';

/** How long `close()` lets requests in flight finish before it cuts their connections. */
const CLOSE_GRACE_MS = 5_000;

/** Largest request body accepted by default: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Options of {@link createServer}. Give exactly one of `client` and `runner`. */
export interface CreateServerOptions {
  /** The client the API reads and steers through (`cloacinactl serve`). */
  client?: Client;
  /** A runner whose database the API serves (`cloacinactl daemon --http-port`). */
  runner?: DefaultRunner;
  /**
   * `keys`: a Bearer API key with the route's scope is required (health and the OpenAPI
   * document excepted). `none`: no key, accepted only on a loopback address. @default 'keys'
   */
  auth?: AuthMode;
  /** Path prefix when the handler is mounted under a path that the framework does not strip. @default '' */
  basePath?: string;
  /** Request logs (method, route, status, duration, key id) and errors. @default a pino logger */
  logger?: Logger;
  /** Largest request body in bytes; larger ones get 413. @default 1 MiB */
  maxBodyBytes?: number;
  /**
   * The web UI at `/`: `true` serves the UI built into the package, a string serves a build in
   * that folder, `false` serves none. @default true
   */
  ui?: boolean | string;
  /** Live event stream settings. */
  events?: {
    /** How often the event table is read without a wake-up (SQLite across processes). @default '250ms' */
    pollInterval?: Duration;
    /** Events kept in memory for the streams. @default 10000 */
    ringSize?: number;
    /** Comment line sent to idle streams so proxies keep them open. @default '15s' */
    heartbeat?: Duration;
    /** A client that does not read for this long is dropped. @default '30s' */
    slowClientTimeout?: Duration;
  };
}

/** Where a server listens. */
export interface ListenOptions {
  /** @default 8080 (0 picks a free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /**
   * The request handler to listen with, when other paths are served next to the API on the
   * same port (it should hand the API's requests to {@link CloacinaServer.handler}).
   * @default the API's handler
   */
  handler?: (req: IncomingMessage, res: ServerResponse) => void;
}

/** A running listener. */
export interface ListeningAddress {
  readonly host: string;
  readonly port: number;
  /** `http://host:port` */
  readonly url: string;
}

/** The API, ready to mount or to listen. */
export interface CloacinaServer {
  /** The Node request handler (mount it in Express, Fastify, Hono or `node:http`). */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** The Hono app, for tests or mounting in another Hono app. */
  readonly app: ApiApp;
  /**
   * Listens on `host:port`. With `auth: 'none'` the host must be a loopback address.
   * @throws {ConfigError} for `auth: 'none'` on another address.
   */
  listen(options?: ListenOptions): Promise<ListeningAddress>;
  /** From now on health answers 503 and no new stream starts (the listener stays open). */
  beginShutdown(): void;
  /**
   * Ends the live streams, closes the listener (if `listen` was called) once its requests have
   * ended, and closes the client the server made for a runner. Idempotent.
   */
  close(): Promise<void>;
}

/** The host name of a `Host` header value (`[::1]:8080` → `::1`, `localhost:80` → `localhost`). */
function hostOf(value: string): string {
  const bracketed = /^\[([^\]]+)\]/.exec(value);
  if (bracketed !== null) return bracketed[1]!;
  return value.split(':')[0] ?? '';
}

/** The `host[:port]` of an origin URL, or '' when it is not one. */
function urlHost(origin: string): string {
  try {
    return new URL(origin).host;
  } catch {
    return '';
  }
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || h.startsWith('127.') || h === '::ffff:127.0.0.1';
}

/** Builds the API server; see {@link CreateServerOptions}. */
export async function createServer(options: CreateServerOptions): Promise<CloacinaServer> {
  if ((options.client === undefined) === (options.runner === undefined)) {
    throw new ConfigError('createServer needs exactly one of `client` and `runner`.');
  }
  const auth = options.auth ?? 'keys';
  if (auth !== 'keys' && auth !== 'none') {
    throw new ConfigError(`auth must be 'keys' or 'none', received ${JSON.stringify(auth)}.`);
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1) {
    throw new ConfigError(
      `maxBodyBytes must be a positive integer, received ${String(maxBodyBytes)}.`,
    );
  }
  const events = options.events ?? {};
  const pollIntervalMs = parseDuration(events.pollInterval ?? '250ms', 'events.pollInterval');
  const heartbeatMs = parseDuration(events.heartbeat ?? '15s', 'events.heartbeat');
  const slowClientTimeoutMs = parseDuration(
    events.slowClientTimeout ?? '30s',
    'events.slowClientTimeout',
  );
  const ringSize = events.ringSize ?? 10_000;
  if (!Number.isInteger(ringSize) || ringSize < 1) {
    throw new ConfigError(
      `events.ringSize must be a positive integer, received ${String(ringSize)}.`,
    );
  }
  const logger = options.logger ?? createDefaultLogger();
  const runner = options.runner;
  const ownClient = runner !== undefined;
  const client = options.client ?? (await runner!.client());

  let draining = false;
  const hub = new EventHub(client, logger, { pollIntervalMs, ringSize });
  const deps: ServerDeps = {
    client,
    auth,
    hub,
    logger,
    isShuttingDown: () => draining || (runner?.isShutdown ?? false),
    streams: new StreamTracker(),
  };
  const ui = options.ui ?? true;
  const app = buildApp(deps, {
    uiDir: ui === false ? undefined : ui === true ? defaultUiDir() : builtUiIn(ui),
    basePath: options.basePath ?? '',
    maxBodyBytes,
    heartbeatMs,
    slowClientTimeoutMs,
  });
  const listenerOf = getRequestListener(app.fetch);
  // The listener's promise settles when the response is sent; Node handlers return nothing.
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    void listenerOf(req, res);
  };

  let listener: Server | undefined;
  let closed: Promise<void> | undefined;
  return {
    handler,
    app,
    async listen(listen: ListenOptions = {}): Promise<ListeningAddress> {
      const host = listen.host ?? '127.0.0.1';
      if (auth === 'none' && !isLoopback(host)) {
        throw new ConfigError(
          `Refusing to serve without API keys on ${host}: anyone who can reach it could start, cancel and read every workflow. Bind to 127.0.0.1 (or ::1), or use API keys (cloacinactl keys create).`,
        );
      }
      if (listener !== undefined) throw new ConfigError('This server is already listening.');
      const server = createHttpServer(listen.handler ?? handler);
      listener = server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(listen.port ?? 8080, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const port = (server.address() as AddressInfo).port;
      const shown = host.includes(':') ? `[${host}]` : host;
      return { host, port, url: `http://${shown}:${port}` };
    },
    beginShutdown(): void {
      draining = true;
    },
    close(): Promise<void> {
      closed ??= (async () => {
        draining = true;
        // Streams end first (their sockets close with them), then the listener stops accepting
        // and waits for the requests in flight; what is still open after a grace period is cut.
        hub.close();
        await deps.streams.ended();
        if (listener !== undefined) {
          const server = listener;
          const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
          await new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeIdleConnections();
          });
          clearTimeout(cut);
        }
        if (ownClient) await client.close();
      })();
      return closed;
    },
  };
}

interface AppSettings {
  /** The built UI's folder; null when it is not built; undefined to serve no UI. */
  readonly uiDir: string | null | undefined;
  readonly basePath: string;
  readonly maxBodyBytes: number;
  readonly heartbeatMs: number;
  readonly slowClientTimeoutMs: number;
}

function buildApp(deps: ServerDeps, settings: AppSettings): ApiApp {
  const root = new OpenAPIHono<ApiEnv>({
    // A request that fails its schema: 400 naming every bad field; nothing was done.
    defaultHook: (result) => {
      if (result.success) return;
      const issues = result.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.message,
      }));
      return problemResponse(
        problem(
          400,
          HttpErrorCode.INVALID_REQUEST,
          `The request is invalid: ${issues.map((i) => `${i.path === '' ? '(body)' : i.path}: ${i.message}`).join('; ')}.`,
          issues,
        ),
      );
    },
  });
  const app: ApiApp = settings.basePath === '' ? root : root.basePath(settings.basePath);

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    deps.logger.info(
      {
        method: c.req.method,
        route: routePath(c as never, -1),
        status: c.res.status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        keyId: c.get('keyId') ?? null,
      },
      'request',
    );
  });
  if (deps.auth === 'none') {
    // Without keys only this machine may call: the request must arrive on a loopback address
    // (a mounted handler may sit on any), name a loopback host (a web page whose name was
    // rebound to 127.0.0.1 names its own), and not come from another site's page.
    app.use('*', async (c, next) => {
      const local = c.env.incoming?.socket?.localAddress;
      const host = hostOf(c.req.header('host') ?? '');
      const origin = c.req.header('origin');
      const crossSite = c.req.header('sec-fetch-site') === 'cross-site';
      const foreignOrigin =
        origin !== undefined && origin !== 'null' && !isLoopback(hostOf(urlHost(origin)));
      if (
        (local !== undefined && !isLoopback(local)) ||
        !isLoopback(host) ||
        foreignOrigin ||
        crossSite
      ) {
        return problemResponse(
          problem(
            403,
            HttpErrorCode.FORBIDDEN,
            "This server runs without API keys and answers only requests from this machine (a loopback address and host name, no other site's page).",
          ),
        );
      }
      return next();
    });
  }
  app.use(
    '*',
    bodyLimit({
      maxSize: settings.maxBodyBytes,
      onError: () =>
        problemResponse(
          problem(
            413,
            HttpErrorCode.PAYLOAD_TOO_LARGE,
            `The request body is over ${settings.maxBodyBytes} bytes; send a smaller context.`,
          ),
        ),
    }),
  );

  systemRoutes(app, deps);
  workflowRoutes(app, deps);
  executionRoutes(app, deps);
  triggerRoutes(app, deps);
  cronRoutes(app, deps);
  eventRoutes(app, deps, settings);
  retentionRoutes(app, deps);
  if (settings.uiDir !== undefined) uiRoutes(app, settings.uiDir, settings.basePath);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key from `cloacinactl keys create --scope read|operate|admin`.',
  });
  app.doc31('/v1/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Cloacina API',
      version: '1',
      description:
        'Read and steer workflow executions, event triggers and cron schedules. Every route but health and this document needs a Bearer API key whose scope (`x-required-scope`) is at least the route’s: read < operate < admin.',
    },
  });

  app.notFound((c) =>
    problemResponse(
      problem(
        404,
        HttpErrorCode.ROUTE_NOT_FOUND,
        `No route ${c.req.method} ${requestPath(c)}: GET /v1/openapi.json lists every route.`,
      ),
    ),
  );
  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      const status = error.status;
      const code =
        status === 400 && /json/i.test(error.message)
          ? HttpErrorCode.MALFORMED_JSON
          : status === 415
            ? HttpErrorCode.UNSUPPORTED_MEDIA_TYPE
            : HttpErrorCode.INVALID_REQUEST;
      const detail =
        code === HttpErrorCode.MALFORMED_JSON
          ? 'The request body is not valid JSON.'
          : code === HttpErrorCode.UNSUPPORTED_MEDIA_TYPE
            ? 'Send the body as JSON with "Content-Type: application/json".'
            : error.message;
      return problemResponse(problem(status, code, detail));
    }
    const body = problemOf(error);
    if (body.status >= 500) {
      deps.logger.error({ err: error, method: c.req.method, path: c.req.path }, 'request failed');
    }
    return problemResponse(body);
  });
  return app;
}
