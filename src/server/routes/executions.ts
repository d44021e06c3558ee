/**
 * Executions: statistics, list, start, read, events, tasks, task logs, cancel / pause / resume,
 * and rerun.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { ApiApp, ServerDeps } from '../app-types.js';
import { jsonify } from '../json.js';
import { AUTH_PROBLEMS, guard, json, problems, requestPath, secured } from '../route.js';
import {
  ExecutionEventSchema,
  ExecutionSchema,
  ExecutionStatsSchema,
  ExecutionSummarySchema,
  ExecutionTaskDetailSchema,
  ExecutionTasksSchema,
  isoTimeParam,
  nameParam,
  PageQuery,
  pageOf,
  PauseBody,
  RerunBody,
  StartExecutionBody,
  StartedSchema,
  TaskLogsSchema,
  uuidParam,
  WorkflowStatusSchema,
} from '../schemas.js';

const STATUSES = WorkflowStatusSchema.options;
const STATUS_LIST = new RegExp(`^(${STATUSES.join('|')})(,(${STATUSES.join('|')}))*$`);

const IdParams = z.strictObject({
  id: uuidParam.openapi({ param: { name: 'id', in: 'path' }, example: '0193a6f2-…' }),
});

/** A duration as `getExecutionStats` takes it ('60m', '1h30m'); the client checks the value. */
const durationParam = z.string().min(1).max(32);

const stats = createRoute({
  method: 'get',
  path: '/v1/stats',
  tags: ['executions'],
  summary: 'Executions not yet ended by status, and those ended recently by outcome and bucket',
  ...secured('read'),
  request: {
    query: z.strictObject({
      window: durationParam
        .optional()
        .openapi({ description: 'How far back, at most 7d (default 1h)', example: '60m' }),
      bucket: durationParam.optional().openapi({
        description: 'Bucket length, at least 10s, at most 1,440 buckets (default 1m)',
        example: '1m',
      }),
    }),
  },
  responses: {
    200: json(ExecutionStatsSchema, 'The counts'),
    ...problems(400, ...AUTH_PROBLEMS),
  },
});

const list = createRoute({
  method: 'get',
  path: '/v1/executions',
  tags: ['executions'],
  summary: 'Executions, newest first',
  ...secured('read'),
  request: {
    query: PageQuery.extend({
      workflow: nameParam.optional(),
      status: z
        .string()
        .regex(STATUS_LIST, `must be statuses separated by commas: ${STATUSES.join(', ')}`)
        .optional()
        .openapi({ description: 'One status, or several separated by commas', example: 'Failed' }),
      since: isoTimeParam
        .optional()
        .openapi({ description: 'Only executions created at or after this time' }),
      until: isoTimeParam
        .optional()
        .openapi({ description: 'Only executions created before this time' }),
    }),
  },
  responses: {
    200: json(pageOf(ExecutionSummarySchema, 'ExecutionPage'), 'A page of executions'),
    ...problems(400, ...AUTH_PROBLEMS),
  },
});

const start = createRoute({
  method: 'post',
  path: '/v1/executions',
  tags: ['executions'],
  summary: 'Start an execution of a workflow',
  ...secured('operate'),
  request: {
    body: { content: { 'application/json': { schema: StartExecutionBody } }, required: true },
  },
  responses: {
    201: json(StartedSchema, 'The execution was scheduled'),
    200: json(
      StartedSchema,
      'The idempotency key named an existing execution (`created: false`); nothing was started',
    ),
    ...problems(400, ...AUTH_PROBLEMS, 404, 413, 422),
  },
});

const get = createRoute({
  method: 'get',
  path: '/v1/executions/{id}',
  tags: ['executions'],
  summary: 'An execution with every task, its timings, errors and skip reasons',
  ...secured('read'),
  request: { params: IdParams },
  responses: {
    200: json(ExecutionSchema, 'The execution'),
    ...problems(400, ...AUTH_PROBLEMS, 404),
  },
});

