/**
 * Forward-only migrations: one ordered list, each entry carrying the SQL of both dialects, so a
 * schema change is made in one place and both backends end with the same tables and columns.
 * Conventions: TEXT ids, epoch-ms integer times named `*_at_ms`, JSON as TEXT, states as TEXT
 * with a CHECK, booleans as 0/1 integers.
 */

import { apiKeysMigration } from './migrations/api-keys.js';
import { completedIndexMigration } from './migrations/completed-index.js';
import { concurrencyStripesMigration } from './migrations/concurrency-stripes.js';
import { placeCountsMigration } from './migrations/place-counts.js';
import { placeGuardMigration } from './migrations/place-guard.js';
import { concurrencyMigration } from './migrations/concurrency.js';
import { rateLimitsMigration } from './migrations/rate-limits.js';
import { cronSchedulesMigration } from './migrations/cron.js';
import { workflowDefinitionsMigration } from './migrations/definitions.js';
import { eventFeedMigration } from './migrations/event-feed.js';
import { eventsByCreatedBrinMigration } from './migrations/events-by-created-brin.js';
import { eventRunnersMigration } from './migrations/event-runners.js';
import { dropGroupIndexMigration } from './migrations/drop-group-index.js';
import type { Migration } from './migrations/migration.js';
import { delayedStartsMigration } from './migrations/delayed-starts.js';
import { idempotencyKeysMigration } from './migrations/idempotency-keys.js';
import { hotStateIndexesMigration } from './migrations/hot-state-indexes.js';
import { leasesMigration } from './migrations/leases.js';
import { prioritiesMigration } from './migrations/priorities.js';
import { listIndexesMigration } from './migrations/list-indexes.js';
import { rerunsMigration } from './migrations/reruns.js';
import { scheduleLinkedMigration } from './migrations/schedule-linked.js';
import { statsRollupsMigration } from './migrations/stats-rollups.js';
import { suppressedFiresMigration } from './migrations/suppressed-fires.js';
import { taskLimitsMigration } from './migrations/task-limits.js';
import { taskLogsMigration } from './migrations/task-logs.js';
import { triggerSchedulesMigration } from './migrations/triggers.js';

export type { Migration };

const WORKFLOW_STATUSES = `'Pending','Running','Paused','Completed','Failed','Cancelled'`;
const TASK_STATUSES = `'NotStarted','Ready','Running','Deferred','Completed','Failed','Skipped','Cancelled'`;

