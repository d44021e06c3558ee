/** The open event streams of a server, so that closing it can wait for them to end. */

/** Keeps the promises of the open event streams. */
export class StreamTracker {
  readonly #open = new Set<Promise<void>>();

  /** Tracks a stream until it ends. */
  track(stream: Promise<void>): void {
    this.#open.add(stream);
    void stream.finally(() => this.#open.delete(stream));
  }

  /** Resolves when every stream open now has ended. */
  async ended(): Promise<void> {
    await Promise.allSettled([...this.#open]);
  }
}
