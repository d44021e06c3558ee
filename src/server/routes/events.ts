/** The live event stream: `GET /v1/events/stream` (Server-Sent Events). */
import { createRoute, z } from '@hono/zod-openapi';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { CloacinaError, ErrorCode, scopeAllows } from '../../index.js';
import { bearerKey } from '../auth.js';
import type { ApiApp, ServerDeps } from '../app-types.js';
import { AUTH_PROBLEMS, guard, problems, secured } from '../route.js';
import { nameParam, uuidParam } from '../schemas.js';
import { runStream } from '../sse.js';

/** Options of the streams. */
export interface StreamSettings {
  readonly heartbeatMs: number;
  readonly slowClientTimeoutMs: number;
}

const stream = createRoute({
  method: 'get',
  path: '/v1/events/stream',
  tags: ['events'],
  summary: 'Execution, task, trigger and cron events of every process on the database, live',
  description:
    'Server-Sent Events. Each message has an `id:` line (the event’s cursor) and a `data:` line ' +
    'holding the event as JSON: `{ type, executionId, workflow, taskId, runnerId, at, data }`. ' +
    'A client that reconnects with `Last-Event-ID` (or `?after=`) gets exactly the events it ' +
    'missed; without either the stream starts with new events.',
  ...secured('read'),
  request: {
    query: z.strictObject({
      executionId: uuidParam.optional(),
      workflow: nameParam.optional(),
      after: z
        .string()
        .max(200)
        .optional()
        .openapi({ description: 'Start after this event id (as `Last-Event-ID`)' }),
    }),
  },
  responses: {
    200: {
      content: { 'text/event-stream': { schema: z.string() } },
      description: 'The event stream',
    },
    ...problems(400, ...AUTH_PROBLEMS, 503),
  },
});

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** Registers the event stream route. */
export function eventRoutes(app: ApiApp, deps: ServerDeps, settings: StreamSettings): void {
  guard(app, deps, stream);
  app.openapi(stream, async (c) => {
    if (deps.isShuttingDown()) {
      throw new CloacinaError(
        ErrorCode.SHUTDOWN,
        'The server is shutting down; reconnect to another.',
      );
    }
    if (c.req.method === 'HEAD') {
      return c.body(null, 200, { 'content-type': 'text/event-stream; charset=utf-8' });
    }
    const { executionId, workflow, after } = c.req.valid('query');
    // An empty Last-Event-ID is what a client sends before it has seen an id: no position.
    const resumeFrom = nonEmpty(c.req.header('last-event-id')) ?? nonEmpty(after);
    await deps.hub.start();
    let start = deps.hub.head;
    let firstPage = null;
    if (resumeFrom !== undefined) {
      start = resumeFrom;
      // Read the first page before answering: a cursor the feed rejects is a 400, not a stream
      // that ends at once.
      if (deps.hub.sequenceAfter(resumeFrom) === undefined) {
        firstPage = await deps.client.readEvents({ after: resumeFrom, limit: 500 });
      }
    }
    const { incoming, outgoing } = c.env;
    const key = bearerKey(c.req.header('authorization'));
    const scope = deps.auth === 'keys' && key !== undefined ? 'read' : undefined;
    deps.streams.track(
      runStream(incoming, outgoing, {
        hub: deps.hub,
        client: deps.client,
        logger: deps.logger,
        filter: {
          ...(executionId !== undefined ? { executionId } : {}),
          ...(workflow !== undefined ? { workflow } : {}),
        },
        after: start,
        firstPage,
        heartbeatMs: settings.heartbeatMs,
        slowClientTimeoutMs: settings.slowClientTimeoutMs,
        // A revoked key ends its open streams at the next heartbeat.
        ...(scope !== undefined
          ? {
              authorize: async () => {
                const info = await deps.client.verifyApiKey(key!);
                return info !== null && scopeAllows(info.scope, scope);
              },
            }
          : {}),
      }),
    );
    return RESPONSE_ALREADY_SENT;
  });
}
