/**
 * Workflows: a named, versioned DAG of tasks. Everything that can be wrong with a
 * definition is checked when it is built, so a runner never starts with a workflow that cannot
 * finish. The version is a content hash, which lets each execution record exactly what it ran.
 */

import { ConfigError, NotFoundError, WorkflowValidationError } from '../errors.js';
import {
  concurrencyProblem,
  concurrencySlot,
  type ConcurrencyOptions,
  type ConcurrencySlot,
} from './concurrency.js';
import {
  rateLimitProblem,
  rateLimitSlot,
  type RateLimitOptions,
  type RateLimitSlot,
} from './rate-limit.js';
import type { Context } from './context.js';
import { DEFAULT_PRIORITY, priorityProblem } from './priority.js';
import { describeValue } from './describe.js';
import { parseDuration } from './duration.js';
import * as graph from './graph.js';
import { inputJsonSchema, type InputSchema } from './input-json-schema.js';
import { describeName, ID_RULE, isValidId, isValidTriggerName, TRIGGER_NAME_RULE } from './ids.js';
import { cloneJson, isPlainObject } from './json.js';
import type { JsonObject } from './json.js';
import { ruleTaskRefs } from './rules.js';
import { taskDefinitionProblem } from './task.js';
import type { TaskDefinition } from './task.js';
import { workflowVersion } from './version.js';

export type { InputSchema };

/**
 * Options of {@link workflow}. `Input` is the type callers pass to `execute(workflow, input)`;
 * the compiler infers it from `input`.
 */
export interface WorkflowOptions<Input = unknown> {
  /** Unique among registered workflows; letters, digits, `_`, `.` and `-`. */
  name: string;
  /** @default '' */
  description?: string;
  /** The tasks, in declared order (this order breaks ties in scheduling and merging). */
  tasks: readonly TaskDefinition[];
  /** @default {} */
  tags?: Record<string, string>;
  /**
   * Checked against the initial context before anything is scheduled: any Standard Schema of an
   * object (zod, valibot, arktype, ...), validating synchronously. Its input type becomes the
   * type `execute(workflow, input)` accepts. When the schema also offers Standard JSON Schema
   * (zod 4 does), its draft 2020-12 JSON Schema form is stored with the definition, and
   * processes without the code (a `Client`, the CLI) check contexts against it; refinements and
   * transforms have no such form and run only where the code is.
   */
  input?: InputSchema<Input>;
  /**
   * Names of event triggers that start this workflow.
   * @default []
   */
  triggers?: readonly string[];
  /**
   * At most `limit` executions (per `key` of the initial context) active at once across every
   * runner; the others wait as `Queued` and start in order as places free up.
   */
  concurrency?: ConcurrencyOptions;
  /**
   * At most `limit` executions (per `key` of the initial context) start in any `period` across
   * every runner; the others wait as `Queued` and start in order as the window allows.
   */
  rateLimit?: RateLimitOptions;
  /**
   * The priority of its executions unless a start sets one: an integer from -1000 to 1000,
   * higher first. Claims take Ready tasks by priority, then oldest ready first; a concurrency
   * group admits its Queued executions by priority, then in order.
   * @default 0
   */
  priority?: number;
}

/** Only `workflow()` holds this key, so a `Workflow` is always a validated one. */
const CONSTRUCT: unique symbol = Symbol('Workflow.construct');

/**
 * A validated, immutable workflow. Create it with {@link workflow} or {@link WorkflowBuilder}.
 * `Input` is the input type of its schema, what `execute(workflow, input)` accepts; `unknown`
 * when it has none, and then any context is accepted.
 */