const events = createRoute({
  method: 'get',
  path: '/v1/executions/{id}/events',
  tags: ['executions'],
  summary: 'The history of an execution, oldest first',
  ...secured('read'),
  request: { params: IdParams, query: PageQuery },
  responses: {
    200: json(pageOf(ExecutionEventSchema, 'ExecutionEventPage'), 'A page of events'),
    ...problems(400, ...AUTH_PROBLEMS, 404),
  },
});

const TaskParams = IdParams.extend({
  taskId: nameParam.openapi({ param: { name: 'taskId', in: 'path' } }),
});

const tasks = createRoute({
  method: 'get',
  path: '/v1/executions/{id}/tasks',
  tags: ['executions'],
  summary: 'The tasks of an execution in topological order, with dependencies, for its DAG',
  ...secured('read'),
  request: { params: IdParams },
  responses: {
    200: json(ExecutionTasksSchema, 'Every task of the execution'),
    ...problems(400, ...AUTH_PROBLEMS, 404),
  },
});

const taskDetail = createRoute({
  method: 'get',
  path: '/v1/executions/{id}/tasks/{taskId}',
  tags: ['executions'],
  summary: 'One task of an execution with the context it started from and the one it produced',
  ...secured('read'),
  request: { params: TaskParams },
  responses: {
    200: json(ExecutionTaskDetailSchema, 'The task'),
    ...problems(400, ...AUTH_PROBLEMS, 404),
  },
});

const logs = createRoute({
  method: 'get',
  path: '/v1/executions/{id}/tasks/{taskId}/logs',
  tags: ['executions'],
  summary: 'Lines a task attempt wrote with handle.log (the latest attempt by default)',
  ...secured('read'),
  request: {
    params: TaskParams,
    query: z.strictObject({ attempt: z.coerce.number().int().min(1).optional() }),
  },
  responses: {
    200: json(TaskLogsSchema, 'The attempt’s log'),
    ...problems(400, ...AUTH_PROBLEMS, 404),
  },
});

function control(action: 'cancel' | 'pause' | 'resume', summary: string) {
  return createRoute({
    method: 'post',
    path: `/v1/executions/{id}/${action}`,
    tags: ['executions'],
    summary,
    ...secured('operate'),
    request: {
      params: IdParams,
      // Only pause reads it (an optional reason); an empty body is fine for all three.
      body: { content: { 'application/json': { schema: PauseBody } }, required: false },
    },
    responses: {
      200: json(ExecutionSummarySchema, 'The execution after the change'),
      ...problems(400, ...AUTH_PROBLEMS, 404, 409),
    },
  });
}

const cancel = control('cancel', 'Cancel an execution');
const pause = control('pause', 'Pause an execution (running tasks finish; nothing new starts)');
const resume = control('resume', 'Resume a paused execution');

const rerun = createRoute({
  method: 'post',
  path: '/v1/executions/{id}/rerun',
  tags: ['executions'],
  summary:
    'Start a new execution that reruns an ended one: from failed (completed tasks kept) or from start',
  ...secured('operate'),
  request: {
    params: IdParams,
    body: { content: { 'application/json': { schema: RerunBody } }, required: false },
  },
  responses: {
    201: json(StartedSchema, 'The rerun was scheduled; `Location` is the new execution'),
    ...problems(400, ...AUTH_PROBLEMS, 404, 409, 422),
  },
});

