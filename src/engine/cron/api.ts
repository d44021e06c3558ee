/**
 * The cron management API behind `DefaultRunner`: validation, next-run computation
 * and mapping to the public shapes. Schedule writes commit a `cron` wake-up, which the loop of
 * every runner (this process, and others where the backend notifies) acts on at once.
 */
import { randomUUID } from 'node:crypto';
import { validateCron } from '../../core/cron.js';
import { checkInput, toContextObject } from '../../core/input.js';
import type { JsonObject } from '../../core/json.js';
import { checkListOptions, checkPageOptions } from '../../core/list-options.js';
import { CronError, NotFoundError, WorkflowNotFoundError } from '../../errors.js';
import type { CronRunRecord, CronScheduleRecord } from '../../store/store.js';
import { nextRunAfter, RESERVED_CRON_KEYS, runContext } from './plan.js';
import { CronService } from './loop.js';
import type {
  CronExecution,
  CronExecutionStats,
  CronHistoryOptions,
  CronInstant,
  CronSchedule,
  CronScheduleOptions,
  CronStatsOptions,
  ListCronSchedulesOptions,
  ListCronSchedulesPageOptions,
  UpdateCronScheduleOptions,
} from './types.js';
import { readPage, type Page, type PageOptions } from '../pages.js';
import type { EngineService, ServiceContext } from '../service.js';

/**
 * Builds the cron API of a runner and, when `enableCronScheduling` is on, its firing loop
 * (handed to `addService`). With scheduling off, schedules can still be managed here and are
 * fired by other runners.
 */
export function createCron(
  ctx: ServiceContext,
  addService: (service: EngineService) => void,
): CronApi {
  const service = ctx.config.enableCronScheduling ? new CronService(ctx) : undefined;
  if (service !== undefined) addService(service);
  return new CronApi(ctx, service);
}

/** Cron schedule management of one runner. */
export class CronApi {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly service: CronService | undefined,
  ) {}

  /** Workflows were registered: schedules of theirs may now be due here. */
  workflowsChanged(): void {
    this.service?.wake();
  }

  /** See `DefaultRunner.registerCronWorkflow`. */
  async register(
    workflowName: string,
    expression: string,
    timezone = 'UTC',
    options: CronScheduleOptions = {},
  ): Promise<string> {
    const { registry, clock, store } = this.ctx;
    const workflow = registry.latest(workflowName);
    if (workflow === undefined) throw new WorkflowNotFoundError(workflowName, registry.names());
    validateCron(expression, timezone);
    const catchupPolicy = options.catchupPolicy ?? 'skip';
    if (catchupPolicy !== 'skip' && catchupPolicy !== 'run_all') {
      throw new CronError(
        `catchupPolicy must be 'skip' or 'run_all'; received ${JSON.stringify(catchupPolicy)}.`,
      );
    }
    const startAtMs = instant(options.startDate, 'startDate');
    const endAtMs = instant(options.endDate, 'endDate');
    if (startAtMs !== null && endAtMs !== null && endAtMs < startAtMs) {
      throw new CronError(
        `endDate (${iso(endAtMs)}) is before startDate (${iso(startAtMs)}); the schedule would never run.`,
      );
    }
    const context = scheduleContext(options.context);
    const nowMs = clock.now();
    const id = randomUUID();
    const draft = { expression, timezone, startAtMs, endAtMs };
    if (workflow.input !== undefined) {
      // Checked once here with a sample run context, so a bad context fails the call, not every fire.
      const sample = runContext({ ...draft, id, context } as CronScheduleRecord, nowMs);
      checkInput(workflowName, workflow.input, sample);
    }
    await store.insertCronSchedule({
      id,
      workflowName,
      expression,
      timezone,
      catchupPolicy,
      context,
      startAtMs,
      endAtMs,
      nextRunAtMs: nextRunAfter(draft, nowMs),
      nowMs,
    });
    this.ctx.logger.info(
      { schedule: id, workflow: workflowName, expression, timezone },
      'cron schedule registered',
    );
    return id;
  }

  /** See `DefaultRunner.listCronSchedules`. */
  async list(options: ListCronSchedulesOptions = {}): Promise<CronSchedule[]> {
    const { enabledOnly, limit, offset } = checkListOptions('listCronSchedules', options, {
      enabledOnly: 'boolean',
    });
    const rows = await this.ctx.store.listCronSchedules({
      enabledOnly: enabledOnly ?? false,
      limit,
      offset,
    });
    return rows.map(toSchedule);
  }

  /** See `DefaultRunner.listCronSchedulesPage`. */
  async listPage(options: ListCronSchedulesPageOptions = {}): Promise<Page<CronSchedule>> {
    const { enabledOnly, limit, cursor } = checkPageOptions('listCronSchedulesPage', options, {
      enabledOnly: 'boolean',
    });
    return readPage(
      {
        cursor: {
          scope: JSON.stringify(['cron schedules', enabledOnly === true]),
          what: 'cron schedule list',
          parts: ['integer', 'string'],
        },
        fetch: (after, take) =>
          this.ctx.store.listCronSchedules({
            enabledOnly: enabledOnly === true,
            limit: take,
            offset: 0,
            ...(after === null
              ? {}
              : { after: { createdAtMs: after[0] as number, id: after[1] as string } }),
          }),
        keyOf: (row) => [row.createdAtMs, row.id],
        toItem: toSchedule,
      },
      cursor,
      limit,
    );
  }

  /** See `DefaultRunner.getCronSchedule`. */
  async get(id: string): Promise<CronSchedule | null> {
    const row = await this.ctx.store.getCronSchedule(id);
    return row === null ? null : toSchedule(row);
  }

  /** See `DefaultRunner.updateCronSchedule`. */
  async update(id: string, changes: UpdateCronScheduleOptions): Promise<CronSchedule> {
    // Fails fast, before any transaction, when both are given; else checked against the row.
    if (changes.expression !== undefined && changes.timezone !== undefined) {
      validateCron(changes.expression, changes.timezone);
    }
    const nowMs = this.ctx.clock.now();
    const row = await this.ctx.store.updateCronSchedule(id, nowMs, (current) => {
      const expression = changes.expression ?? current.expression;
      const timezone = changes.timezone ?? current.timezone;
      validateCron(expression, timezone);
      const next = current.enabled
        ? nextRunAfter({ ...current, expression, timezone }, nowMs)
        : null;
      return { expression, timezone, nextRunAtMs: next };
    });
    return toSchedule(row ?? notFound(id));
  }

  /** See `DefaultRunner.setCronScheduleEnabled`. */
  async setEnabled(id: string, enabled: boolean): Promise<CronSchedule> {
    if (typeof enabled !== 'boolean') {
      throw new CronError(`enabled must be true or false; received ${JSON.stringify(enabled)}.`);
    }
    const nowMs = this.ctx.clock.now();
    const row = await this.ctx.store.updateCronSchedule(id, nowMs, (current) => ({
      enabled,
      // Re-enabling starts from now: times passed while disabled are not caught up.
      nextRunAtMs: enabled ? nextRunAfter(current, nowMs) : null,
    }));
    return toSchedule(row ?? notFound(id));
  }

  /** See `DefaultRunner.deleteCronSchedule`. */
  delete(id: string): Promise<boolean> {
    return this.ctx.store.deleteCronSchedule(id);
  }

  /** See `DefaultRunner.getCronExecutionHistory`. */
  async history(id: string, options: CronHistoryOptions = {}): Promise<CronExecution[]> {
    const { limit, offset } = checkListOptions('getCronExecutionHistory', options, {});
    const rows = await this.ctx.store.cronHistory({ scheduleId: id, limit, offset });
    return rows.map(toExecution);
  }

  /** See `DefaultRunner.getCronExecutionHistoryPage`. */
  async historyPage(id: string, options: PageOptions = {}): Promise<Page<CronExecution>> {
    const { limit, cursor } = checkPageOptions('getCronExecutionHistoryPage', options, {});
    return readPage(
      {
        cursor: {
          scope: JSON.stringify(['cron history', id]),
          what: 'cron history',
          parts: ['integer'],
        },
        fetch: (after, take) =>
          this.ctx.store.cronHistory({
            scheduleId: id,
            limit: take,
            offset: 0,
            ...(after === null ? {} : { beforeTimeMs: after[0] as number }),
          }),
        keyOf: (row) => [row.scheduledTimeMs],
        toItem: toExecution,
      },
      cursor,
      limit,
    );
  }

  /** See `DefaultRunner.getCronExecutionStats`. */
  async stats(options: CronStatsOptions = {}): Promise<CronExecutionStats> {
    const counts = await this.ctx.store.cronStats({
      sinceMs: instant(options.since, 'since') ?? 0,
    });
    const finished = counts.successful + counts.failed + counts.lost;
    return { ...counts, successRate: finished === 0 ? 0 : counts.successful / finished };
  }
}