export class Workflow<Input = unknown> {
  readonly name: string;
  readonly description: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Tasks in declared order. */
  readonly tasks: readonly TaskDefinition[];
  /** 16 hex digits of a content hash: equal definitions have equal versions. */
  readonly version: string;
  /** The input schema; its type carries `Input`, so a `Workflow` needs no other type marker. */
  readonly input: InputSchema<Input> | undefined;
  readonly triggers: readonly string[];
  readonly concurrency: ConcurrencyOptions | undefined;
  readonly rateLimit: RateLimitOptions | undefined;
  /** The default priority of its executions (see {@link WorkflowOptions.priority}). */
  readonly priority: number;
  readonly #byId: ReadonlyMap<string, TaskDefinition>;
  readonly #dependents: ReadonlyMap<string, readonly string[]>;
  readonly #order: readonly string[];
  readonly #inputSchema: JsonObject | null;

  /** @internal Use {@link workflow} or {@link WorkflowBuilder}. */
  constructor(key: typeof CONSTRUCT, options: WorkflowOptions<Input>) {
    if (key !== CONSTRUCT)
      throw new TypeError('Create workflows with workflow() or WorkflowBuilder.');
    validate(options);
    this.name = options.name;
    this.description = options.description ?? '';
    this.tags = Object.freeze({ ...(options.tags ?? {}) });
    this.tasks = Object.freeze([...options.tasks]);
    this.input = options.input;
    this.triggers = Object.freeze([...(options.triggers ?? [])]);
    this.concurrency =
      options.concurrency === undefined ? undefined : Object.freeze({ ...options.concurrency });
    this.rateLimit =
      options.rateLimit === undefined ? undefined : Object.freeze({ ...options.rateLimit });
    this.priority = options.priority ?? DEFAULT_PRIORITY;
    this.#byId = new Map(this.tasks.map((t) => [t.id, t]));
    this.#dependents = graph.dependentsMap(this.tasks);
    this.#order = graph.topologicalOrder(this.tasks);
    this.#inputSchema = inputJsonSchema(this.input);
    this.version = workflowVersion({
      name: this.name,
      description: this.description,
      tags: this.tags,
      tasks: this.tasks,
      inputSchema: this.#inputSchema,
    });
    Object.freeze(this);
  }

  /**
   * The concurrency group an execution with this initial context counts in, or undefined for a
   * workflow without a `concurrency` limit.
   * @throws {InputValidationError} when the key function fails on `context`.
   */
  concurrencySlotFor(context: JsonObject): ConcurrencySlot | undefined {
    return this.concurrency === undefined
      ? undefined
      : concurrencySlot(this.name, this.concurrency, context);
  }

  /**
   * The rate group an execution with this initial context counts in, or undefined for a
   * workflow without a `rateLimit`.
   * @throws {InputValidationError} when the key function fails on `context`.
   */
  rateLimitSlotFor(context: JsonObject): RateLimitSlot | undefined {
    return this.rateLimit === undefined
      ? undefined
      : rateLimitSlot(this.name, this.rateLimit, context);
  }

  /** The task with that id, or `undefined`. */
  getTask(id: string): TaskDefinition | undefined {
    return this.#byId.get(id);
  }

