/**
 * The API's JSON shapes, written once: they validate requests, type the handlers and generate
 * `/v1/openapi.json`. Response shapes mirror the library's result types (see `json.ts`).
 */
import { z } from '@hono/zod-openapi';
import {
  MAX_IDEMPOTENCY_KEY_LENGTH,
  MAX_NAME_LENGTH,
  MAX_PAGE_SIZE,
  DEFAULT_PAGE_SIZE,
  PRUNABLE_STATUSES,
  MAX_PRIORITY,
  MIN_PRIORITY,
} from '../index.js';

/** A date-time as ISO 8601 text. */
const isoTime = z.string().openapi({ format: 'date-time', example: '2026-12-05T10:00:00.000Z' });
const nullableTime = isoTime.nullable();
/** Any JSON object (contexts, definitions). */
const jsonObject = z.record(z.string(), z.unknown()).openapi({ type: 'object' });

/** Names of workflows, triggers and tasks: what the engine accepts. */
export const nameParam = z
  .string()
  .min(1)
  .max(MAX_NAME_LENGTH)
  // Control characters (NUL included) are never part of a name the engine stores.
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters');

/**
 * A time in a query: ISO 8601 date and time with `Z` or an offset (what `toISOString()` gives);
 * an impossible date (February 30th) fails too.
 */
export const isoTimeParam = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 date-time, e.g. 2026-12-05T10:00:00Z' })
  .openapi({ example: '2026-12-05T10:00:00Z' });

/** An execution id: a UUID. */
export const uuidParam = z.uuid({ message: 'must be a UUID' });

/** A concurrency group: its key ('' for a workflow-wide limit) and the limit it counts under. */
const ConcurrencyGroupSchema = z
  .object({ key: z.string(), limit: z.number().int() })
  .openapi('ConcurrencyGroup');

/** A rate group: its key ('' for a workflow-wide limit), its limit and period. */
const RateGroupSchema = z
  .object({ key: z.string(), limit: z.number().int(), periodMs: z.number().int() })
  .openapi('RateGroup');

export const WorkflowStatusSchema = z
  .enum(['Scheduled', 'Queued', 'Pending', 'Running', 'Paused', 'Completed', 'Failed', 'Cancelled'])
  .openapi('WorkflowStatus');
const TaskStatusSchema = z
  .enum([
    'NotStarted',
    'Ready',
    'Running',
    'Deferred',
    'Completed',
    'Failed',
    'Skipped',
    'Cancelled',
  ])
  .openapi('TaskStatus');

/** Keyset paging query: `?limit=&cursor=`. */
export const PageQuery = z.strictObject({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .optional()
    .openapi({ example: 50, description: `1–${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE}` }),
  cursor: z
    .string()
    .max(512)
    .optional()
    .openapi({ description: 'The `nextCursor` of the previous page; omit for the first page.' }),
});

/** `{ items, nextCursor }` of a schema. */
export function pageOf<T extends z.ZodType>(item: T, name: string) {
  return z
    .object({
      items: z.array(item),
      nextCursor: z.string().nullable().openapi({ description: 'null on the last page' }),
    })
    .openapi(name);
}

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().openapi({ example: 'NOT_FOUND' }),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

export const HealthSchema = z
  .object({
    status: z.enum(['ok', 'unavailable', 'shutting down']),
    detail: z.string().optional(),
  })
  .openapi('Health');

// ---- Workflows ----

export const WorkflowSchema = z
  .object({
    name: z.string(),
    version: z.string(),
    description: z.string(),
    tags: z.record(z.string(), z.string()),
    triggers: z.array(z.string()),
    tasks: z.array(z.object({ id: z.string(), dependencies: z.array(z.string()) })),
    definition: jsonObject.openapi({
      description: 'The code-free definition: tasks with trigger rules, retry and timeout.',
    }),
    inputSchema: jsonObject.nullable().openapi({ description: 'JSON Schema of the input' }),
    registeredAt: isoTime,
    registeredBy: z.string().nullable(),
  })
  .openapi('Workflow');

// ---- Executions ----

export const ExecutionSummarySchema = z
  .object({
    executionId: z.string(),
    workflowName: z.string(),
    workflowVersion: z.string(),
    status: WorkflowStatusSchema,
    createdAt: isoTime,
    startedAt: nullableTime,
    completedAt: nullableTime,
    error: z.string().nullable(),
    pauseReason: z.string().nullable(),
    openTasks: z.number().int(),
    failedTasks: z.number().int(),
    rerunOf: z.string().nullable().openapi({ description: 'The execution this one reruns' }),
    rerunBy: z.string().nullable().openapi({ description: 'The latest rerun of this execution' }),
    idempotencyKey: z
      .string()
      .nullable()
      .openapi({ description: 'The idempotency key it was started with' }),
    runAt: nullableTime.openapi({
      description: 'The start time it was given (runAt / delay); null for a start at once',
    }),
    concurrency: ConcurrencyGroupSchema.nullable().openapi({
      description:
        'The concurrency group it counts in (a workflow with a concurrency limit); while Queued it waits for a place in it',
    }),
    rateLimit: RateGroupSchema.nullable().openapi({
      description:
        'The rate group it counts in (a workflow with a rate limit): at most limit starts per periodMs; while Queued it may wait for a place in its window',
    }),
    priority: z.number().int().openapi({
      description: 'Its priority: Ready tasks of higher priorities are claimed first; 0 by default',
    }),
  })
  .openapi('ExecutionSummary');

