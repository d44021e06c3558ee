/**
 * The event-trigger service of a runner: registration, management and history on
 * top of the store, and the polling loop ({@link TriggerLoop}) started with the runner when
 * `enableTriggerScheduling` is on. The management API works with the loop off, so an operator
 * process can list, disable or fire triggers polled elsewhere.
 */
import { parseDuration, durationProblem } from '../../core/duration.js';
import { describeValue } from '../../core/describe.js';
import {
  describeName,
  ID_RULE,
  isValidId,
  isValidTriggerName,
  TRIGGER_NAME_RULE,
} from '../../core/ids.js';
import type { Context } from '../../core/context.js';
import type { Json } from '../../core/json.js';
import { checkListOptions, checkPageOptions } from '../../core/list-options.js';
import {
  TriggerRegistry,
  TriggerResult,
  defaultTriggerRegistry,
  validateTrigger,
  type Trigger,
} from '../../core/trigger.js';
import { ConfigError, NotFoundError, WorkflowNotFoundError } from '../../errors.js';
import { readPage, type Page, type PageOptions } from '../pages.js';
import type { EngineService, ServiceContext } from '../service.js';
import type { TriggerScheduleRecord, TriggerScheduleUpsert } from '../../store/store.js';
import { Batcher } from '../batcher.js';
import { fireTarget } from './fire.js';
import { TriggerLoop } from './loop.js';
import {
  toTriggerExecution,
  toTriggerSchedule,
  type FireTriggerResult,
  type ListTriggerSchedulesOptions,
  type ListTriggerSchedulesPageOptions,
  type TriggerDal,
  type TriggerExecution,
  type TriggerHistoryOptions,
  type TriggerSchedule,
  type TriggerScheduleInput,
} from './types.js';

