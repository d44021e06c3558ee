/**
 * The trigger loop's in-memory due times: one time per trigger name, and a min-heap over them,
 * so a pass finds the due triggers and the next wake-up without visiting every known trigger.
 * With ten thousand triggers, scanning the whole map on every pass (several per poll burst) was
 * the loop's largest cost in JavaScript.
 *
 * The heap is lazy: a time replaced or deleted stays in it until it reaches the top, where it is
 * recognised as stale (the map no longer holds it) and dropped.
 */

/** One heap entry: a trigger and the due time it had when pushed. */
interface Entry {
  readonly at: number;
  readonly name: string;
}

/** What a caller decides for a due trigger: take it, leave it for later, or forget it. */
export type DueVerdict = 'take' | 'skip' | 'drop';

/** Due times by trigger name, with the earliest found in O(log n). */
export class DueTimes {
  readonly #at = new Map<string, number>();
  #heap: Entry[] = [];

  /** The due time of `name` (clock ms), if known. */
  get(name: string): number | undefined {
    return this.#at.get(name);
  }

  /** Sets the due time of `name`. */
  set(name: string, at: number): void {
    if (this.#at.get(name) === at) return;
    this.#at.set(name, at);
    this.#push({ at, name });
    // Replaced times are dropped when they reach the top; rebuild when they pile up.
    if (this.#heap.length > 2 * this.#at.size + 1024) this.#rebuild();
  }

  /** Forgets `name`. */
  delete(name: string): void {
    this.#at.delete(name);
  }

  /**
   * Up to `limit` triggers due at `nowMs`, earliest first, as `judge` decides: `'take'` counts
   * toward the limit, `'skip'` stays due without being taken (in flight), `'drop'` forgets the
   * trigger. `more` says whether another trigger would have been taken past the limit.
   */
  takeDue(
    nowMs: number,
    limit: number,
    judge: (name: string) => DueVerdict,
  ): { names: string[]; more: boolean } {
    const names: string[] = [];
    const kept: Entry[] = [];
    // A name set back to an earlier time (a to b to a) has two live entries: judged once.
    const judged = new Set<string>();
    let more = false;
    while (this.#heap.length > 0 && this.#heap[0]!.at <= nowMs) {
      const entry = this.#pop();
      if (this.#at.get(entry.name) !== entry.at || judged.has(entry.name)) continue;
      judged.add(entry.name);
      const verdict = judge(entry.name);
      if (verdict === 'drop') {
        this.#at.delete(entry.name);
        continue;
      }
      // Taken entries stay due until the caller replaces or deletes them (a claim may fail).
      kept.push(entry);
      if (verdict === 'skip') continue;
      if (names.length === limit) {
        more = true;
        break;
      }
      names.push(entry.name);
    }
    for (const entry of kept) this.#push(entry);
    return { names, more };
  }

  /** The earliest due time of a trigger `skip` does not exclude; infinity when none. */
  earliest(skip: (name: string) => boolean): number {
    const skipped: Entry[] = [];
    let earliest = Number.POSITIVE_INFINITY;
    while (this.#heap.length > 0) {
      const top = this.#heap[0]!;
      if (this.#at.get(top.name) !== top.at) {
        this.#pop();
        continue;
      }
      if (skip(top.name)) {
        skipped.push(this.#pop());
        continue;
      }
      earliest = top.at;
      break;
    }
    for (const entry of skipped) this.#push(entry);
    return earliest;
  }

  #rebuild(): void {
    this.#heap = [];
    for (const [name, at] of this.#at) this.#push({ at, name });
  }

  #push(entry: Entry): void {
    const heap = this.#heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
  }

  #pop(): Entry {
    const heap = this.#heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right]!, heap[left]!) ? right : left;
      if (!before(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

/** Earlier due time first; the name breaks ties, so the order does not depend on arrival. */
function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.name < b.name);
}
