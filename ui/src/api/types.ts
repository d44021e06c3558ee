/**
 * The API's JSON shapes, read from the server's own schemas (type-only: nothing of the server is
 * bundled), so a change on one side that the other does not follow fails the type check.
 */
import type { z } from 'zod';
import type {
  ApiKeySchema,
  CronDetailSchema,
  CronExecutionSchema,
  CronScheduleSchema,
  ExecutionEventSchema,
  ExecutionSchema,
  ExecutionStatsSchema,
  ExecutionSummarySchema,
  ExecutionTaskDetailSchema,
  ExecutionTaskSchema,
  ExecutionTasksSchema,
  FeedEventSchema,
  FireResultSchema,
  ProblemSchema,
  RunnerSchema,
  StartedSchema,
  TaskLogsSchema,
  TriggerExecutionSchema,
  TriggerScheduleSchema,
  WorkflowSchema,
  WorkflowStatusSchema,
} from '../../../src/server/schemas.js';

/** A keyset page of a list route. */
export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

export type Workflow = z.infer<typeof WorkflowSchema>;
/** An execution's status as the server has it (`GET v1/executions?status=` accepts these). */
export type WorkflowStatus = z.infer<typeof WorkflowStatusSchema>;
export type ExecutionSummary = z.infer<typeof ExecutionSummarySchema>;
export type Execution = z.infer<typeof ExecutionSchema>;
export type ExecutionEvent = z.infer<typeof ExecutionEventSchema>;
export type Started = z.infer<typeof StartedSchema>;
export type TaskLogs = z.infer<typeof TaskLogsSchema>;
export type TriggerSchedule = z.infer<typeof TriggerScheduleSchema>;
export type TriggerExecution = z.infer<typeof TriggerExecutionSchema>;
export type FireResult = z.infer<typeof FireResultSchema>;
export type CronSchedule = z.infer<typeof CronScheduleSchema>;
export type CronDetail = z.infer<typeof CronDetailSchema>;
export type CronExecution = z.infer<typeof CronExecutionSchema>;
export type Runner = z.infer<typeof RunnerSchema>;
export type ApiKey = z.infer<typeof ApiKeySchema>;
export type FeedEvent = z.infer<typeof FeedEventSchema>;
export type Problem = z.infer<typeof ProblemSchema>;

/** A key's scope: read < operate < admin. */
export type Scope = 'read' | 'operate' | 'admin';

/** `GET /v1/whoami`. */
export interface WhoAmI {
  readonly auth: 'keys' | 'none';
  readonly keyId: string | null;
  readonly name: string | null;
  readonly scope: Scope;
}

// ---- Execution detail page ----

/** One task of `GET v1/executions/{id}/tasks` (topological order), with its dependencies. */
export type ExecutionTask = z.infer<typeof ExecutionTaskSchema>;
/** `GET v1/executions/{id}/tasks`. */
export type ExecutionTasks = z.infer<typeof ExecutionTasksSchema>;
/** `GET v1/executions/{id}/tasks/{taskId}`: the task with its input and output contexts. */
export type ExecutionTaskDetail = z.infer<typeof ExecutionTaskDetailSchema>;

/**
 * What the execution page may read beyond {@link Execution}: its creation time, which the
 * execution's summary has and its result does not; shown when present.
 */
export interface ExecutionExtras {
  readonly createdAt?: string;
}

/**
 * `GET /v1/stats?window=&bucket=`: executions active now by status, and what ended in the window,
 * in total and per bucket (oldest first).
 */
export type Stats = z.infer<typeof ExecutionStatsSchema>;
/** One bucket of {@link Stats}' throughput: executions that ended in `[at, at + bucket)`. */
export type ThroughputBucket = Stats['throughput'][number];
