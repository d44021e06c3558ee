/**
 * The runner's concurrency slots. Waiting acquirers (deferred tasks resuming) are served before
 * new claims, because a released slot goes to the first waiter directly.
 */
export class Slots {
  private free: number;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly size: number) {
    this.free = size;
  }

  /** Slots not in use. */
  get available(): number {
    return this.free;
  }

  /** Takes up to `count` slots at once without waiting; returns how many were taken. */
  tryAcquire(count: number): number {
    const taken = Math.max(0, Math.min(count, this.free));
    this.free -= taken;
    return taken;
  }

  /** Waits for one slot. */
  acquire(): Promise<void> {
    if (this.free > 0 && this.waiters.length === 0) {
      this.free -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Returns `count` slots. */
  release(count = 1): void {
    for (let i = 0; i < count; i += 1) {
      const next = this.waiters.shift();
      if (next !== undefined) next();
      else this.free += 1;
    }
  }
}
