/**
 * Callers waiting for executions to end (`execute`, `handle.wait`). Where reads ride with the
 * commit (`Capabilities.readsRideWithCommit`), an execution whose last task this process
 * finishes is handed over by the write that ends it, read back with its commit (see
 * {@link Waiters.expect}). Others wake their callers by the terminal event of their
 * execution; a slow backstop query covers executions finished by another process, which
 * announces nothing to this one on SQLite. Their reads of terminal records are coalesced (see
 * {@link BatchedReads}): thousands of callers waiting at once cost a few reads.
 */
import { DatabaseError } from '../errors.js';
import type { EndedExecution, Store } from '../store/store.js';
import { endedAmong, type BatchedReads } from './batched-reads.js';

type Resolver = (ended: EndedExecution | null) => void;

/** Executions remembered as just created (see {@link Waiters.creating}); the oldest go first. */
const FRESH_LIMIT = 10_000;

/** Waiters by execution id. */
export class Waiters {
  private readonly waiting = new Map<string, Set<Resolver>>();
  /** Executions a write in flight will hand over, with the number of such writes. */
  private readonly expected = new Map<string, number>();
  /** Expected executions whose terminal event came before the write handed them over. */
  private readonly missed = new Set<string>();
  /**
   * Executions this process is creating or has just created, whose end it has not heard of
   * since: their end is still to come, so a wait needs no first read. Kept only where other
   * processes' commits announce themselves (`Capabilities.listenNotify`): an end written
   * elsewhere then comes as a wake-up that polls the waiters, and clears the set (see
   * {@link remoteEnds}); on SQLite it would come unannounced.
   */
  private readonly fresh = new Set<string>();
  /**
   * The first read of a wait while it is in flight, by execution id. A terminal event that
   * comes meanwhile waits for it rather than reading again: the commit that announces an end
   * tells its listeners before the continuations of the reads in the same group run, so the
   * read may already hold the end.
   */
  private readonly firstReads = new Map<string, Promise<EndedExecution | null>>();
  private readonly remoteEndsAnnounced: boolean;

  constructor(
    private readonly store: Store,
    private readonly reads: BatchedReads,
  ) {
    this.remoteEndsAnnounced = store.capabilities.listenNotify;
  }

  /**
   * Called before the write that creates `executionId`: until its end is heard of, waiting for
   * it reads nothing first. Undo with {@link notCreated} if the write fails or names an
   * execution that already existed.
   */
  creating(executionId: string): void {
    if (!this.remoteEndsAnnounced) return;
    if (this.fresh.size >= FRESH_LIMIT) {
      const oldest = this.fresh.values().next();
      if (oldest.done !== true) this.fresh.delete(oldest.value);
    }
    this.fresh.add(executionId);
  }

  /** See {@link creating}. */
  notCreated(executionId: string): void {
    this.fresh.delete(executionId);
  }

  /**
   * Another process committed a change of executions (it may have ended some of this
   * process's): each wait reads first again.
   */
  remoteEnds(): void {
    this.fresh.clear();
  }

  /**
   * Resolves when the execution reaches a terminal status (with its record and tasks), or with
   * null when `signal` aborts first. The waiter is registered before the status is read, so an
   * end that happens in between is never missed. A transient failure of that first read (the
   * connection lost in an outage) does not end the wait: the waiter stays registered, and the
   * terminal event or the backstop poll resolves it once the database is back. So does a failure
   * of a later read: the backstop poll reads again. An execution this process has just created
   * is not read first (see {@link creating}).
   */
  async wait(executionId: string, signal: AbortSignal): Promise<EndedExecution | null> {
    let resolver: Resolver = () => undefined;
    const ended = new Promise<EndedExecution | null>((resolve) => {
      resolver = resolve;
    });
    const set = this.waiting.get(executionId) ?? new Set<Resolver>();
    set.add(resolver);
    this.waiting.set(executionId, set);
    const onAbort = (): void => resolver(null);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      // Registered before this check, so an end heard of from now on resolves the wait.
      if (!this.fresh.has(executionId)) {
        const read = this.reads.ended(executionId);
        this.firstReads.set(executionId, read);
        try {
          const already = await read;
          if (already !== null) resolver(already);
        } catch (error) {
          if (!(error instanceof DatabaseError && error.retryable)) throw error;
        } finally {
          if (this.firstReads.get(executionId) === read) this.firstReads.delete(executionId);
        }
      }
      return await ended;
    } finally {
      signal.removeEventListener('abort', onAbort);
      set.delete(resolver);
      if (set.size === 0) this.waiting.delete(executionId);
    }
  }

  /**
   * The executions among `ids` someone waits for, held for a write about to run that may end
   * them and reads them back as it commits: until {@link handOver}, their terminal events
   * read nothing (the write brings the record).
   */
  expect(ids: Iterable<string>): string[] {
    // Every completion asks: nothing to look up while nobody waits (a stream of events).
    if (this.waiting.size === 0) return [];
    const waited = [...new Set(ids)].filter((id) => this.waiting.has(id));
    for (const id of waited) this.expected.set(id, (this.expected.get(id) ?? 0) + 1);
    return waited;
  }

  /**
   * Ends the hold of {@link expect} on `ids`: wakes the callers of the executions the write
   * read back as ended, and reads those whose terminal event came meanwhile but which the
   * write did not bring (another transaction ended them, or the write failed).
   */
  handOver(ids: readonly string[], ended: readonly EndedExecution[]): void {
    for (const execution of ended) this.resolve(execution);
    const brought = new Set(ended.map((execution) => execution.record.id));
    for (const id of ids) {
      const left = (this.expected.get(id) ?? 1) - 1;
      if (left > 0) {
        this.expected.set(id, left);
        continue;
      }
      this.expected.delete(id);
      // A read that fails here is taken again by the backstop poll, as after any event.
      if (this.missed.delete(id) && !brought.has(id)) void this.notify(id).catch(() => undefined);
    }
  }

  /** Called when a terminal event of `executionId` is seen. */
  async notify(executionId: string): Promise<void> {
    this.fresh.delete(executionId);
    if (!this.waiting.has(executionId)) return;
    if (this.expected.has(executionId)) {
      this.missed.add(executionId);
      return;
    }
    const firstRead = this.firstReads.get(executionId);
    if (firstRead !== undefined) {
      // A failed first read is answered by the read below.
      const seen = await firstRead.catch(() => null);
      if (seen !== null) {
        // Every waiter of the execution, not only the one whose read this was.
        this.resolve(seen);
        return;
      }
      if (!this.waiting.has(executionId)) return;
    }
    const ended = await this.reads.ended(executionId);
    if (ended !== null) this.resolve(ended);
  }

  /** The backstop: one query per chunk of the executions someone waits for. */
  async poll(): Promise<void> {
    if (this.waiting.size === 0) return;
    for (const ended of await endedAmong(this.store, [...this.waiting.keys()])) this.resolve(ended);
  }

  private resolve(ended: EndedExecution): void {
    for (const resolver of this.waiting.get(ended.record.id) ?? []) resolver(ended);
  }
}
