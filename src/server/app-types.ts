/** Types shared by the server's modules: the Hono environment and what handlers depend on. */
import type { HttpBindings } from '@hono/node-server';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiKeyScope, Client, Logger } from '../index.js';
import type { EventHub } from './event-hub.js';
import type { StreamTracker } from './stream-tracker.js';

/** Variables a request carries through the middleware. */
export interface ApiVariables {
  /** The id of the API key that authenticated the request (null without auth). */
  keyId: string | null;
  /** The name of that key ('' when it was created without one; null without auth). */
  keyName: string | null;
  /** The scope of that key (null without auth), for `GET /v1/whoami`. */
  keyScope: ApiKeyScope | null;
}

/** The Hono environment of the API: Node bindings (for streaming) and request variables. */
export interface ApiEnv {
  Bindings: HttpBindings;
  Variables: ApiVariables;
}

/** The app every route module registers on. */
export type ApiApp = OpenAPIHono<ApiEnv>;

/** `keys`: every route but health and the OpenAPI document needs a key; `none`: loopback only. */
export type AuthMode = 'keys' | 'none';

/** The scope a route needs, or `public` for health and the OpenAPI document. */
export type RouteScope = ApiKeyScope | 'public';

/** What route handlers use. */
export interface ServerDeps {
  readonly client: Client;
  readonly auth: AuthMode;
  readonly hub: EventHub;
  readonly logger: Logger;
  /** True from the start of shutdown: health answers 503 and new streams are refused. */
  readonly isShuttingDown: () => boolean;
  /** The open event streams, so that closing waits for them to end. */
  readonly streams: StreamTracker;
}
