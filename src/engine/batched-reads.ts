/**
 * The reads of waiting callers, coalesced: every read asked for in the same turn of the event
 * loop, or while the previous one is in flight, is served by one read over all their ids (in
 * chunks of {@link READ_CHUNK}): the terminal records with their tasks, one round trip. Many
 * callers waiting at once then cost a few reads, not one or more each. A read asked for while
 * another is in flight waits for the next one, so it always sees the commits made before it was
 * asked for.
 */
import type { EndedExecution, Store } from '../store/store.js';
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

/** The executions among `ids` that have ended, with their tasks: one round trip per chunk. */
export async function endedAmong(store: Store, ids: readonly string[]): Promise<EndedExecution[]> {
  const out: EndedExecution[] = [];
  for (const chunk of chunks(ids)) out.push(...(await store.getEndedExecutions(chunk)));
  return out;
}

/** Coalesced reads of ended executions, by execution id. */
export class BatchedReads {
  readonly #ended: Batcher<string, EndedExecution | null>;

  constructor(store: Store) {
    this.#ended = new Batcher(
      async (ids) => {
        const byId = new Map((await endedAmong(store, ids)).map((e) => [e.record.id, e]));
        return ids.map((id) => byId.get(id) ?? null);
      },
      { serial: true },
    );
  }

  /** The execution with its tasks if it has ended, else null. */
  ended(executionId: string): Promise<EndedExecution | null> {
    return this.#ended.add(executionId);
  }
}
