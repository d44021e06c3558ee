/**
 * Collects requests made within one turn of the event loop and serves them with one call, so
 * work that arrives together (polls finishing in the same tick) costs one transaction, not one
 * each. The batch is handed over on `setImmediate`: late enough to gather a burst, early
 * enough that no caller waits for a timer.
 */
export class Batcher<I, O> {
  #pending: { item: I; resolve: (out: O) => void; reject: (error: unknown) => void }[] = [];
  #scheduled = false;
  #serving = false;

  /**
   * @param serve answers a batch with one output per item, in order.
   * @param options.serial at most one batch is served at a time: requests made meanwhile wait
   *   and form the next batch, served as soon as the current one ends (group commit). For
   *   batches whose transactions would otherwise queue on the same row locks.
   */
  constructor(
    private readonly serve: (items: readonly I[]) => Promise<readonly O[]>,
    private readonly options: { readonly serial?: boolean } = {},
  ) {}

  /** Queues `item` for the next batch; settles with its output or the batch's error. */
  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || (this.options.serial === true && this.#serving)) return;
    this.#scheduled = true;
    setImmediate(() => void this.#flush());
  }

  async #flush(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    this.#scheduled = false;
    this.#serving = true;
    try {
      const outputs = await this.serve(batch.map((entry) => entry.item));
      batch.forEach((entry, i) => entry.resolve(outputs[i]!));
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    } finally {
      this.#serving = false;
      if (this.#pending.length > 0) this.#schedule();
    }
  }
}