/** Tables shared by both dialects, with `BIGINT` spelled per dialect. */
function coreTables(big: string): string[] {
  return [
    `CREATE TABLE workflow_executions (
      id TEXT PRIMARY KEY,
      workflow_name TEXT NOT NULL,
      workflow_version TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN (${WORKFLOW_STATUSES})),
      initial_context TEXT NOT NULL,
      final_context TEXT,
      error_message TEXT,
      pause_reason TEXT,
      open_tasks INTEGER NOT NULL,
      failed_tasks INTEGER NOT NULL DEFAULT 0,
      created_at_ms ${big} NOT NULL,
      started_at_ms ${big},
      completed_at_ms ${big},
      updated_at_ms ${big} NOT NULL
    )`,
    `CREATE INDEX workflow_executions_by_name ON workflow_executions (workflow_name, created_at_ms)`,
    `CREATE INDEX workflow_executions_by_created ON workflow_executions (created_at_ms)`,
    `CREATE INDEX workflow_executions_by_status ON workflow_executions (status)`,
    `CREATE TABLE task_executions (
      id TEXT PRIMARY KEY,
      execution_id TEXT NOT NULL REFERENCES workflow_executions (id) ON DELETE CASCADE,
      workflow_name TEXT NOT NULL,
      task_id TEXT NOT NULL,
      position INTEGER NOT NULL,
      dependencies TEXT NOT NULL,
      dependents TEXT NOT NULL,
      trigger_rule TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN (${TASK_STATUSES})),
      attempt INTEGER NOT NULL DEFAULT 1,
      pending_deps INTEGER NOT NULL,
      recovery_attempts INTEGER NOT NULL DEFAULT 0,
      input_context TEXT,
      output_context TEXT,
      error_message TEXT,
      skip_reason TEXT,
      ready_at_ms ${big},
      claimed_by TEXT,
      claim_id TEXT,
      heartbeat_at_ms ${big},
      started_at_ms ${big},
      attempt_started_at_ms ${big},
      completed_at_ms ${big},
      UNIQUE (execution_id, task_id)
    )`,
    `CREATE INDEX task_executions_ready ON task_executions (status, ready_at_ms)`,
    `CREATE INDEX task_executions_claimed ON task_executions (status, heartbeat_at_ms)`,
    // One audit row per fire of an event trigger or a cron schedule. `dedup_key` is the context
    // hash when the trigger de-duplicates (NULL otherwise); the partial unique index makes a second
    // open run with the same hash impossible, whatever number of runners race.
    `CREATE TABLE schedule_runs (
      id TEXT PRIMARY KEY,
      schedule_kind TEXT NOT NULL CHECK (schedule_kind IN ('trigger', 'cron')),
      schedule_key TEXT NOT NULL,
      workflow_name TEXT,
      workflow_execution_id TEXT,
      context_hash TEXT,
      dedup_key TEXT,
      scheduled_time_ms ${big},
      status TEXT NOT NULL CHECK (status IN ('open', 'completed', 'failed', 'cancelled', 'deduplicated', 'error', 'missed', 'lost')),
      error_message TEXT,
      started_at_ms ${big} NOT NULL,
      completed_at_ms ${big}
    )`,
    `CREATE INDEX schedule_runs_history ON schedule_runs (schedule_kind, schedule_key, started_at_ms)`,
    `CREATE INDEX schedule_runs_by_execution ON schedule_runs (workflow_execution_id)`,
    `CREATE UNIQUE INDEX schedule_runs_open_dedup ON schedule_runs (schedule_kind, schedule_key, dedup_key) WHERE status = 'open'`,
    `CREATE UNIQUE INDEX schedule_runs_cron_time ON schedule_runs (schedule_kind, schedule_key, scheduled_time_ms)`,
  ];
}

/** Every migration, in order. Never edit an applied entry; append a new one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'executions, tasks, events and schedule runs',
    sqlite: [
      ...coreTables('INTEGER'),
      `CREATE TABLE execution_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        execution_id TEXT NOT NULL,
        task_id TEXT,
        event_type TEXT NOT NULL,
        data TEXT,
        runner_id TEXT,
        created_at_ms INTEGER NOT NULL
      )`,
      `CREATE INDEX execution_events_by_execution ON execution_events (execution_id, id)`,
      `CREATE INDEX execution_events_by_created ON execution_events (created_at_ms)`,
    ],
    postgres: [
      ...coreTables('BIGINT'),
      `CREATE TABLE execution_events (
        id BIGSERIAL PRIMARY KEY,
        execution_id TEXT NOT NULL,
        task_id TEXT,
        event_type TEXT NOT NULL,
        data TEXT,
        runner_id TEXT,
        created_at_ms BIGINT NOT NULL
      )`,
      `CREATE INDEX execution_events_by_execution ON execution_events (execution_id, id)`,
      `CREATE INDEX execution_events_by_created ON execution_events (created_at_ms)`,
    ],
  },
  triggerSchedulesMigration,
  cronSchedulesMigration,
  workflowDefinitionsMigration,
  scheduleLinkedMigration,
  hotStateIndexesMigration,
  suppressedFiresMigration,
  eventFeedMigration,
  apiKeysMigration,
  listIndexesMigration,
  taskLogsMigration,
  rerunsMigration,
  completedIndexMigration,
  idempotencyKeysMigration,
  delayedStartsMigration,
  leasesMigration,
  concurrencyMigration,
  rateLimitsMigration,
  prioritiesMigration,
  taskLimitsMigration,
  concurrencyStripesMigration,
  placeGuardMigration,
  statsRollupsMigration,
  placeCountsMigration,
  eventsByCreatedBrinMigration,
  dropGroupIndexMigration,
  eventRunnersMigration,
];
