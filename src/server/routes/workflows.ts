/** Workflows: the definitions runners stored (tasks, rules, retry, timeout, input schema). */
import { createRoute, z } from '@hono/zod-openapi';
import { NotFoundError } from '../../index.js';
import type { ApiApp, ServerDeps } from '../app-types.js';
import { jsonify } from '../json.js';
import { AUTH_PROBLEMS, guard, json, problems, secured } from '../route.js';
import { nameParam, PageQuery, pageOf, WorkflowSchema } from '../schemas.js';

const list = createRoute({
  method: 'get',
  path: '/v1/workflows',
  tags: ['workflows'],
  summary: 'Workflows by name (the latest registered version of each)',
  ...secured('read'),
  request: { query: PageQuery },
  responses: {
    200: json(pageOf(WorkflowSchema, 'WorkflowPage'), 'A page of workflows'),
    ...problems(400, ...AUTH_PROBLEMS),
  },
});

const get = createRoute({
  method: 'get',
  path: '/v1/workflows/{name}',
  tags: ['workflows'],
  summary: 'One workflow: tasks with dependencies, trigger rules, retry, timeout, input schema',
  ...secured('read'),
  request: {
    params: z.strictObject({ name: nameParam.openapi({ param: { name: 'name', in: 'path' } }) }),
    query: z.strictObject({
      version: z.string().min(1).max(100).optional().openapi({
        description: 'A stored version (default the latest)',
        example: '9f2c4e1a0b7d3c65',
      }),
    }),
  },
  responses: {
    200: json(WorkflowSchema, 'The workflow'),
    ...problems(400, ...AUTH_PROBLEMS, 404),
  },
});

const versions = createRoute({
  method: 'get',
  path: '/v1/workflows/{name}/versions',
  tags: ['workflows'],
  summary: 'Every stored version of a workflow, most recently registered first',
  ...secured('read'),
  request: {
    params: z.strictObject({ name: nameParam.openapi({ param: { name: 'name', in: 'path' } }) }),
  },
  responses: {
    200: json(
      z.object({ items: z.array(WorkflowSchema) }).openapi('WorkflowVersions'),
      'The versions (a workflow has few: one per change of its definition)',
    ),
    ...problems(400, ...AUTH_PROBLEMS, 404),
  },
});

function notStored(name: string): NotFoundError {
  return new NotFoundError(
    `No workflow named ${JSON.stringify(name)} is stored: a runner registers it when it starts with the workflow's code (GET /v1/workflows lists them).`,
  );
}

/** Registers the workflow routes. */
export function workflowRoutes(app: ApiApp, deps: ServerDeps): void {
  const { client } = deps;
  guard(app, deps, list);
  guard(app, deps, get);
  guard(app, deps, versions);

  app.openapi(list, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    return c.json(jsonify(await client.listWorkflowsPage({ limit, cursor })), 200);
  });

  app.openapi(get, async (c) => {
    const { name } = c.req.valid('param');
    const { version } = c.req.valid('query');
    const workflow = await client.getWorkflow(name, version);
    if (workflow === null) {
      if (version === undefined || (await client.getWorkflow(name)) === null) throw notStored(name);
      throw new NotFoundError(
        `Workflow ${JSON.stringify(name)} has no stored version ${JSON.stringify(version)}: GET /v1/workflows/${encodeURIComponent(name)}/versions lists them.`,
      );
    }
    return c.json(jsonify(workflow), 200);
  });

  app.openapi(versions, async (c) => {
    const { name } = c.req.valid('param');
    const items = await client.listWorkflowVersions(name);
    if (items.length === 0) throw notStored(name);
    return c.json(jsonify({ items }), 200);
  });
}
