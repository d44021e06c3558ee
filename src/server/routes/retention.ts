/** Pruning on demand: `POST /v1/prune`. */
import { createRoute } from '@hono/zod-openapi';
import type { ApiApp, ServerDeps } from '../app-types.js';
import { AUTH_PROBLEMS, guard, json, problems, secured } from '../route.js';
import { PruneBody, PruneResultSchema } from '../schemas.js';

/**
 * Admin, not operate: it deletes history for good, which no other operation of the API does to
 * rows it did not create.
 */
const prune = createRoute({
  method: 'post',
  path: '/v1/prune',
  tags: ['retention'],
  summary:
    'Delete ended executions (with their tasks and events) and trigger and cron history older than an age; or count them (dryRun)',
  ...secured('admin'),
  request: {
    body: { content: { 'application/json': { schema: PruneBody } }, required: true },
  },
  responses: {
    200: json(PruneResultSchema, 'Rows deleted, or with dryRun that would be, per kind'),
    ...problems(400, ...AUTH_PROBLEMS, 413),
  },
});

/** Registers the retention route. */
export function retentionRoutes(app: ApiApp, deps: ServerDeps): void {
  guard(app, deps, prune);
  app.openapi(prune, async (c) => {
    const body = c.req.valid('json');
    const result = await deps.client.prune(body);
    if (!result.dryRun) {
      deps.logger.info({ ...result, olderThan: body.olderThan, by: c.get('keyId') }, 'pruned');
    }
    return c.json(result, 200);
  });
}
