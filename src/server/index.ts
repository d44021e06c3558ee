/**
 * `cloacina/server`: the HTTP API (REST under `/v1`, live events, API keys) as a Node request
 * handler. `cloacinactl serve` and `cloacinactl daemon --http-port` use it; an application can
 * mount it in its own HTTP server.
 */
export { createServer, isLoopback, DEFAULT_MAX_BODY_BYTES } from './create-server.js';
export type {
  CloacinaServer,
  CreateServerOptions,
  ListenOptions,
  ListeningAddress,
} from './create-server.js';
export type { AuthMode } from './app-types.js';
export { HttpErrorCode } from './problem.js';
export type { Problem } from './problem.js';
