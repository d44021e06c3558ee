/**
 * The runner's concurrency slots, handed out as {@link Reservation} values. A reservation is
 * disposable (`using r = slots.reserve(n)`): whatever it still holds when its scope ends goes
 * back to the pool, on every path, so no caller counts slots by hand. Waiting acquirers
 * (deferred tasks resuming) are served before new reservations, because a returned slot goes
 * to the first waiter directly.
 */
export class Slots {
  private free: number;
  private readonly waiters: ((slot: Reservation) => void)[] = [];

  constructor(readonly size: number) {
    this.free = size;
  }

  /** Slots not in use. */
  get available(): number {
    return this.free;
  }

  /** Takes up to `count` free slots at once, without waiting (possibly none). */
  reserve(count: number): Reservation {
    const taken = Math.max(0, Math.min(count, this.free));
    this.free -= taken;
    return new Reservation(this, taken);
  }

  /** Waits for one slot. */
  acquire(): Promise<Reservation> {
    if (this.free > 0 && this.waiters.length === 0) {
      this.free -= 1;
      return Promise.resolve(new Reservation(this, 1));
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Takes back `count` slots of a reservation; only {@link Reservation} calls it. */
  giveBack(count: number): void {
    for (let i = 0; i < count; i += 1) {
      const next = this.waiters.shift();
      if (next !== undefined) next(new Reservation(this, 1));
      else this.free += 1;
    }
  }
}

/**
 * Slots held by one owner: a claim pass, a scheduling write, a running task. Slots move
 * between reservations with {@link take} (a claimed task takes its slot out of the pass that
 * claimed it) and return to the pool with {@link release} or at the end of a `using` scope.
 */
export class Reservation implements Disposable {
  #count: number;

  constructor(
    private readonly pool: Slots,
    count: number,
  ) {
    this.#count = count;
  }

  /** Slots held. */
  get count(): number {
    return this.#count;
  }

  /** Moves up to `count` of these slots into a new reservation (fewer when fewer are held). */
  take(count = 1): Reservation {
    const moved = Math.min(count, this.#count);
    this.#count -= moved;
    return new Reservation(this.pool, moved);
  }

  /** Returns every slot still held to the pool; holds none afterwards. */
  release(): void {
    const count = this.#count;
    this.#count = 0;
    if (count > 0) this.pool.giveBack(count);
  }

  [Symbol.dispose](): void {
    this.release();
  }
}