export const TaskResultSchema = z
  .object({
    taskId: z.string(),
    status: TaskStatusSchema,
    startedAt: isoTime.optional(),
    completedAt: isoTime.optional(),
    durationMs: z.number().optional(),
    attempts: z.number().int(),
    errorMessage: z.string().optional(),
    skipReason: z.string().optional(),
  })
  .openapi('TaskResult');

export const ExecutionSchema = z
  .object({
    executionId: z.string(),
    workflowName: z.string(),
    workflowVersion: z.string(),
    status: WorkflowStatusSchema,
    startedAt: isoTime,
    completedAt: isoTime.optional(),
    durationMs: z.number().optional(),
    finalContext: jsonObject,
    taskResults: z.array(TaskResultSchema),
    errorMessage: z.string().optional(),
    rerunOf: z.string().optional().openapi({ description: 'The execution this one reruns' }),
    rerunBy: z.string().optional().openapi({ description: 'The latest rerun of this execution' }),
    idempotencyKey: z
      .string()
      .optional()
      .openapi({ description: 'The idempotency key it was started with' }),
    runAt: isoTime
      .optional()
      .openapi({ description: 'The start time it was given (runAt / delay), when delayed' }),
    concurrency: ConcurrencyGroupSchema.optional().openapi({
      description:
        'The concurrency group it counts in, for a workflow with a concurrency limit; while Queued it waits for a place in it',
    }),
    rateLimit: RateGroupSchema.optional().openapi({
      description:
        'The rate group it counts in, for a workflow with a rate limit: at most limit starts per periodMs; while Queued it may wait for a place in its window',
    }),
    priority: z.number().int().openapi({
      description: 'Its priority: Ready tasks of higher priorities are claimed first; 0 by default',
    }),
  })
  .openapi('Execution');

const outcomeCounts = {
  completed: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
};

export const ExecutionStatsSchema = z
  .object({
    now: isoTime,
    active: z
      .object({
        Scheduled: z.number().int(),
        Queued: z.number().int(),
        Pending: z.number().int(),
        Running: z.number().int(),
        Paused: z.number().int(),
      })
      .openapi({ description: 'Executions not yet ended, by status' }),
    window: z
      .object({ from: isoTime, to: isoTime, ...outcomeCounts })
      .openapi({ description: 'Executions that ended between `from` and `to`, by outcome' }),
    throughput: z
      .array(
        z.object({ at: isoTime.openapi({ description: 'Start of the bucket' }), ...outcomeCounts }),
      )
      .openapi({ description: 'Every bucket of the window, oldest first, empty ones included' }),
  })
  .openapi('ExecutionStats');

/** What a start's `priority` must be, as the problem detail says it. */
const PRIORITY_RULE = `must be an integer from ${MIN_PRIORITY} to ${MAX_PRIORITY} (higher runs first)`;

export const StartExecutionBody = z
  .strictObject({
    workflow: nameParam.openapi({ example: 'etl' }),
    context: jsonObject.optional().openapi({ example: { date: '2026-12-05' } }),
    idempotencyKey: z
      .string()
      .min(1)
      .max(MAX_IDEMPOTENCY_KEY_LENGTH)
      .refine((key) => !key.includes('\u0000'), 'must not contain NUL')
      .optional()
      .openapi({
        description:
          'One execution per workflow and key: a start with a key already used answers 200 with that execution instead of starting another',
        example: 'order-4711',
      }),
    runAt: isoTimeParam.optional().openapi({
      description:
        'Start at this time instead of now: the execution is Scheduled until then (a time not in the future starts it at once)',
    }),
    delay: z.union([z.string(), z.number()]).optional().openapi({
      description: "Start this long from now: milliseconds or a duration such as '15m'",
      example: '15m',
    }),
    priority: z
      .number({ message: PRIORITY_RULE })
      .int({ message: PRIORITY_RULE })
      .min(MIN_PRIORITY, { message: PRIORITY_RULE })
      .max(MAX_PRIORITY, { message: PRIORITY_RULE })
      .optional()
      .openapi({
        description: `Overrides the workflow's default priority: an integer from ${MIN_PRIORITY} to ${MAX_PRIORITY}, higher first (Ready tasks of higher priorities are claimed first; a concurrency group admits higher priorities first)`,
        example: 10,
      }),
  })
  .refine((body) => body.runAt === undefined || body.delay === undefined, {
    message: 'give runAt or delay, not both',
  })
  .openapi('StartExecution');

