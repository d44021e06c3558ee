/**
 * The reads of waiting callers, coalesced: every read asked for in the same turn of the event
 * loop, or while the previous one is in flight, is served by one statement over all their ids
 * (in chunks of {@link READ_CHUNK}). Many callers waiting at once then cost a few reads, not one
 * or more each. A read asked for while another is in flight waits for the next one, so it always
 * sees the commits made before it was asked for.
 */
import type { ExecutionRecord, Store, TaskRecord } from '../store/store.js';
import { Batcher } from './batcher.js';

/** Ids per statement: bounds a statement's size and parameter count on either backend. */
export const READ_CHUNK = 500;

/** The distinct ids of `ids` in chunks of at most {@link READ_CHUNK}. */
export function chunks(ids: readonly string[]): string[][] {
  const distinct = [...new Set(ids)];
  const out: string[][] = [];
  for (let i = 0; i < distinct.length; i += READ_CHUNK) {
    out.push(distinct.slice(i, i + READ_CHUNK));
  }
  return out;
}

/** The executions among `ids` that are terminal: one statement per chunk of ids. */
export async function terminalAmong(
  store: Store,
  ids: readonly string[],
): Promise<ExecutionRecord[]> {
  const out: ExecutionRecord[] = [];
  for (const chunk of chunks(ids)) out.push(...(await store.getTerminalExecutions(chunk)));
  return out;
}

/** Coalesced reads of terminal records and of task rows, by execution id. */
export class BatchedReads {
  readonly #terminal: Batcher<string, ExecutionRecord | null>;
  readonly #tasks: Batcher<string, TaskRecord[]>;

  constructor(store: Store) {
    this.#terminal = new Batcher(
      async (ids) => {
        const byId = new Map((await terminalAmong(store, ids)).map((r) => [r.id, r]));
        return ids.map((id) => byId.get(id) ?? null);
      },
      { serial: true },
    );
    this.#tasks = new Batcher(
      async (ids) => {
        const byId = new Map<string, TaskRecord[]>();
        for (const chunk of chunks(ids)) {
          for (const t of await store.getTasksOf(chunk)) {
            const list = byId.get(t.executionId) ?? [];
            list.push(t);
            byId.set(t.executionId, list);
          }
        }
        // Each caller gets its own array: a caller may keep or change what it was given.
        return ids.map((id) => [...(byId.get(id) ?? [])]);
      },
      { serial: true },
    );
  }

  /** The execution's record if it is terminal, else null. */
  terminal(executionId: string): Promise<ExecutionRecord | null> {
    return this.#terminal.add(executionId);
  }

  /** The execution's tasks in topological order (as `Store.getTasks`). */
  tasks(executionId: string): Promise<TaskRecord[]> {
    return this.#tasks.add(executionId);
  }
}
