/**
 * Warnings about triggers that are set up so that this runner never polls them, each logged once
 * at `warn`. Defining a trigger does not schedule it, and a schedule is polled only where both
 * its trigger object and its workflow are registered; without these lines such a trigger stays
 * silent for ever, and nothing says why:
 *
 * - a schedule row whose trigger object is not registered in this process (another process may
 *   own it);
 * - a schedule row whose workflow this runner has not registered: it is left to runners that
 *   have (on PostgreSQL, runners serving different workflows share one database);
 * - a trigger object known here (module-level `registerTrigger`, or a registration whose row
 *   was deleted elsewhere) with no schedule row at all: no runner polls it.
 */
import type { TriggerScheduleRecord } from '../../store/store.js';
import type { ServiceContext } from '../service.js';

/**
 * How long a trigger object may be seen without a schedule row before it is warned about, at
 * least: the two steps of a registration (`registerTrigger(trigger)`, then the row's upsert,
 * perhaps by another runner of the process) may be seconds apart while runners start.
 */
export const UNSCHEDULED_GRACE_MS = 5_000;

/** The once-only warnings of one runner's trigger loop. */
export class TriggerSetupWarnings {
  readonly #ctx: ServiceContext;
  /** Names of the trigger objects this process can poll. */
  readonly #objectNames: () => Iterable<string>;
  /** Schedule rows without a trigger object here, warned about. */
  readonly #withoutObject = new Set<string>();
  /** Schedule rows whose workflow this runner lacks, warned about. */
  readonly #withoutWorkflow = new Set<string>();
  /** Trigger objects known to have a schedule row. */
  readonly #scheduled = new Set<string>();
  /** Schedule rows this runner is writing now, by trigger name (a count: writes may overlap). */
  readonly #writing = new Map<string, number>();
  /** Trigger objects found without a schedule row, and since when (clock ms). */
  readonly #unscheduledSince = new Map<string, number>();
  /** Trigger objects without a schedule row, warned about. */
  readonly #unscheduled = new Set<string>();

  constructor(ctx: ServiceContext, objectNames: () => Iterable<string>) {
    this.#ctx = ctx;
    this.#objectNames = objectNames;
  }

  /**
   * Whether this runner polls the due schedule `row` (`hasObject`: its trigger object is
   * registered here); warns once per schedule when it does not.
   */
  pollable(row: TriggerScheduleRecord, hasObject: boolean): boolean {
    const name = row.triggerName;
    this.#scheduled.add(name);
    if (!hasObject) {
      if (!this.#withoutObject.has(name)) {
        this.#withoutObject.add(name);
        this.#ctx.logger.warn(
          { trigger: name, workflow: row.workflowName },
          `trigger schedule '${name}' has no trigger object registered in this process, ` +
            'so this runner does not poll it (another process may own it). Register it with ' +
            'runner.registerTrigger(trigger) or registerTrigger(trigger) to poll it here.',
        );
      }
      return false;
    }
    // A poll here could only record a WorkflowNotFoundError at its fire: left to the runners
    // that have the workflow.
    if (this.#ctx.registry.latest(row.workflowName) === undefined) {
      if (!this.#withoutWorkflow.has(name)) {
        this.#withoutWorkflow.add(name);
        this.#ctx.logger.warn(
          { trigger: name, workflow: row.workflowName },
          `this runner has not registered workflow '${row.workflowName}'; trigger schedule ` +
            `'${name}' is polled only by runners that have. Register the workflow here ` +
            '(runner.register(workflow)) for this runner to poll it too.',
        );
      }
      return false;
    }
    return true;
  }

  /**
   * Runs `write`, which writes the schedule row of `name`: meanwhile the object is not taken for
   * one without a schedule, and once written the row may be warned about again if orphaned later.
   */
  async writingSchedule<T>(name: string, write: () => Promise<T>): Promise<T> {
    this.#writing.set(name, (this.#writing.get(name) ?? 0) + 1);
    try {
      const written = await write();
      this.#scheduled.add(name);
      this.#withoutObject.delete(name);
      this.#withoutWorkflow.delete(name);
      this.#unscheduledSince.delete(name);
      return written;
    } finally {
      const left = (this.#writing.get(name) ?? 1) - 1;
      if (left === 0) this.#writing.delete(name);
      else this.#writing.set(name, left);
    }
  }

  /**
   * Looks up the schedule rows of trigger objects not yet known to have one, and warns about an
   * object still without a row {@link UNSCHEDULED_GRACE_MS} (or one `triggerBasePollInterval`,
   * if longer) after it was first found so, and not while this runner writes it: the two-step
   * registration is not warned about in between. Costs no query once every object is known.
   */
  async checkObjects(nowMs: number): Promise<void> {
    for (const name of this.#objectNames()) {
      if (this.#scheduled.has(name) || this.#unscheduled.has(name)) continue;
      if (this.#writing.has(name)) continue;
      const since = this.#unscheduledSince.get(name);
      const graceMs = Math.max(UNSCHEDULED_GRACE_MS, this.#ctx.config.triggerBasePollIntervalMs);
      if (since !== undefined && nowMs - since < graceMs) continue;
      const row = await this.#ctx.store.getTriggerSchedule(name);
      // Written by this runner while the look-up was in flight: known to be scheduled now.
      if (this.#scheduled.has(name)) continue;
      if (row !== null) {
        this.#scheduled.add(name);
        this.#unscheduledSince.delete(name);
      } else if (since === undefined) {
        this.#unscheduledSince.set(name, nowMs);
      } else {
        this.#unscheduledSince.delete(name);
        this.#unscheduled.add(name);
        this.#ctx.logger.warn(
          { trigger: name },
          `trigger '${name}' is defined in this process but has no schedule, so no runner ` +
            `polls it. Create its schedule with runner.registerTrigger(trigger, 'workflow') ` +
            '(or, after registerTrigger(trigger), runner.dal().triggerSchedules.upsert(...)).',
        );
      }
    }
  }
}