/** Runs the trigger loop and serves the trigger management API of one runner. */
export class TriggerService implements EngineService {
  /** Service name, shown in logs. */
  readonly name = 'triggers';
  readonly #ctx: ServiceContext;
  /** Objects registered through this runner; the default registry is consulted after them. */
  readonly #own = new TriggerRegistry();
  readonly #loop: TriggerLoop;
  /** Registrations of one turn: one transaction for all (10,000 triggers register in seconds). */
  readonly #upserts = new Batcher<
    TriggerScheduleUpsert,
    PromiseSettledResult<TriggerScheduleRecord>
  >((inputs) => this.#upsertBatch(inputs));

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx;
    this.#loop = new TriggerLoop(
      ctx,
      (name) => this.triggerObject(name),
      () => this.triggerNames(),
    );
  }

  /** The trigger object this process polls for `name`: its own registration first. */
  triggerObject(name: string): Trigger | undefined {
    return this.#own.get(name) ?? defaultTriggerRegistry.get(name);
  }

  /** Names of every trigger object this process can poll: its own and the default registry's. */
  *triggerNames(): Iterable<string> {
    for (const trigger of this.#own.list()) yield trigger.name;
    for (const trigger of defaultTriggerRegistry.list()) {
      if (!this.#own.has(trigger.name)) yield trigger.name;
    }
  }

  /** Starts the polling loop when `enableTriggerScheduling` is on. */
  start(): void {
    if (this.#ctx.config.enableTriggerScheduling) this.#loop.start();
  }

  /** Stops the loop, aborting polls in flight. Idempotent. */
  stop(): Promise<void> {
    return this.#loop.stop();
  }

  /**
   * Registers `trigger` for `workflowName` (or the trigger's own `workflow`): keeps the object
   * for polling and upserts its schedule row, keeping an operator's `enabled = false`.
   *
   * @throws {ConfigError} when the trigger is invalid or names no workflow.
   * @throws {WorkflowNotFoundError} when the workflow is not registered in this runner.
   */
  async register(trigger: Trigger, workflowName?: string): Promise<TriggerSchedule> {
    const spec = validateTrigger(trigger);
    if (workflowName !== undefined && (typeof workflowName !== 'string' || workflowName === '')) {
      throw new ConfigError(
        `registerTrigger('${spec.name}', workflowName): workflowName must be a non-empty string; ` +
          `received ${describeValue(workflowName)}.`,
      );
    }
    const workflow = workflowName ?? spec.workflow;
    if (workflow === undefined) {
      throw new ConfigError(
        `Trigger '${spec.name}' names no workflow: pass one, as in ` +
          `runner.registerTrigger(trigger, 'my_workflow'), or set the trigger's \`workflow\`.`,
      );
    }
    if (this.#ctx.registry.latest(workflow) === undefined) {
      throw new WorkflowNotFoundError(workflow, this.#ctx.registry.names());
    }
    // The object first: a loop pass between the upsert and this line would otherwise find a
    // schedule row without an object and warn about it.
    this.#own.register(trigger);
    const record = await this.#loop.writingSchedule(spec.name, () =>
      this.#upsert({
        triggerName: spec.name,
        workflowName: workflow,
        pollIntervalMs: spec.pollIntervalMs,
        allowConcurrent: spec.allowConcurrent,
        nowMs: this.#ctx.clock.now(),
      }),
    );
    this.#loop.scheduled(record);
    return toTriggerSchedule(record);
  }

  /** Writes a schedule row; upserts requested in one turn share one transaction. */
  async #upsert(input: TriggerScheduleUpsert): Promise<TriggerScheduleRecord> {
    const written = await this.#upserts.add(input);
    if (written.status === 'rejected') throw written.reason;
    return written.value;
  }

  /**
   * Writes a batch of upserts in one transaction. When it fails, each is written alone, so a row
   * the database refuses fails only its own registration, with its own error.
   */
  async #upsertBatch(
    inputs: readonly TriggerScheduleUpsert[],
  ): Promise<PromiseSettledResult<TriggerScheduleRecord>[]> {
    if (inputs.length > 1) {
      try {
        const records = await this.#ctx.store.upsertTriggerSchedules(inputs);
        return records.map((value) => ({ status: 'fulfilled', value }));
      } catch {
        // Written one by one below.
      }
    }
    return Promise.allSettled(inputs.map((input) => this.#ctx.store.upsertTriggerSchedule(input)));
  }

  /** The seed's lower-level path: schedule rows written directly. */
  dal(): TriggerDal {
    return {
      triggerSchedules: {
        upsert: (input: TriggerScheduleInput) => this.#upsertRow(input),
      },
    };
  }

  async #upsertRow(input: TriggerScheduleInput): Promise<TriggerSchedule> {
    const problems: string[] = [];
    const raw: unknown = input;
    if (typeof raw !== 'object' || raw === null) {
      throw new ConfigError(
        `triggerSchedules.upsert() expects { triggerName, workflowName, pollInterval }; received ${describeValue(raw)}.`,
      );
    }
    const { triggerName, workflowName, pollInterval, allowConcurrent } = input;
    if (!isValidTriggerName(triggerName)) {
      problems.push(
        `triggerName must be ${TRIGGER_NAME_RULE}; received ${describeName(triggerName)}.`,
      );
    }
    if (!isValidId(workflowName)) {
      problems.push(`workflowName must be ${ID_RULE}; received ${describeName(workflowName)}.`);
    }
    const intervalProblem = durationProblem(pollInterval, 'pollInterval');
    if (intervalProblem !== null) problems.push(intervalProblem);
    else if (parseDuration(pollInterval, 'pollInterval') <= 0) {
      problems.push(
        `pollInterval must be greater than zero; received ${describeValue(pollInterval)}.`,
      );
    }
    if (allowConcurrent !== undefined && typeof allowConcurrent !== 'boolean') {
      problems.push(
        `allowConcurrent must be a boolean; received ${describeValue(allowConcurrent)}.`,
      );
    }
    if (problems.length > 0) throw new ConfigError(problems);
    const record = await this.#loop.writingSchedule(triggerName, () =>
      this.#ctx.store.upsertTriggerSchedule({
        triggerName,
        workflowName,
        pollIntervalMs: parseDuration(pollInterval, 'pollInterval'),
        // Default to what the registered object says, so both paths agree on de-duplication.
        allowConcurrent:
          allowConcurrent ?? this.triggerObject(triggerName)?.allowConcurrent ?? false,
        nowMs: this.#ctx.clock.now(),
      }),
    );
    this.#loop.wake();
    return toTriggerSchedule(record);
  }

  /** Schedules ordered by trigger name. */
  async list(options: ListTriggerSchedulesOptions = {}): Promise<TriggerSchedule[]> {
    const { enabledOnly, limit, offset } = checkListOptions('listTriggerSchedules', options, {
      enabledOnly: 'boolean',
    });
    const records = await this.#ctx.store.listTriggerSchedules({
      enabledOnly: enabledOnly === true,
      limit,
      offset,
    });
    return records.map(toTriggerSchedule);
  }

  /** Schedules by trigger name, one keyset page at a time. */
  async listPage(options: ListTriggerSchedulesPageOptions = {}): Promise<Page<TriggerSchedule>> {
    const { enabledOnly, limit, cursor } = checkPageOptions('listTriggerSchedulesPage', options, {
      enabledOnly: 'boolean',
    });
    return readPage(
      {
        cursor: {
          scope: JSON.stringify(['trigger schedules', enabledOnly === true]),
          what: 'trigger schedule list',
          parts: ['string'],
        },
        fetch: (after, take) =>
          this.#ctx.store.listTriggerSchedules({
            enabledOnly: enabledOnly === true,
            limit: take,
            offset: 0,
            ...(after === null ? {} : { afterName: after[0] as string }),
          }),
        keyOf: (record) => [record.triggerName],
        toItem: toTriggerSchedule,
      },
      cursor,
      limit,
    );
  }

  /** The schedule of `name`, or null. */
  async get(name: string): Promise<TriggerSchedule | null> {
    const record = await this.#ctx.store.getTriggerSchedule(name);
    return record === null ? null : toTriggerSchedule(record);
  }

  /**
   * Enables or disables polling of `name`; the loop wakes at once.
   * @throws {NotFoundError} when no schedule has that name.
   */
  async setEnabled(name: string, enabled: boolean): Promise<TriggerSchedule> {
    if (typeof enabled !== 'boolean') {
      throw new ConfigError(
        `setTriggerEnabled(name, enabled): enabled must be a boolean; received ${describeValue(enabled)}.`,
      );
    }
    const record = await this.#ctx.store.setTriggerEnabled({
      triggerName: name,
      enabled,
      nowMs: this.#ctx.clock.now(),
    });
    if (record === null) throw this.#notFound(name);
    this.#loop.wake();
    return toTriggerSchedule(record);
  }

  /** History of `name`, newest first; an unknown name has an empty history. */
  async history(name: string, options: TriggerHistoryOptions = {}): Promise<TriggerExecution[]> {
    const { limit, offset } = checkListOptions('getTriggerExecutionHistory', options, {});
    const records = await this.#ctx.store.getTriggerHistory({ triggerName: name, limit, offset });
    return records.map(toTriggerExecution);
  }

  /** History of `name`, newest first, one keyset page at a time; unknown name: empty. */
  async historyPage(name: string, options: PageOptions = {}): Promise<Page<TriggerExecution>> {
    const { limit, cursor } = checkPageOptions('getTriggerExecutionHistoryPage', options, {});
    return readPage(
      {
        cursor: {
          scope: JSON.stringify(['trigger history', name]),
          what: 'trigger history',
          parts: ['integer', 'string'],
        },
        fetch: (after, take) =>
          this.#ctx.store.getTriggerHistory({
            triggerName: name,
            limit: take,
            offset: 0,
            ...(after === null
              ? {}
              : { after: { startedAtMs: after[0] as number, id: after[1] as string } }),
          }),
        keyOf: (record) => [record.startedAtMs, record.id],
        toItem: toTriggerExecution,
      },
      cursor,
      limit,
    );
  }

  /**
   * Fires `name` now with `context`, under the same de-duplication rules as a poll (the
   * schedule's `allowConcurrent`); works while the schedule is disabled, as an operator action.
   *
   * @throws {NotFoundError} when no schedule has that name.
   * @throws {TriggerError} `RESERVED_KEY` when `context` holds `trigger_name` or `triggered_at`.
   */
  async fire(name: string, context?: Context | Record<string, Json>): Promise<FireTriggerResult> {
    const record = await this.#ctx.store.getTriggerSchedule(name);
    if (record === null) throw this.#notFound(name);
    const outcome = await fireTarget(this.#ctx, record, TriggerResult.fire(context));
    this.#ctx.logger.info({ trigger: name, ...outcome }, 'trigger fired manually');
    return outcome;
  }

  /**
   * Deletes the schedule of `name` and forgets this runner's object; the history is kept as an
   * audit trail. Returns whether a schedule existed.
   */
  async delete(name: string): Promise<boolean> {
    this.#own.delete(name);
    return this.#ctx.store.deleteTriggerSchedule(name);
  }

  #notFound(name: string): NotFoundError {
    return new NotFoundError(
      `No trigger schedule named '${name}'. Register it with runner.registerTrigger(trigger, workflow); ` +
        'listTriggerSchedules() shows the existing ones.',
    );
  }
}