  /** Task ids with every task after its dependencies; ties in declared order. */
  topologicalOrder(): string[] {
    return [...this.#order];
  }

  /** Task ids grouped by depth (level 0 = roots); each level in declared order. */
  levels(): string[][] {
    return graph.levels(this.tasks);
  }

  /** Ids of tasks without dependencies, in declared order. */
  roots(): string[] {
    return graph.roots(this.tasks);
  }

  /** Ids of tasks nothing depends on, in declared order. */
  leaves(): string[] {
    return graph.leaves(this.tasks);
  }

  /**
   * The dependencies of task `id`, in declared order.
   * @throws {NotFoundError} when the workflow has no task `id`.
   */
  dependenciesOf(id: string): string[] {
    return [...this.#task(id).dependencies];
  }

  /**
   * The tasks that depend on task `id`, in declared order.
   * @throws {NotFoundError} when the workflow has no task `id`.
   */
  dependentsOf(id: string): string[] {
    this.#task(id);
    return [...(this.#dependents.get(id) ?? [])];
  }

  /**
   * A JSON description of the workflow without code, for storing definitions. `inputSchema` is
   * the draft 2020-12 JSON Schema of the input (when the schema's library offers Standard JSON
   * Schema and can represent it; else null): what processes without the code check contexts
   * against.
   */
  toDefinition(): JsonObject {
    return {
      name: this.name,
      version: this.version,
      description: this.description,
      tags: { ...this.tags },
      triggers: [...this.triggers],
      ...(this.concurrency === undefined
        ? {}
        : {
            concurrency: {
              limit: this.concurrency.limit,
              keyed: this.concurrency.key !== undefined,
            },
          }),
      ...(this.rateLimit === undefined
        ? {}
        : {
            rateLimit: {
              limit: this.rateLimit.limit,
              periodMs: parseDuration(this.rateLimit.period, 'rateLimit.period'),
              keyed: this.rateLimit.key !== undefined,
            },
          }),
      ...(this.priority === DEFAULT_PRIORITY ? {} : { priority: this.priority }),
      tasks: this.tasks.map((t) => ({
        id: t.id,
        dependencies: [...t.dependencies],
        triggerRules: structuredClone(t.triggerRules),
        retry: t.retry.toJSON(),
        timeoutMs: t.timeoutMs ?? null,
        description: t.description ?? null,
        ...(t.concurrency === undefined ? {} : { concurrency: { limit: t.concurrency.limit } }),
      })),
      inputSchema: this.#inputSchema === null ? null : cloneJson(this.#inputSchema),
    };
  }

  #task(id: string): TaskDefinition {
    const found = this.#byId.get(id);
    if (found === undefined) {
      throw new NotFoundError(
        `Workflow '${this.name}' has no task ${describeValue(id)}. Its tasks: ${[...this.#byId.keys()].join(', ')}.`,
      );
    }
    return found;
  }
}

/**
 * Builds and validates a workflow.
 * @throws {WorkflowValidationError} with code `INVALID_ID`, `EMPTY_WORKFLOW`, `INVALID_TASK`,
 *   `DUPLICATE_TASK`, `MISSING_DEPENDENCY`, `INVALID_RULE` or `CYCLE`.
 * @throws {ConfigError} when `description`, `tags`, `input`, `triggers`, `concurrency` or
 *   `priority` have the wrong shape.
 */
export function workflow<Input = unknown>(options: WorkflowOptions<Input>): Workflow<Input> {
  return new Workflow(CONSTRUCT, options);
}

/** What starts an execution when nothing types it: a `Context` or a plain object of JSON values. */
export type StartContext = Context | Record<string, unknown>;

/**
 * The arguments after the workflow in `execute(workflow, ...)` and `executeAsync(workflow, ...)`
 * when the workflow's input type is `Input`: the input, then the options. The input may be left
 * out only when every field of it is optional. `unknown` (no schema) takes any context, or none.
 */
export type InputArgs<Input, Options> = unknown extends Input
  ? [context?: StartContext, options?: Options]
  : object extends Input
    ? [input?: Input, options?: Options]
    : [input: Input, options?: Options];

/**
 * The arguments after `target` in `execute(target, ...)` and `executeAsync(target, ...)`: for a
 * workflow object, its schema's input type ({@link InputArgs}); for a name, any context.
 */
export type ExecuteArgs<Target, Options> =
  Target extends Workflow<infer Input> ? InputArgs<Input, Options> : InputArgs<unknown, Options>;

/**
 * The workflow name an `execute` call targets: a name as given, or the name of a workflow
 * object. Read by shape, so a workflow built by another copy of this package works too; a value
 * that is neither is passed on for the lookup to reject.
 */
export function targetName(target: string | Workflow): string {
  if (typeof target === 'object' && target !== null) {
    const name: unknown = (target as { name?: unknown }).name;
    if (typeof name === 'string') return name;
  }
  return target as string;
}

/** Fluent alternative to {@link workflow}; `input()` sets the input type of what it builds. */
export class WorkflowBuilder<Input = unknown> {
  readonly #name: string;
  #description: string | undefined;
  readonly #tags: Record<string, string> = {};
  readonly #tasks: TaskDefinition[] = [];
  #input: InputSchema<Input> | undefined;
  readonly #triggers: string[] = [];
  #concurrency: ConcurrencyOptions | undefined;
  #rateLimit: RateLimitOptions | undefined;
  #priority: number | undefined;

  constructor(name: string) {
    this.#name = name;
  }

  /** Sets the description. */
  description(text: string): this {
    this.#description = text;
    return this;
  }

  /** Adds (or replaces) a tag. */
  tag(key: string, value: string): this {
    this.#tags[key] = value;
    return this;
  }

  /** Appends a task; declared order is the order of calls. */
  addTask(task: TaskDefinition): this {
    this.#tasks.push(task);
    return this;
  }

  /** Sets the input schema checked before scheduling, and with it the input type. */
  input<Next>(schema: InputSchema<Next>): WorkflowBuilder<Next> {
    // The builder holds nothing else of the input type, so only its view changes.
    const next = this as unknown as WorkflowBuilder<Next>;
    next.#input = schema;
    return next;
  }

  /** Appends names of event triggers that start this workflow. */
  triggers(...names: string[]): this {
    this.#triggers.push(...names);
    return this;
  }

  /** Sets the workflow's concurrency limit (see {@link WorkflowOptions.concurrency}). */
  concurrency(options: ConcurrencyOptions): this {
    this.#concurrency = options;
    return this;
  }

  /** Sets the workflow's rate limit (see {@link WorkflowOptions.rateLimit}). */
  rateLimit(options: RateLimitOptions): this {
    this.#rateLimit = options;
    return this;
  }

  /** Sets the default priority of its executions (see {@link WorkflowOptions.priority}). */
  priority(value: number): this {
    this.#priority = value;
    return this;
  }

  /** Validates and builds the workflow; see {@link workflow} for the errors. */
  build(): Workflow<Input> {
    return workflow({
      name: this.#name,
      description: this.#description,
      tags: { ...this.#tags },
      tasks: [...this.#tasks],
      input: this.#input,
      triggers: [...this.#triggers],
      ...(this.#concurrency === undefined ? {} : { concurrency: this.#concurrency }),
      ...(this.#rateLimit === undefined ? {} : { rateLimit: this.#rateLimit }),
      ...(this.#priority === undefined ? {} : { priority: this.#priority }),
    });
  }
}

/** Checks a workflow definition; throws the first structural problem found. */
function validate(options: WorkflowOptions): void {
  if (!isPlainObject(options)) {
    throw new ConfigError(
      `workflow() expects an options object; received ${describeValue(options)}.`,
    );
  }
  const name: unknown = options.name;
  if (!isValidId(name)) {
    throw new WorkflowValidationError(
      'INVALID_ID',
      `Workflow name ${describeName(name)} is invalid: use ${ID_RULE}.`,
    );
  }
  const fail = (code: ConstructorParameters<typeof WorkflowValidationError>[0], message: string) =>
    new WorkflowValidationError(code, `Workflow '${name}': ${message}`, { workflowName: name });
  checkShape(name, options);

  const tasks: unknown = options.tasks;
  if (tasks === undefined || (Array.isArray(tasks) && tasks.length === 0)) {
    throw fail('EMPTY_WORKFLOW', 'has no tasks. Add at least one task created with task().');
  }
  if (!Array.isArray(tasks)) {
    throw fail(
      'INVALID_TASK',
      `tasks must be an array of tasks; received ${describeValue(tasks)}.`,
    );
  }
  tasks.forEach((t: unknown, i) => {
    const problem = taskDefinitionProblem(t);
    if (problem !== null) throw fail('INVALID_TASK', `task #${i + 1} ${problem}`);
  });
  const list = tasks as readonly TaskDefinition[];

  const ids = new Set<string>();
  for (const t of list) {
    if (ids.has(t.id)) {
      throw fail('DUPLICATE_TASK', `task id '${t.id}' is used twice. Give each task a unique id.`);
    }
    ids.add(t.id);
  }
  for (const t of list) {
    const missing = t.dependencies.find((d) => !ids.has(d));
    if (missing !== undefined) {
      throw fail(
        'MISSING_DEPENDENCY',
        `task '${t.id}' depends on '${missing}', which is not in this workflow. Add a task '${missing}' or remove the dependency.`,
      );
    }
  }
  for (const t of list) {
    // A rule may only look at tasks that are guaranteed to be terminal when it is evaluated.
    const stray = ruleTaskRefs(t.triggerRules).find((ref) => !t.dependencies.includes(ref));
    if (stray !== undefined) {
      throw fail(
        'INVALID_RULE',
        `the trigger rule of task '${t.id}' refers to task '${stray}', which is not one of its dependencies (${t.dependencies.join(', ') || 'none'}). Add '${stray}' to its dependencies.`,
      );
    }
  }
  const cycle = graph.findCycle(list);
  if (cycle !== null) {
    throw new WorkflowValidationError(
      'CYCLE',
      `Workflow '${name}': tasks form a dependency cycle: ${cycle.join(' -> ')} (each task depends on the one before it). Remove one of these dependencies.`,
      { workflowName: name, cycle },
    );
  }
}

/** Shapes that TypeScript checks but JavaScript callers may still get wrong. */
function checkShape(name: string, options: WorkflowOptions): void {
  const problems: string[] = [];
  const { description, tags, input, triggers, concurrency, rateLimit, priority } =
    options as unknown as Partial<Record<string, unknown>>;
  if (description !== undefined && typeof description !== 'string') {
    problems.push(
      `workflow '${name}': description must be a string; received ${describeValue(description)}.`,
    );
  }
  if (tags !== undefined) {
    if (!isPlainObject(tags)) {
      problems.push(
        `workflow '${name}': tags must be an object of strings; received ${describeValue(tags)}.`,
      );
    } else {
      for (const [key, value] of Object.entries(tags)) {
        if (typeof value !== 'string') {
          problems.push(
            `workflow '${name}': tag '${key}' must be a string; received ${describeValue(value)}.`,
          );
        }
      }
    }
  }
  if (input !== undefined && !isInputSchema(input)) {
    problems.push(
      `workflow '${name}': input must be a Standard Schema (a zod, valibot or arktype schema, with a '~standard' property of version 1); received ${describeValue(input)}.`,
    );
  }
  if (triggers !== undefined) {
    const bad = Array.isArray(triggers) ? triggers.findIndex((t) => !isValidTriggerName(t)) : -1;
    if (!Array.isArray(triggers)) {
      problems.push(
        `workflow '${name}': triggers must be an array of trigger names; received ${describeValue(triggers)}.`,
      );
    } else if (bad >= 0) {
      problems.push(
        `workflow '${name}': triggers lists ${describeName(triggers[bad])}, which is not a trigger name; a trigger name is ${TRIGGER_NAME_RULE}.`,
      );
    } else if (new Set(triggers).size !== triggers.length) {
      problems.push(`workflow '${name}': triggers lists a trigger twice; list each trigger once.`);
    }
  }
  if (concurrency !== undefined) {
    const problem = concurrencyProblem(concurrency);
    if (problem !== null) problems.push(`workflow '${name}': ${problem}`);
  }
  if (rateLimit !== undefined) {
    const problem = rateLimitProblem(rateLimit);
    if (problem !== null) problems.push(`workflow '${name}': ${problem}`);
  }
  if (priority !== undefined) {
    const problem = priorityProblem(priority);
    if (problem !== null) problems.push(`workflow '${name}': ${problem}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

function isInputSchema(value: unknown): value is InputSchema {
  // Some libraries (arktype) make their schemas functions, so both kinds are looked into.
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const standard: unknown = (value as { '~standard'?: unknown })['~standard'];
  return (
    typeof standard === 'object' &&
    standard !== null &&
    (standard as { version?: unknown }).version === 1 &&
    typeof (standard as { validate?: unknown }).validate === 'function'
  );
}
