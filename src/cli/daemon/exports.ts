/**
 * The module convention of `cloacinactl daemon` (documented in docs/operating.md). A module in
 * the daemon's folder exports, under any names:
 * - `Workflow` instances (from `workflow()` / `WorkflowBuilder`), or arrays of them;
 * - `Trigger` objects (from `defineTrigger()` or a class), or arrays of them; a trigger without
 *   a `workflow` binds to the module's workflow when the module exports exactly one;
 * - `export const cron = [{ workflow, expression, timezone?, catchupPolicy?, context? }]`, where
 *   `workflow` is a name or a `Workflow`.
 * Other exports are ignored, so a module may export helpers too.
 */
import {
  ConfigError,
  Workflow,
  type CatchupPolicy,
  type JsonObject,
  type Trigger,
} from '../../index.js';

/** One cron schedule a module asks for. */
export interface CronEntry {
  readonly workflow: string;
  readonly expression: string;
  readonly timezone: string;
  readonly catchupPolicy?: CatchupPolicy;
  readonly context?: JsonObject;
}

/** What a module contributes. */
export interface ModuleExports {
  readonly workflows: readonly Workflow[];
  /** Triggers with the workflow each one starts. */
  readonly triggers: readonly {
    readonly trigger: Trigger;
    readonly workflow: string | undefined;
  }[];
  readonly cron: readonly CronEntry[];
  /** Exports that look like workflows of another copy of the library (not registrable). */
  readonly foreign: readonly string[];
}

/** A workflow built by another copy of the library: `instanceof` fails, so it cannot run here. */
function isForeignWorkflow(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || value instanceof Workflow) return false;
  const candidate = value as { name?: unknown; version?: unknown; toDefinition?: unknown };
  return (
    typeof candidate.name === 'string' &&
    typeof candidate.version === 'string' &&
    typeof candidate.toDefinition === 'function'
  );
}

function isTrigger(value: unknown): value is Trigger {
  if (typeof value !== 'object' || value === null || value instanceof Workflow) return false;
  const candidate = value as { name?: unknown; poll?: unknown };
  return typeof candidate.name === 'string' && typeof candidate.poll === 'function';
}

function cronEntries(value: unknown, module: string): CronEntry[] {
  const list: unknown[] = Array.isArray(value) ? value : [value];
  return list.map((item, index) => {
    const entry = item as Record<string, unknown> | null;
    const workflow =
      entry?.['workflow'] instanceof Workflow ? entry['workflow'].name : entry?.['workflow'];
    const expression = entry?.['expression'];
    const timezone = entry?.['timezone'] ?? 'UTC';
    if (
      typeof workflow !== 'string' ||
      typeof expression !== 'string' ||
      typeof timezone !== 'string'
    ) {
      throw new ConfigError(
        `${module}: cron[${index}] must be { workflow, expression, timezone? } with a workflow name ` +
          "or Workflow and a cron expression, e.g. { workflow: 'report', expression: '0 6 * * *' }.",
      );
    }
    return {
      workflow,
      expression,
      timezone,
      ...(entry?.['catchupPolicy'] !== undefined
        ? { catchupPolicy: entry['catchupPolicy'] as CatchupPolicy }
        : {}),
      ...(entry?.['context'] !== undefined ? { context: entry['context'] as JsonObject } : {}),
    };
  });
}

/** Sorts a module namespace's exports into workflows, triggers and cron entries. */
export function collectExports(namespace: Record<string, unknown>, module: string): ModuleExports {
  const workflows: Workflow[] = [];
  const triggers: Trigger[] = [];
  let cron: CronEntry[] = [];
  const foreign: string[] = [];
  for (const [name, value] of Object.entries(namespace)) {
    if (name === 'cron') {
      cron = cronEntries(value, module);
      continue;
    }
    for (const item of Array.isArray(value) ? (value as unknown[]) : [value]) {
      if (item instanceof Workflow) {
        if (!workflows.includes(item)) workflows.push(item);
      } else if (isTrigger(item) && !triggers.includes(item)) {
        triggers.push(item);
      } else if (isForeignWorkflow(item)) {
        foreign.push(name);
      }
    }
  }
  const only = workflows.length === 1 ? workflows[0]?.name : undefined;
  return {
    workflows,
    triggers: triggers.map((trigger) => ({ trigger, workflow: trigger.workflow ?? only })),
    cron,
    foreign,
  };
}
