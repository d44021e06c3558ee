/**
 * Workflow versions: a content hash, so that a changed definition is never mistaken for the one
 * an older execution ran with, and an unchanged one keeps its version across restarts.
 */

import { sha256Hex } from './hash.js';
import { canonicalJson, type JsonObject } from './json.js';
import type { TaskDefinition } from './task.js';

/** The parts of a workflow that its version covers. */
export interface VersionedContent {
  readonly name: string;
  readonly description: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly tasks: readonly TaskDefinition[];
  /** The JSON Schema form of the input schema (see `inputJsonSchema`), or null without one. */
  readonly inputSchema?: JsonObject | null;
}

/**
 * First 16 hex digits of the SHA-256 of the canonical JSON of the name, description, tags and,
 * for each task sorted by id: its sorted dependencies, function source (a module task's module
 * text hash and export), rule, retry policy,
 * timeout and description, and the JSON Schema form of the input schema when there is one.
 * Neither the order of tasks nor that of a task's dependencies changes the version; any change to
 * what a task does or how it is run does, and so does a change of the input a client may send.
 * Without a JSON Schema form the hashed text is exactly what it was before input schemas were
 * covered, so versions stored by earlier releases stay valid.
 */
export function workflowVersion(content: VersionedContent): string {
  const tasks = [...content.tasks]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((t) => ({
      id: t.id,
      dependencies: [...t.dependencies].sort(),
      // A module task's code is its module's text and export, not its path, which differs
      // between installs. Its isolation is not hashed: where a body runs does not change what
      // it computes.
      source:
        t.module === undefined
          ? t.fn.toString()
          : `module ${t.module.sourceHash} export ${t.module.export}`,
      rules: t.triggerRules,
      retry: {
        ...t.retry.toJSON(),
        // A predicate is code too: two different predicates must not share a version.
        retryOn:
          typeof t.retry.retryOn === 'function'
            ? t.retry.retryOn.toString()
            : (t.retry.toJSON()['retryOn'] ?? null),
      },
      timeoutMs: t.timeoutMs ?? null,
      description: t.description ?? null,
    }));
  const text = canonicalJson({
    name: content.name,
    description: content.description,
    tags: { ...content.tags },
    tasks,
    ...(content.inputSchema != null ? { inputSchema: content.inputSchema } : {}),
  });
  return sha256Hex(text).slice(0, 16);
}
