/**
 * Collects requests made within one turn of the event loop and serves them with one call, so
 * work that arrives together (polls finishing in the same tick) costs one transaction, not one
 * each. The batch is handed over on `setImmediate`: late enough to gather a burst, early
 * enough that no caller waits for a timer.
 */
export class Batcher<I, O> {
  #pending: { item: I; resolve: (out: O) => void; reject: (error: unknown) => void }[] = [];
  #scheduled = false;

  /** @param serve answers a batch with one output per item, in order. */
  constructor(private readonly serve: (items: readonly I[]) => Promise<readonly O[]>) {}

  /** Queues `item` for the next batch; settles with its output or the batch's error. */
  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    this.#scheduled = false;
    try {
      const outputs = await this.serve(batch.map((entry) => entry.item));
      batch.forEach((entry, i) => entry.resolve(outputs[i]!));
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    }
  }
}
