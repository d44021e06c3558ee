/**
 * Cloacina for TypeScript: an embedded, durable workflow engine for Node.js on SQLite or
 * PostgreSQL. This file is the whole public surface.
 */

// Authoring
export { Context } from './core/context.js';
export type { ContextKey, ContextValue, UntypedContext } from './core/context.js';
export type { Json, JsonObject } from './core/json.js';
export {
  MAX_CONTEXT_DEPTH,
  MAX_DURATION_MS,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  MAX_NAME_LENGTH,
  MAX_PAGE_SIZE,
  DEFAULT_PAGE_SIZE,
  TASK_LOG_MAX_BYTES,
  TASK_LOG_MAX_LINE_BYTES,
  TASK_LOG_MAX_LINES,
} from './core/limits.js';
export type { Duration } from './core/duration.js';
export { parseDuration, formatDuration } from './core/duration.js';
export { task } from './core/task.js';
export type {
  TaskDefinition,
  TaskFunction,
  TaskHandle,
  TaskLogger,
  TaskOptions,
} from './core/task.js';
export type { TaskIsolation, TaskModule } from './core/task-module.js';
export type { TaskConcurrencyOptions } from './core/task-concurrency.js';
export { workflow, Workflow, WorkflowBuilder } from './core/workflow.js';
export type {
  ExecuteArgs,
  InputArgs,
  InputSchema,
  StartContext,
  WorkflowOptions,
} from './core/workflow.js';
export type { StandardSchemaV1 } from './core/standard-schema.js';
export type { ConcurrencyOptions, ConcurrencySlot } from './core/concurrency.js';
export type { RateLimitOptions, RateLimitSlot } from './core/rate-limit.js';
export { rules, evaluateRule, describeRule } from './core/rules.js';
export type { ContextOperator, TriggerRule } from './core/rules.js';
export { RetryPolicy, isTransientError } from './core/retry.js';
export type { Backoff, RetryOn, RetryOptions } from './core/retry.js';

// Event triggers
export {
  TriggerResult,
  defineTrigger,
  registerTrigger,
  TriggerRegistry,
  defaultTriggerRegistry,
  RESERVED_TRIGGER_KEYS,
} from './core/trigger.js';
export type {
  Trigger,
  DefineTriggerOptions,
  PollFunction,
  TriggerRunContext,
} from './core/trigger.js';
export type {
  FireTriggerResult,
  ListTriggerSchedulesOptions,
  ListTriggerSchedulesPageOptions,
  TriggerDal,
  TriggerExecution,
  TriggerHistoryOptions,
  TriggerRunStatus,
  TriggerSchedule,
  TriggerScheduleInput,
} from './engine/triggers/types.js';

// Cron
export { validateCron, nextCronTime, cronTimesBetween } from './core/cron.js';
export type {
  CatchupPolicy,
  CronExecution,
  CronExecutionStats,
  CronHistoryOptions,
  CronInstant,
  CronRunContext,
  CronRunStatus,
  CronSchedule,
  CronScheduleOptions,
  CronStatsOptions,
  ListCronSchedulesOptions,
  ListCronSchedulesPageOptions,
  UpdateCronScheduleOptions,
} from './engine/cron/types.js';

// Runner
export { DefaultRunner } from './runner.js';
export type { RunnerConfig, MetricsOptions, Logger, Clock, TimerOptions } from './core/options.js';
export { PRUNABLE_STATUSES } from './core/retention.js';
export type {
  PrunableStatus,
  PruneCounts,
  PruneOptions,
  PruneResult,
  RetentionOptions,
} from './core/retention.js';
export { ManualClock, systemClock } from './engine/clock.js';
export { WorkflowExecutionHandle } from './engine/handle.js';
export type {
  ExecuteAsyncOptions,
  ExecuteOptions,
  ListExecutionsOptions,
  RunnerEvent,
  ShutdownOptions,
} from './engine/engine.js';
export type { ExecutionSummary, TaskResult, WorkflowExecutionResult } from './engine/results.js';
export type { StartTimeOptions } from './core/start-time.js';
export { DEFAULT_PRIORITY, MAX_PRIORITY, MIN_PRIORITY } from './core/priority.js';
export type { PriorityOptions } from './core/priority.js';
export type { Page, PageOptions } from './engine/pages.js';
export type { ListExecutionsPageOptions } from './engine/execution-pages.js';
export type { ExecutionTask, ExecutionTaskDetail } from './engine/execution-tasks.js';
export type { RerunFrom, RerunOptions } from './engine/rerun.js';
export type {
  ActiveWorkflowStatus,
  ExecutionStats,
  ExecutionStatsOptions,
  ExecutionThroughput,
} from './engine/execution-stats.js';
export type { TaskLogLine, TaskLogs, TaskLogsOptions } from './engine/task-logs-read.js';
export { WorkflowStatus, TaskStatus, EventType } from './store/rows.js';
export type { ExecutionEvent } from './store/rows.js';

// Client without task code, used by cloacinactl (issue 8)
export { Client } from './client.js';
export type { ClientOptions, StoredWorkflow } from './client.js';
export { API_KEY_SCOPES, scopeAllows } from './core/api-keys.js';
export type { ApiKeyInfo, ApiKeyScope } from './core/api-keys.js';
export type { CreateApiKeyOptions, CreatedApiKey, ListApiKeysOptions } from './engine/api-keys.js';
export type { ListRunnersOptions, RunnerInfo } from './engine/runners-api.js';
export type { ReadEventsOptions } from './core/feed-options.js';
export type { EventPage, FeedEvent } from './store/feed.js';
export { createDefaultLogger } from './observability/logger.js';

// Errors
export {
  CloacinaError,
  isCloacinaError,
  ErrorCode,
  ConfigError,
  ContextError,
  WorkflowValidationError,
  WorkflowNotFoundError,
  InputValidationError,
  TaskError,
  TimeoutError,
  InvalidStateError,
  NotFoundError,
  CronError,
  TriggerError,
  DatabaseError,
  SchemaError,
  SqlParameterError,
  InvalidCursorError,
} from './errors.js';
export type { InputIssue } from './errors.js';
