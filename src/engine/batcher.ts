/**
 * Serves many requests with one call, so work that arrives together (polls or tasks finishing
 * in the same tick, executions scheduled by concurrent callers) costs one transaction, not one
 * each. Two ways to form a batch:
 * - `turn` (default): the requests of one turn of the event loop, handed over on `setImmediate`:
 *   late enough to gather a burst, early enough that no caller waits for a timer.
 * - `eager`: a request made while no batch is in flight is served at once (no added latency
 *   when idle); requests made while one is in flight form the next batch, served as soon as it
 *   ends (the classic group-commit shape: the busier, the larger the batches).
 */
export class Batcher<I, O> {
  #pending: { item: I; resolve: (out: O) => void; reject: (error: unknown) => void }[] = [];
  #scheduled = false;
  #inFlight = false;

  /**
   * @param serve answers a batch with one output per item, in order.
   * @param mode how a batch is formed (see the class documentation).
   */
  constructor(
    private readonly serve: (items: readonly I[]) => Promise<readonly O[]>,
    private readonly mode: 'turn' | 'eager' = 'turn',
  ) {}

  /** Queues `item` for the next batch; settles with its output or the batch's error. */
  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (this.mode === 'eager') {
        if (!this.#inFlight) void this.#flush();
      } else if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    this.#scheduled = false;
    this.#inFlight = true;
    try {
      const outputs = await this.serve(batch.map((entry) => entry.item));
      batch.forEach((entry, i) => entry.resolve(outputs[i]!));
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    } finally {
      this.#inFlight = false;
      if (this.mode === 'eager' && this.#pending.length > 0) void this.#flush();
    }
  }
}