/** Registers the execution routes. */
export function executionRoutes(app: ApiApp, deps: ServerDeps): void {
  const { client } = deps;
  for (const route of [
    stats,
    list,
    start,
    get,
    events,
    tasks,
    taskDetail,
    logs,
    cancel,
    pause,
    resume,
    rerun,
  ]) {
    guard(app, deps, route);
  }

  app.openapi(stats, async (c) => {
    const { window, bucket } = c.req.valid('query');
    // A bad duration, a bucket longer than the window or too many buckets: a ConfigError, 400.
    return c.json(jsonify(await client.getExecutionStats({ window, bucket })), 200);
  });

  app.openapi(list, async (c) => {
    const { limit, cursor, workflow, status, since, until } = c.req.valid('query');
    // The pattern admits only known statuses.
    const statuses = status?.split(',') as z.infer<typeof WorkflowStatusSchema>[] | undefined;
    const page = await client.listExecutionsPage({
      limit,
      cursor,
      workflow,
      status: statuses,
      createdAfter: since === undefined ? undefined : new Date(since),
      createdBefore: until === undefined ? undefined : new Date(until),
    });
    return c.json(jsonify(page), 200);
  });

  app.openapi(start, async (c) => {
    const body = c.req.valid('json');
    const handle = await client.executeAsync(body.workflow, body.context ?? {}, {
      ...(body.idempotencyKey !== undefined ? { idempotencyKey: body.idempotencyKey } : {}),
      ...(body.runAt !== undefined ? { runAt: new Date(body.runAt) } : {}),
      ...(body.delay !== undefined ? { delay: body.delay } : {}),
      ...(body.priority !== undefined ? { priority: body.priority } : {}),
    });
    // The execution exists from here on: a failing read of its status must not turn it into an
    // error the caller would retry (and start it twice).
    const status = await client.getExecutionStatus(handle.executionId).catch(() => null);
    c.header('location', `${requestPath(c)}/${handle.executionId}`);
    const started = { executionId: handle.executionId, workflow: body.workflow, status };
    // A retried keyed start gets the same body and Location, with 200: nothing was created.
    return handle.created
      ? c.json({ ...started, created: true }, 201)
      : c.json({ ...started, created: false }, 200);
  });

  app.openapi(rerun, async (c) => {
    const { id } = c.req.valid('param');
    // An absent body validates as {} (the body is optional).
    const { from = 'failed' } = c.req.valid('json');
    const handle = await client.rerunExecution(id, { from });
    // As for a start: once the rerun exists, a failing read must not make the caller retry it.
    const status = await client.getExecutionStatus(handle.executionId).catch(() => null);
    c.header('location', requestPath(c).replace(/\/[^/]+\/rerun\/?$/, `/${handle.executionId}`));
    return c.json({ executionId: handle.executionId, workflow: handle.workflowName, status }, 201);
  });

  app.openapi(get, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(jsonify(await client.getExecutionResult(id)), 200);
  });

  app.openapi(events, async (c) => {
    const { id } = c.req.valid('param');
    const { limit, cursor } = c.req.valid('query');
    const page = await client.getExecutionEventsPage(id, { limit, cursor });
    return c.json(
      {
        items: page.items.map((e) => ({
          id: e.id,
          executionId: e.executionId,
          taskId: e.taskId,
          type: e.type,
          data: e.data,
          runnerId: e.runnerId,
          createdAt: new Date(e.createdAtMs).toISOString(),
        })),
        nextCursor: page.nextCursor,
      },
      200,
    );
  });

  app.openapi(tasks, async (c) => {
    const { id } = c.req.valid('param');
    return c.json({ items: jsonify(await client.getExecutionTasks(id)) }, 200);
  });

  app.openapi(taskDetail, async (c) => {
    const { id, taskId } = c.req.valid('param');
    return c.json(jsonify(await client.getExecutionTask(id, taskId)), 200);
  });

  app.openapi(logs, async (c) => {
    const { id, taskId } = c.req.valid('param');
    const { attempt } = c.req.valid('query');
    const result = await client.getTaskLogs(id, taskId, { attempt });
    return c.json(
      {
        ...result,
        lines: result.lines.map((line) => ({ ...line, at: new Date(line.at).toISOString() })),
      },
      200,
    );
  });

  const summaryOf = async (id: string) => jsonify(await client.getExecutionSummary(id));

  app.openapi(cancel, async (c) => {
    const { id } = c.req.valid('param');
    await client.cancelExecution(id);
    return c.json(await summaryOf(id), 200);
  });
  app.openapi(pause, async (c) => {
    const { id } = c.req.valid('param');
    // An absent body validates as {} (the body is optional).
    const body = c.req.valid('json');
    await client.pauseExecution(id, body.reason);
    return c.json(await summaryOf(id), 200);
  });
  app.openapi(resume, async (c) => {
    const { id } = c.req.valid('param');
    await client.resumeExecution(id);
    return c.json(await summaryOf(id), 200);
  });
}
