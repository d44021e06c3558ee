/**
 * Guessed places (PostgreSQL). In a roomy group (see `roomy`), a start far below the limit and
 * an end while nobody waits change no decision: the count read before them only confirms what
 * was expected. Such a transaction can therefore guess: it locks one stripe and writes as if
 * the count agreed, and sends the count as a guard (`Tx.guard`) with its other writes, so a
 * limited start or end costs the round trips of an unlimited one. When the guard finds the
 * guess wrong (the group filled up, or somebody waits), the transaction rolls back whole and
 * runs again counting first, as `admission.ts` does without guesses; that group then counts
 * first for a while, so a group that runs near its limit does not pay for two attempts each
 * time.
 *
 * The guards check exactly what the count would have decided (`placeInGroups`, `admitGroups`
 * with `ended`), under the same one-stripe lock, so the reasoning of "Why the count cannot
 * drift" (`docs/flow-control.md`) holds unchanged. SQLite never guesses: its count is a local
 * read and its single writer the lock.
 */
import { performance } from 'node:perf_hooks';
import { GuardRefusedError, type SqlValue, type Tx } from '../db.js';
import {
  GROUP_STRIPES,
  STRIPE_STARTS,
  groupId,
  lockGroups,
  roomy,
  type Group,
} from './admission-core.js';

/** How long a group whose guess was refused counts first. */
const REFUSAL_MEMORY_MS = 1_000;

/** Groups remembered at most; older entries are dropped past it. */
const MAX_REMEMBERED = 10_000;

/** One attempt of an operation that may guess: what it guessed, and where it may. */
interface Attempt {
  readonly guessed: Set<string>;
  readonly mayGuess: (id: string) => boolean;
}

const attempts = new WeakMap<Tx, Attempt>();

/**
 * Lets the transactions of an operation guess (places here, the ends of sole tasks in
 * `sole-ends.ts`), and remembers, per store, what a refused guess was about recently.
 */
export class PlaceGuesses {
  readonly #refusedUntil = new Map<string, number>();

  /**
   * Runs `body` through `transaction`, guessing where it can; when a guess is refused (the
   * transaction rolled back), runs it once more without guessing.
   */
  async run<T>(
    transaction: (body: (tx: Tx) => Promise<T>) => Promise<T>,
    body: (tx: Tx) => Promise<T>,
  ): Promise<T> {
    const attempt: Attempt = {
      guessed: new Set(),
      mayGuess: (id) => this.allows(id),
    };
    try {
      return await transaction((tx) => {
        attempts.set(tx, attempt);
        return body(tx);
      });
    } catch (error) {
      if (!(error instanceof GuardRefusedError)) throw error;
      this.#remember(attempt.guessed);
      return transaction(body);
    }
  }

  /** Whether a guess about `id` may be made now (none was refused recently). */
  allows(id: string): boolean {
    return (this.#refusedUntil.get(id) ?? 0) <= performance.now();
  }

  /** Remembers that a guess about `id`, made outside {@link run}, was refused. */
  refuse(id: string): void {
    this.#remember([id]);
  }

  #remember(ids: Iterable<string>): void {
    const now = performance.now();
    if (this.#refusedUntil.size >= MAX_REMEMBERED) {
      for (const [id, until] of this.#refusedUntil) if (until <= now) this.#refusedUntil.delete(id);
      if (this.#refusedUntil.size >= MAX_REMEMBERED) this.#refusedUntil.clear();
    }
    for (const id of ids) this.#refusedUntil.set(id, now + REFUSAL_MEMORY_MS);
  }
}

/**
 * Whether the attempt of `tx` may guess about every one of `ids` (none refused recently);
 * when it may, they count as guessed, so a refusal holds them back for a while. False outside
 * an operation that guesses, and in its second attempt.
 */
export function mayGuess(tx: Tx, ids: readonly string[]): boolean {
  const attempt = attempts.get(tx);
  if (attempt === undefined) return false;
  if (!ids.every((id) => attempt.guessed.has(id) || attempt.mayGuess(id))) return false;
  for (const id of ids) attempt.guessed.add(id);
  return true;
}

/** The attempt of `tx` when it may guess the places of every one of `groups`. */
function guessing(tx: Tx, groups: readonly Group[]): Attempt | undefined {
  if (!tx.capabilities.concurrentWriters || groups.length === 0) return undefined;
  const attempt = attempts.get(tx);
  if (attempt === undefined) return undefined;
  const may = groups.every((group) => {
    const id = groupId(group);
    return roomy(group) && (attempt.guessed.has(id) || attempt.mayGuess(id));
  });
  return may ? attempt : undefined;
}

/** Executions of a group that wait and may start at `?` (now). */
const WAITING = `EXISTS (SELECT 1 FROM workflow_executions
  WHERE workflow_name = ? AND concurrency_key = ? AND status = 'Queued'
    AND (run_at_ms IS NULL OR run_at_ms <= ?))`;

/** Places in use in a group: the sum of its rows in `concurrency_counts` (migration 24). */
const ACTIVE = `(SELECT COALESCE(SUM(active), 0) FROM concurrency_counts
  WHERE workflow_name = ? AND concurrency_key = ?)`;

/**
 * Takes places in `groups` (in lock order) for `startsIn(group)` new executions each, without
 * counting: one stripe locked, and a guard that nobody waits and that the starts, with what the
 * other stripes' holders may be starting, fit. Returns false, having done nothing, where the
 * transaction may not guess (then the caller counts).
 */
export function guessStarts(
  tx: Tx,
  groups: readonly Group[],
  startsIn: (group: Group) => number,
  nowMs: number,
): boolean {
  if (groups.some((group) => startsIn(group) > STRIPE_STARTS)) return false;
  const attempt = guessing(tx, groups);
  if (attempt === undefined) return false;
  lockGroups(tx, groups, undefined, new Set(groups.map(groupId)));
  for (const group of groups) {
    const bound = group.limit - startsIn(group) - (GROUP_STRIPES - 1) * STRIPE_STARTS;
    const params: SqlValue[] = [group.workflowName, group.key, nowMs];
    tx.guard(`NOT ${WAITING} AND ${ACTIVE} <= ?`, [
      ...params,
      group.workflowName,
      group.key,
      bound,
    ]);
    attempt.guessed.add(groupId(group));
  }
  return true;
}

/**
 * Ends in `groups` (in lock order) without counting: one stripe locked, and a guard that
 * nobody waits there (then there is nothing to admit). Returns false, having done nothing, where
 * the transaction may not guess.
 */
export function guessEnds(tx: Tx, groups: readonly Group[], nowMs: number): boolean {
  const attempt = guessing(tx, groups);
  if (attempt === undefined) return false;
  lockGroups(tx, groups, undefined, new Set(groups.map(groupId)));
  for (const group of groups) {
    tx.guard(`NOT ${WAITING}`, [group.workflowName, group.key, nowMs]);
    attempt.guessed.add(groupId(group));
  }
  return true;
}