export const StartedSchema = z
  .object({
    executionId: z.string(),
    workflow: z.string(),
    status: WorkflowStatusSchema.nullable().openapi({
      description: 'null if it could not be read',
    }),
    created: z.boolean().optional().openapi({
      description:
        'On a start: false when the idempotency key named an existing execution (nothing was started)',
    }),
  })
  .openapi('StartedExecution');

/** Body of a rerun: where it starts (default `failed`); the body itself is optional. */
export const RerunBody = z
  .strictObject({
    from: z.enum(['failed', 'start']).optional().openapi({
      description:
        '`failed` (default): tasks that completed are kept with their outputs, the rest runs; `start`: every task runs again, on the current version',
      example: 'failed',
    }),
  })
  .openapi('RerunRequest');

/** Body of cancel / pause / resume: an optional reason (pause records it). */
export const PauseBody = z
  .strictObject({ reason: z.string().max(1000).optional() })
  .openapi('ControlRequest');

export const ExecutionEventSchema = z
  .object({
    id: z.number().int(),
    executionId: z.string(),
    taskId: z.string().nullable(),
    type: z.string().openapi({ example: 'task_completed' }),
    data: jsonObject.nullable(),
    runnerId: z.string().nullable(),
    createdAt: isoTime,
  })
  .openapi('ExecutionEvent');

export const ExecutionTaskSchema = z
  .object({
    taskId: z.string(),
    dependencies: z.array(z.string()).openapi({ description: 'In declared order' }),
    status: TaskStatusSchema,
    attempt: z.number().int().openapi({ description: 'Running now or last run (1 before any)' }),
    errorMessage: z.string().nullable(),
    skipReason: z.string().nullable(),
    readyAt: nullableTime,
    startedAt: nullableTime,
    completedAt: nullableTime,
    claimedBy: z.string().nullable().openapi({ description: 'The runner holding it now' }),
  })
  .openapi('ExecutionTask');

export const ExecutionTasksSchema = z
  .object({ items: z.array(ExecutionTaskSchema) })
  .openapi('ExecutionTasks');

export const ExecutionTaskDetailSchema = ExecutionTaskSchema.extend({
  inputContext: jsonObject.nullable().openapi({
    description:
      'What the task started from: the merge of its Completed dependencies’ outputs, or the initial context; null until it starts',
  }),
  outputContext: jsonObject.nullable().openapi({ description: 'null unless Completed' }),
}).openapi('ExecutionTaskDetail');

export const TaskLogsSchema = z
  .object({
    executionId: z.string(),
    taskId: z.string(),
    attempt: z.number().int(),
    attempts: z.number().int(),
    truncated: z.boolean(),
    lines: z.array(
      z.object({
        seq: z.number().int(),
        at: isoTime,
        level: z.string(),
        message: z.string(),
        fields: jsonObject.optional(),
      }),
    ),
  })
  .openapi('TaskLogs');

// ---- Triggers ----

export const TriggerScheduleSchema = z
  .object({
    triggerName: z.string(),
    workflowName: z.string(),
    pollIntervalMs: z.number(),
    allowConcurrent: z.boolean(),
    enabled: z.boolean(),
    lastPollAt: nullableTime,
    skips: z.number().int(),
    lastSkipReason: z.string().nullable(),
    consecutiveErrors: z.number().int(),
    lastError: z.string().nullable(),
    lastErrorAt: nullableTime,
  })
  .passthrough()
  .openapi('TriggerSchedule');

export const TriggerExecutionSchema = z
  .object({
    id: z.string(),
    triggerName: z.string(),
    workflowName: z.string().nullable(),
    contextHash: z.string().nullable(),
    workflowExecutionId: z.string().nullable(),
    openExecutionId: z.string().nullable(),
    status: z.string(),
    count: z.number().int(),
    startedAt: isoTime,
    completedAt: nullableTime,
    errorMessage: z.string().nullable(),
  })
  .openapi('TriggerExecution');

export const FireBody = z.strictObject({ context: jsonObject.optional() });

export const FireResultSchema = z
  .object({
    status: z.enum(['fired', 'deduplicated']),
    executionId: z.string().optional(),
    fanOutExecutionIds: z.array(z.string()).optional(),
    openExecutionId: z.string().nullable().optional(),
    contextHash: z.string().optional(),
  })
  .passthrough()
  .openapi('FireResult');

// ---- Cron ----

const catchupPolicy = z.enum(['skip', 'run_all']);

