/** Event triggers: schedules, history, enable / disable, and fire now. */
import { createRoute, z } from '@hono/zod-openapi';
import { NotFoundError, type JsonObject } from '../../index.js';
import type { ApiApp, ServerDeps } from '../app-types.js';
import { jsonify } from '../json.js';
import { AUTH_PROBLEMS, guard, json, problems, secured } from '../route.js';
import {
  FireBody,
  FireResultSchema,
  nameParam,
  PageQuery,
  pageOf,
  TriggerExecutionSchema,
  TriggerScheduleSchema,
} from '../schemas.js';

const NameParams = z.strictObject({
  name: nameParam.openapi({ param: { name: 'name', in: 'path' } }),
});

const list = createRoute({
  method: 'get',
  path: '/v1/triggers',
  tags: ['triggers'],
  summary: 'Trigger schedules by name',
  ...secured('read'),
  request: { query: PageQuery },
  responses: {
    200: json(pageOf(TriggerScheduleSchema, 'TriggerPage'), 'A page of triggers'),
    ...problems(400, ...AUTH_PROBLEMS),
  },
});

const get = createRoute({
  method: 'get',
  path: '/v1/triggers/{name}',
  tags: ['triggers'],
  summary: 'One trigger: enabled state, last poll and its outcome, error streak',
  ...secured('read'),
  request: { params: NameParams },
  responses: {
    200: json(TriggerScheduleSchema, 'The trigger'),
    ...problems(400, ...AUTH_PROBLEMS, 404),
  },
});

const history = createRoute({
  method: 'get',
  path: '/v1/triggers/{name}/history',
  tags: ['triggers'],
  summary: 'Fires, suppressed duplicates (with the context hash) and poll errors, newest first',
  ...secured('read'),
  request: { params: NameParams, query: PageQuery },
  responses: {
    200: json(pageOf(TriggerExecutionSchema, 'TriggerHistoryPage'), 'A page of history'),
    ...problems(400, ...AUTH_PROBLEMS, 404),
  },
});

function toggle(action: 'enable' | 'disable') {
  return createRoute({
    method: 'post',
    path: `/v1/triggers/{name}/${action}`,
    tags: ['triggers'],
    summary: action === 'enable' ? 'Start polling the trigger' : 'Stop polling the trigger',
    ...secured('operate'),
    request: { params: NameParams },
    responses: {
      200: json(TriggerScheduleSchema, 'The trigger after the change'),
      ...problems(400, ...AUTH_PROBLEMS, 404),
    },
  });
}
const enable = toggle('enable');
const disable = toggle('disable');

const fire = createRoute({
  method: 'post',
  path: '/v1/triggers/{name}/fire',
  tags: ['triggers'],
  summary: 'Fire the trigger now with a context (duplicates are suppressed as for a poll)',
  ...secured('operate'),
  request: {
    params: NameParams,
    body: { content: { 'application/json': { schema: FireBody } }, required: false },
  },
  responses: {
    200: json(FireResultSchema, 'Fired, or suppressed as a duplicate'),
    ...problems(400, ...AUTH_PROBLEMS, 404, 413, 422),
  },
});

/** Registers the trigger routes. */
export function triggerRoutes(app: ApiApp, deps: ServerDeps): void {
  const { client } = deps;
  for (const route of [list, get, history, enable, disable, fire]) guard(app, deps, route);

  const requireTrigger = async (name: string) => {
    const schedule = await client.getTriggerSchedule(name);
    if (schedule === null) {
      throw new NotFoundError(
        `No trigger named ${JSON.stringify(name)}: GET /v1/triggers lists the registered ones.`,
      );
    }
    return schedule;
  };

  app.openapi(list, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    return c.json(jsonify(await client.listTriggerSchedulesPage({ limit, cursor })), 200);
  });

  app.openapi(get, async (c) => {
    const { name } = c.req.valid('param');
    return c.json(jsonify(await requireTrigger(name)), 200);
  });

  app.openapi(history, async (c) => {
    const { name } = c.req.valid('param');
    const { limit, cursor } = c.req.valid('query');
    await requireTrigger(name);
    const page = await client.getTriggerExecutionHistoryPage(name, { limit, cursor });
    return c.json(jsonify(page), 200);
  });

  app.openapi(enable, async (c) => {
    const { name } = c.req.valid('param');
    return c.json(jsonify(await client.setTriggerEnabled(name, true)), 200);
  });
  app.openapi(disable, async (c) => {
    const { name } = c.req.valid('param');
    return c.json(jsonify(await client.setTriggerEnabled(name, false)), 200);
  });

  app.openapi(fire, async (c) => {
    const { name } = c.req.valid('param');
    // An absent body validates as {} (the body is optional).
    const body = c.req.valid('json');
    const result = await client.fireTrigger(name, body.context as JsonObject | undefined);
    return c.json(jsonify(result), 200);
  });
}
