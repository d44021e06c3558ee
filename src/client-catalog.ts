/**
 * What a client knows about workflows without their code: stored definitions, seen as the
 * {@link WorkflowCatalog} the trigger and cron management functions of a runner work with.
 */
import { storedConcurrencySlot } from './core/concurrency.js';
import { storedRateLimitSlot } from './core/rate-limit.js';
import { storedPriority } from './core/priority.js';
import { toContextObject } from './core/input.js';
import { isPlainObject, type JsonObject } from './core/json.js';
import type { Logger } from './core/options.js';
import type { InputSchema } from './core/workflow.js';
import type { WorkflowCatalog, WorkflowShape } from './engine/registry.js';
import { loadJsonSchemaCompiler } from './json-schema-check.js';
import type { DefinitionRecord } from './store/definition-store.js';
import type { Store } from './store/store.js';

/** A workflow definition as a runner stored it: everything but the code. */
export interface StoredWorkflow {
  readonly name: string;
  /** Content version of the latest registration (see `Workflow.version`). */
  readonly version: string;
  readonly description: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Event triggers that also start this workflow (fan-out). */
  readonly triggers: readonly string[];
  /** Tasks with their dependencies, in declared order. */
  readonly tasks: readonly { readonly id: string; readonly dependencies: readonly string[] }[];
  /**
   * The draft 2020-12 JSON Schema of the input the workflow accepts, which a client checks
   * contexts against; null when the workflow declares no input schema, or one its library
   * cannot express as JSON Schema (or it was stored by a release that did not record it).
   */
  readonly inputSchema: JsonObject | null;
  /** The full code-free definition (`Workflow.toDefinition()`). */
  readonly definition: JsonObject;
  /** When a runner last registered this version. */
  readonly registeredAt: Date;
  /** The id of that runner. */
  readonly registeredBy: string | null;
}

/** A logger that drops everything: a client has no loops to report on. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

/** The public shape of a stored definition. */
export function toStoredWorkflow(record: DefinitionRecord): StoredWorkflow {
  const def = record.definition;
  const tags = isPlainObject(def['tags']) ? (def['tags'] as Record<string, string>) : {};
  const triggers = Array.isArray(def['triggers']) ? (def['triggers'] as string[]) : [];
  const tasks = Array.isArray(def['tasks'])
    ? (def['tasks'] as { id: string; dependencies: string[] }[]).map((t) => ({
        id: t.id,
        dependencies: t.dependencies,
      }))
    : [];
  return {
    name: record.name,
    version: record.version,
    description: record.description,
    tags,
    triggers,
    tasks,
    inputSchema: storedInputSchema(def),
    definition: def,
    registeredAt: new Date(record.registeredAtMs),
    registeredBy: record.registeredBy,
  };
}

function storedInputSchema(definition: JsonObject): JsonObject | null {
  const schema = definition['inputSchema'];
  return isPlainObject(schema) ? schema : null;
}

/**
 * Stored definitions seen as a {@link WorkflowCatalog}, so the trigger and cron management
 * functions of the runner work unchanged in a process without task code. Refreshed from the
 * database before each operation that needs it, since runners elsewhere register at any time.
 * A workflow's `input` is the stored JSON Schema form of its input schema, so every path a
 * runner checks input on (execute, fire, cron registration) checks it here too.
 */
export class StoredCatalog implements WorkflowCatalog {
  #byName = new Map<string, { shape: WorkflowShape; record: DefinitionRecord }>();
  /** Input schemas by name and version: a version's schema never changes, so each compiles once. */
  readonly #inputs = new Map<string, InputSchema>();

  async refresh(store: Store): Promise<void> {
    const records = await store.listLatestDefinitions();
    const entries: [string, { shape: WorkflowShape; record: DefinitionRecord }][] = [];
    for (const record of records) {
      const stored = toStoredWorkflow(record);
      const shape = {
        name: stored.name,
        version: stored.version,
        input: await this.inputOf(record),
        triggers: stored.triggers,
        concurrencySlotFor: () => storedConcurrencySlot(record.name, record.definition),
        rateLimitSlotFor: () => storedRateLimitSlot(record.name, record.definition),
        priority: storedPriority(record.definition),
      };
      entries.push([record.name, { shape, record }]);
    }
    this.#byName = new Map(entries);
  }

  /** The input schema a context for `record` must pass, or undefined when it stores none. */
  async inputOf(record: DefinitionRecord): Promise<InputSchema | undefined> {
    const schema = storedInputSchema(record.definition);
    if (schema === null) return undefined;
    const key = `${record.name}\u0000${record.version}`;
    let input = this.#inputs.get(key);
    if (input === undefined) {
      input = (await loadJsonSchemaCompiler())(record.name, record.version, schema);
      this.#inputs.set(key, input);
    }
    return input;
  }

  latest(name: string): WorkflowShape | undefined {
    return this.#byName.get(name)?.shape;
  }

  names(): string[] {
    return [...this.#byName.keys()];
  }

  plan(workflow: WorkflowShape): DefinitionRecord['plan'] {
    return this.#byName.get(workflow.name)?.record.plan ?? [];
  }
}

/** The initial context of an execution: a Context or a plain JSON object, as a runner takes it. */
export function initialContext(workflowName: string, context: unknown): JsonObject {
  return toContextObject(`The initial context of '${workflowName}'`, context);
}