function notFound(id: string): never {
  throw new NotFoundError(
    `No cron schedule with id '${id}'. listCronSchedules() shows the existing schedules.`,
  );
}

function instant(value: CronInstant | undefined | null, name: string): number | null {
  if (value === undefined || value === null) return null;
  const ms =
    value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new CronError(
      `${name} must be a valid Date, epoch milliseconds or an ISO 8601 string; received ${JSON.stringify(value)}.`,
    );
  }
  return ms;
}

function scheduleContext(value: CronScheduleOptions['context']): JsonObject {
  const context = toContextObject("A cron schedule's context", value);
  const reserved = RESERVED_CRON_KEYS.filter((key) => key in context);
  if (reserved.length > 0) {
    throw new CronError(
      `A cron schedule's context may not hold ${reserved.map((k) => `'${k}'`).join(', ')}: ` +
        'the cron loop sets these keys on every run.',
    );
  }
  return context;
}

const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));
const iso = (ms: number): string => new Date(ms).toISOString();

function toSchedule(row: CronScheduleRecord): CronSchedule {
  return {
    id: row.id,
    workflowName: row.workflowName,
    expression: row.expression,
    timezone: row.timezone,
    catchupPolicy: row.catchupPolicy,
    enabled: row.enabled,
    context: row.context,
    startDate: date(row.startAtMs),
    endDate: date(row.endAtMs),
    nextRunAt: date(row.nextRunAtMs),
    lastRunAt: date(row.lastRunAtMs),
    createdAt: new Date(row.createdAtMs),
    updatedAt: new Date(row.updatedAtMs),
  };
}

function toExecution(row: CronRunRecord): CronExecution {
  return {
    id: row.id,
    scheduleId: row.scheduleId,
    workflowName: row.workflowName,
    workflowExecutionId: row.workflowExecutionId,
    scheduledTime: new Date(row.scheduledTimeMs),
    status: row.status,
    missedCount: row.missedCount,
    message: row.message,
    startedAt: new Date(row.startedAtMs),
    completedAt: date(row.completedAtMs),
  };
}
