/** Cron schedules: create, read (with the next fire times), update, delete, toggle, history. */
import { createRoute, z } from '@hono/zod-openapi';
import { cronTimesBetween, NotFoundError } from '../../index.js';
import type { ApiApp, ServerDeps } from '../app-types.js';
import { jsonify } from '../json.js';
import { AUTH_PROBLEMS, guard, json, problems, requestPath, secured } from '../route.js';
import {
  CreateCronBody,
  CronDetailSchema,
  CronExecutionSchema,
  CronScheduleSchema,
  PageQuery,
  pageOf,
  UpdateCronBody,
  uuidParam,
} from '../schemas.js';

/** How many next fire times a schedule read lists at most. */
const MAX_NEXT_RUNS = 100;
/** How far ahead the next fire times are looked for. */
const NEXT_RUNS_HORIZON_MS = 10 * 366 * 24 * 3600 * 1000;

const IdParams = z.strictObject({ id: uuidParam.openapi({ param: { name: 'id', in: 'path' } }) });

const list = createRoute({
  method: 'get',
  path: '/v1/cron',
  tags: ['cron'],
  summary: 'Cron schedules, oldest first',
  ...secured('read'),
  request: { query: PageQuery },
  responses: {
    200: json(pageOf(CronScheduleSchema, 'CronPage'), 'A page of schedules'),
    ...problems(400, ...AUTH_PROBLEMS),
  },
});

const create = createRoute({
  method: 'post',
  path: '/v1/cron',
  tags: ['cron'],
  summary: 'Create a cron schedule',
  ...secured('admin'),
  request: {
    body: { content: { 'application/json': { schema: CreateCronBody } }, required: true },
  },
  responses: {
    201: json(CronDetailSchema, 'The schedule'),
    ...problems(400, ...AUTH_PROBLEMS, 404, 413, 422),
  },
});

const get = createRoute({
  method: 'get',
  path: '/v1/cron/{id}',
  tags: ['cron'],
  summary: 'One schedule, with its next fire times',
  ...secured('read'),
  request: {
    params: IdParams,
    query: z.strictObject({
      next: z.coerce.number().int().min(0).max(MAX_NEXT_RUNS).optional().openapi({ example: 5 }),
    }),
  },
  responses: {
    200: json(CronDetailSchema, 'The schedule'),
    ...problems(400, ...AUTH_PROBLEMS, 404),
  },
});

const update = createRoute({
  method: 'patch',
  path: '/v1/cron/{id}',
  tags: ['cron'],
  summary: 'Change the expression or time zone of a schedule',
  ...secured('admin'),
  request: {
    params: IdParams,
    body: { content: { 'application/json': { schema: UpdateCronBody } }, required: true },
  },
  responses: {
    200: json(CronDetailSchema, 'The schedule after the change'),
    ...problems(400, ...AUTH_PROBLEMS, 404, 413),
  },
});

const remove = createRoute({
  method: 'delete',
  path: '/v1/cron/{id}',
  tags: ['cron'],
  summary: 'Delete a schedule (its history is kept)',
  ...secured('admin'),
  request: { params: IdParams },
  responses: { 204: { description: 'Deleted' }, ...problems(400, ...AUTH_PROBLEMS, 404) },
});

function toggle(action: 'enable' | 'disable') {
  return createRoute({
    method: 'post',
    path: `/v1/cron/{id}/${action}`,
    tags: ['cron'],
    summary: action === 'enable' ? 'Enable a schedule' : 'Disable a schedule',
    ...secured('operate'),
    request: { params: IdParams },
    responses: {
      200: json(CronDetailSchema, 'The schedule after the change'),
      ...problems(400, ...AUTH_PROBLEMS, 404),
    },
  });
}
const enable = toggle('enable');
const disable = toggle('disable');

const history = createRoute({
  method: 'get',
  path: '/v1/cron/{id}/history',
  tags: ['cron'],
  summary: 'Fires and missed ticks of a schedule, newest first',
  ...secured('read'),
  request: { params: IdParams, query: PageQuery },
  responses: {
    200: json(pageOf(CronExecutionSchema, 'CronHistoryPage'), 'A page of history'),
    ...problems(400, ...AUTH_PROBLEMS, 404),
  },
});

/** Registers the cron routes. */
export function cronRoutes(app: ApiApp, deps: ServerDeps): void {
  const { client } = deps;
  for (const route of [list, create, get, update, remove, enable, disable, history]) {
    guard(app, deps, route);
  }

  const detail = async (id: string, next = 5) => {
    const schedule = await client.getCronSchedule(id);
    if (schedule === null) {
      throw new NotFoundError(`No cron schedule with id ${id}: GET /v1/cron lists them.`);
    }
    const now = Date.now();
    const nextRuns =
      schedule.enabled && next > 0
        ? cronTimesBetween(
            schedule.expression,
            schedule.timezone,
            now,
            schedule.endDate?.getTime() ?? now + NEXT_RUNS_HORIZON_MS,
            next,
          ).map((ms) => new Date(ms).toISOString())
        : [];
    return { ...jsonify(schedule), nextRuns };
  };

  app.openapi(list, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    return c.json(jsonify(await client.listCronSchedulesPage({ limit, cursor })), 200);
  });

  app.openapi(create, async (c) => {
    const body = c.req.valid('json');
    const id = await client.registerCronWorkflow(body.workflow, body.expression, body.timezone, {
      ...(body.catchupPolicy !== undefined ? { catchupPolicy: body.catchupPolicy } : {}),
      ...(body.context !== undefined ? { context: body.context } : {}),
      ...(body.startDate !== undefined ? { startDate: body.startDate } : {}),
      ...(body.endDate !== undefined ? { endDate: body.endDate } : {}),
    });
    c.header('location', `${requestPath(c)}/${id}`);
    return c.json(await detail(id), 201);
  });

  app.openapi(get, async (c) => {
    const { id } = c.req.valid('param');
    const { next } = c.req.valid('query');
    return c.json(await detail(id, next), 200);
  });

  app.openapi(update, async (c) => {
    const { id } = c.req.valid('param');
    await client.updateCronSchedule(id, c.req.valid('json'));
    return c.json(await detail(id), 200);
  });

  app.openapi(remove, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await client.deleteCronSchedule(id))) {
      throw new NotFoundError(`No cron schedule with id ${id}: GET /v1/cron lists them.`);
    }
    return c.body(null, 204);
  });

  app.openapi(enable, async (c) => {
    const { id } = c.req.valid('param');
    await client.setCronScheduleEnabled(id, true);
    return c.json(await detail(id), 200);
  });
  app.openapi(disable, async (c) => {
    const { id } = c.req.valid('param');
    await client.setCronScheduleEnabled(id, false);
    return c.json(await detail(id), 200);
  });

  app.openapi(history, async (c) => {
    const { id } = c.req.valid('param');
    const { limit, cursor } = c.req.valid('query');
    if ((await client.getCronSchedule(id)) === null) {
      throw new NotFoundError(`No cron schedule with id ${id}: GET /v1/cron lists them.`);
    }
    return c.json(jsonify(await client.getCronExecutionHistoryPage(id, { limit, cursor })), 200);
  });
}
