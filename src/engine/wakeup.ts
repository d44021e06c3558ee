/**
 * A coalescing trigger: any number of `wake()` calls while a pass is running lead to exactly one
 * more pass, so bursts of notifications cost one extra query, not one each.
 */
export class Wakeup {
  private running = false;
  private pending = false;
  private stopped = false;

  constructor(private readonly pass: () => Promise<boolean>) {}

  /** Requests a pass (runs now, or once more after the current one). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.pending = true;
      return;
    }
    void this.loop();
  }

  /** Stops further passes. */
  stop(): void {
    this.stopped = true;
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      do {
        this.pending = false;
        // A pass returns true when it may have left work behind (e.g. it filled every slot).
        const more = await this.pass();
        if (more) this.pending = true;
      } while (this.pending && !this.stopped);
    } finally {
      this.running = false;
    }
  }
}