export const CronScheduleSchema = z
  .object({
    id: z.string(),
    workflowName: z.string(),
    expression: z.string(),
    timezone: z.string(),
    catchupPolicy: z.string(),
    enabled: z.boolean(),
    context: jsonObject,
    startDate: nullableTime,
    endDate: nullableTime,
    nextRunAt: nullableTime,
    lastRunAt: nullableTime,
    createdAt: isoTime,
    updatedAt: isoTime,
  })
  .openapi('CronSchedule');

export const CronDetailSchema = CronScheduleSchema.extend({
  nextRuns: z.array(isoTime).openapi({ description: 'The next fire times (`?next=`, default 5)' }),
}).openapi('CronScheduleDetail');

export const CreateCronBody = z
  .strictObject({
    workflow: nameParam,
    expression: z.string().min(1).max(1000).openapi({ example: '0 3 * * *' }),
    timezone: z.string().min(1).max(100).default('UTC').openapi({ example: 'Europe/Paris' }),
    catchupPolicy: catchupPolicy.optional(),
    context: jsonObject.optional(),
    startDate: isoTime.optional(),
    endDate: isoTime.optional(),
  })
  .openapi('CreateCronSchedule');

export const UpdateCronBody = z
  .strictObject({
    expression: z.string().min(1).max(1000).optional(),
    timezone: z.string().min(1).max(100).optional(),
  })
  .openapi('UpdateCronSchedule');

export const CronExecutionSchema = z
  .object({
    id: z.string(),
    scheduleId: z.string(),
    workflowName: z.string().nullable(),
    workflowExecutionId: z.string().nullable(),
    scheduledTime: isoTime,
    status: z.string(),
    missedCount: z.number().int().nullable(),
    message: z.string().nullable(),
    startedAt: isoTime,
    completedAt: nullableTime,
  })
  .openapi('CronExecution');

// ---- Runners, keys ----

export const RunnerSchema = z
  .object({
    runnerId: z.string(),
    name: z.string().nullable(),
    hostname: z.string(),
    pid: z.number().int(),
    startedAt: isoTime,
    heartbeatAt: isoTime,
    live: z.boolean(),
    stoppedAt: nullableTime,
    workflows: z.array(z.string()),
    claims: z.number().int(),
  })
  .openapi('Runner');

export const ScopeSchema = z.enum(['read', 'operate', 'admin']).openapi('Scope');

export const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    scope: ScopeSchema,
    createdAt: isoTime,
    revokedAt: nullableTime,
    lastUsedAt: nullableTime,
  })
  .openapi('ApiKey');

export const WhoamiSchema = z
  .object({
    auth: z.enum(['keys', 'none']).openapi({ description: "The server's auth mode" }),
    keyId: z.string().nullable().openapi({ description: "The key's id; null without keys" }),
    name: z
      .string()
      .nullable()
      .openapi({ description: "The key's name ('' when it has none); null without keys" }),
    scope: ScopeSchema.openapi({ description: 'What the caller may do; admin without keys' }),
  })
  .openapi('Whoami');

export const CreateKeyBody = z
  .strictObject({ scope: ScopeSchema, name: z.string().max(MAX_NAME_LENGTH).optional() })
  .openapi('CreateApiKey');

export const CreatedKeySchema = z
  .object({
    key: z.string().openapi({ description: 'Shown once; only a hash is stored.' }),
    info: ApiKeySchema,
  })
  .openapi('CreatedApiKey');

// ---- Retention ----

export const PruneBody = z
  .strictObject({
    olderThan: z.union([z.string(), z.number()]).openapi({
      description:
        "Age past which rows are deleted: milliseconds, or a duration such as '30d' or '1d12h' (greater than 0)",
      example: '30d',
    }),
    status: z.enum(PRUNABLE_STATUSES).optional().openapi({
      description: 'Only executions of this terminal status; trigger and cron history is then kept',
    }),
    dryRun: z
      .boolean()
      .optional()
      .openapi({ description: 'Count what would be deleted, delete nothing' }),
  })
  .openapi('PruneRequest');

export const PruneResultSchema = z
  .object({
    dryRun: z.boolean(),
    executions: z.number().int(),
    tasks: z.number().int(),
    events: z.number().int(),
    triggerRuns: z.number().int(),
    cronRuns: z.number().int(),
  })
  .openapi('PruneResult');

// ---- Events ----

export const FeedEventSchema = z
  .object({
    cursor: z.string(),
    type: z.string().openapi({ example: 'workflow_completed' }),
    executionId: z.string().nullable(),
    workflow: z.string().nullable(),
    taskId: z.string().nullable(),
    runnerId: z.string().nullable(),
    at: isoTime,
    data: jsonObject.nullable(),
  })
  .openapi('FeedEvent');
