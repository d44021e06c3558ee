/**
 * Workflows registered in this runner. Every version ever registered is kept, so executions that
 * started on an older version finish on it after the workflow is registered again.
 */
import type { ConcurrencySlot } from '../core/concurrency.js';
import type { RateLimitSlot } from '../core/rate-limit.js';
import type { JsonObject } from '../core/json.js';
import type { Workflow } from '../core/workflow.js';
import type { NewTask, TaskLimit } from '../store/store.js';

interface Entry {
  latest: Workflow;
  readonly versions: Map<string, Workflow>;
}

/**
 * What services need to know about a workflow to schedule it: no task code. A registered
 * `Workflow` is one; so is a stored definition, which lets a client without the code fire
 * triggers and add cron schedules through the same service functions as a runner.
 */
export type WorkflowShape = Pick<
  Workflow,
  'name' | 'version' | 'input' | 'triggers' | 'concurrencySlotFor' | 'rateLimitSlotFor' | 'priority'
>;

/** The workflows services can schedule: a runner's registry, or a client's stored definitions. */
export interface WorkflowCatalog {
  /** The version used for new executions, or undefined. */
  latest(name: string): WorkflowShape | undefined;
  /** Names of the workflows known here. */
  names(): string[];
  /** The task rows of one execution of `workflow` (a value this catalog's `latest` returned). */
  plan(workflow: WorkflowShape): readonly NewTask[];
}

/** Registered workflows by name and version. */
export class WorkflowRegistry implements WorkflowCatalog {
  private readonly entries = new Map<string, Entry>();
  private readonly plans = new WeakMap<Workflow, readonly NewTask[]>();
  #taskLimits: readonly TaskLimit[] | undefined;

  /** Registers `workflow`; it becomes the version used for new executions of its name. */
  register(workflow: Workflow): void {
    const entry = this.entries.get(workflow.name);
    if (entry === undefined) {
      this.entries.set(workflow.name, {
        latest: workflow,
        versions: new Map([[workflow.version, workflow]]),
      });
    } else {
      entry.latest = workflow;
      entry.versions.set(workflow.version, workflow);
    }
    this.#taskLimits = undefined;
  }

  /**
   * The tasks with a concurrency limit, as claims count them: by workflow name and task id,
   * with the limit of the latest version that has the task.
   */
  taskLimits(): readonly TaskLimit[] {
    if (this.#taskLimits === undefined) {
      const limits: TaskLimit[] = [];
      for (const [workflowName, entry] of this.entries) {
        const byTask = new Map<string, number | undefined>();
        for (const version of [...entry.versions.values(), entry.latest]) {
          for (const task of version.tasks) byTask.set(task.id, task.concurrency?.limit);
        }
        for (const [taskId, limit] of byTask) {
          if (limit !== undefined) limits.push({ workflowName, taskId, limit });
        }
      }
      this.#taskLimits = Object.freeze(limits);
    }
    return this.#taskLimits;
  }

  /** The version used for new executions, or undefined. */
  latest(name: string): Workflow | undefined {
    return this.entries.get(name)?.latest;
  }

  /** The exact version when registered, else the latest of that name. */
  resolve(name: string, version: string): Workflow | undefined {
    const entry = this.entries.get(name);
    return entry?.versions.get(version) ?? entry?.latest;
  }

  /** Names of registered workflows (the ones this runner claims tasks of). */
  names(): string[] {
    return [...this.entries.keys()];
  }

  /** The task rows to create for one execution of `workflow` (computed once per version). */
  plan(workflow: Workflow): readonly NewTask[] {
    let plan = this.plans.get(workflow);
    if (plan === undefined) {
      const order = workflow.topologicalOrder();
      const position = new Map(order.map((id, index) => [id, index]));
      plan = workflow.tasks.map((task) => ({
        taskId: task.id,
        position: position.get(task.id) ?? 0,
        dependencies: task.dependencies,
        dependents: workflow.dependentsOf(task.id),
        triggerRule: task.triggerRules,
        ...(task.concurrency === undefined ? {} : { concurrencyLimit: task.concurrency.limit }),
      }));
      this.plans.set(workflow, plan);
    }
    return plan;
  }
}

/**
 * `{ concurrency, rateLimit, priority }` for a new execution of `workflow` with `context`: each
 * limit only for a workflow with that limit, and the workflow's default priority. Spread into a
 * `NewExecution` by the starts that take no options (trigger and cron fires).
 */
export function limitsOf(
  workflow: WorkflowShape,
  context: JsonObject,
): { concurrency?: ConcurrencySlot; rateLimit?: RateLimitSlot; priority: number } {
  const slot = workflow.concurrencySlotFor(context);
  const rate = workflow.rateLimitSlotFor(context);
  return {
    ...(slot === undefined ? {} : { concurrency: slot }),
    ...(rate === undefined ? {} : { rateLimit: rate }),
    priority: workflow.priority,
  };
}
