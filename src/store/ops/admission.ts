/**
 * Admission under workflow concurrency limits. A group (a workflow and a concurrency key) has
 * `limit` places; an execution holds one while it is Pending or Running (admitted, not paused,
 * not ended). The count is kept by triggers on the executions (`concurrency_counts`, migration
 * 24), in the transaction that changes one, so it cannot drift whatever crashed where; it is
 * read under a lock of the group, in the transaction that admits. SQLite has one writer at a
 * time, which is that lock; PostgreSQL locks the group's rows
 * (stripes) in `concurrency_groups`: all of them to queue or admit, one to start far below the
 * limit or to end while nobody waits (see {@link lockAndCount}).
 *
 * Executions enter a group at scheduling: those that fit are written as any execution (and may
 * start in the scheduling transaction), the others `Queued`, root tasks not yet Ready. A
 * transaction that frees places (an execution ends, is cancelled or paused) marks its group;
 * the marked groups admit their Queued executions (highest priority first, then oldest) at the
 * end of that transaction (see {@link admitMarked}), after every other lock it takes, and a
 * runner's periodic pass ({@link admitWaiting}) admits what a transaction could not (a delayed
 * start whose time came). A group whose workflow also has a rate limit is admitted through
 * `rate-admission.ts`, which checks both limits.
 */
import type { Tx } from '../db.js';
import type { NewExecution } from '../records.js';
import {
  GROUP_STRIPES,
  STRIPE_STARTS,
  admitRows,
  countGroups,
  groupId,
  lockGroups,
  roomy,
  type Group,
  type GroupCount,
} from './admission-core.js';
import { guessEnds, guessStarts } from './place-guesses.js';
import { admitCandidates, countRates, type RateGroup } from './rate-admission.js';

export type { Group } from './admission-core.js';

/** Groups whose places changed in a transaction, admitted before it commits. */
const marked = new WeakMap<
  Tx,
  {
    groups: Map<string, Group>;
    rates: Map<string, RateGroup>;
    nowMs: number;
    runnerId: string | null;
  }
>();

function markedEntry(
  tx: Tx,
  nowMs: number,
  runnerId: string | null,
): { groups: Map<string, Group>; rates: Map<string, RateGroup> } {
  let entry = marked.get(tx);
  if (entry === undefined) {
    entry = { groups: new Map(), rates: new Map(), nowMs, runnerId };
    marked.set(tx, entry);
  }
  return entry;
}

/** Marks `group` for admission at the end of the current transaction. */
export function markGroup(tx: Tx, group: Group, nowMs: number, runnerId: string | null): void {
  markedEntry(tx, nowMs, runnerId).groups.set(groupId(group), group);
}

/**
 * Marks rate group `rate` for admission at the end of the current transaction: an execution
 * went back to waiting in it (a resume) and may start at once if its window has room.
 */
export function markRate(tx: Tx, rate: RateGroup, nowMs: number, runnerId: string | null): void {
  markedEntry(tx, nowMs, runnerId).rates.set(groupId(rate), rate);
}

/**
 * Admits the Queued executions of the groups marked in this transaction. Called by the store
 * last in every writing transaction that may free places; nothing marked costs nothing. A
 * workflow with a rate limit among them sends the whole admission through the rate-aware path,
 * which takes every lock in one order.
 */
export async function admitMarked(tx: Tx): Promise<void> {
  const entry = marked.get(tx);
  if (entry === undefined) return;
  marked.delete(tx);
  const groups = [...entry.groups.values()];
  if (entry.rates.size > 0 || groups.some((group) => group.rated === true)) {
    await admitCandidates(
      tx,
      { groups, rates: [...entry.rates.values()] },
      entry.nowMs,
      entry.runnerId,
    );
    return;
  }
  await admitGroups(tx, groups, entry.nowMs, entry.runnerId, { ended: true });
}

/** `groups` without repeats, in one fixed order: the order their locks are taken in. */
function inLockOrder<G extends Group>(groups: readonly G[]): G[] {
  const unique = new Map(groups.map((group) => [groupId(group), group]));
  return [...unique.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, group]) => group);
}

const NO_COUNT: GroupCount = { active: 0, waiting: 0 };

/**
 * Locks `ordered` groups and counts their places. The groups in `candidates` are tried on one
 * stripe first (PostgreSQL); one whose count `fits` refuses gives its stripe back (the
 * transaction returns to a savepoint taken before the locks) and is locked whole, which is
 * exact. Returns the counts read under the final locks.
 *
 * Why one stripe is exact when `fits` holds: a transaction that queues or admits holds every
 * stripe, so while this one holds a stripe none of those runs; the others holding a stripe
 * start at most {@link STRIPE_STARTS} each, unseen by this count, and end or start nothing else.
 */
async function lockAndCount(
  tx: Tx,
  ordered: readonly Group[],
  candidates: readonly Group[],
  fits: (group: Group, count: GroupCount) => boolean,
  nowMs: number,
  rateWorkflows?: ReadonlySet<string>,
): Promise<Map<string, GroupCount>> {
  const oneStripe = new Map(
    tx.capabilities.concurrentWriters ? candidates.map((group) => [groupId(group), group]) : [],
  );
  for (;;) {
    const trying = oneStripe.size > 0;
    if (trying) tx.write(`SAVEPOINT cloacina_places`);
    lockGroups(tx, ordered, rateWorkflows, new Set(oneStripe.keys()));
    const counts = await countGroups(tx, ordered, nowMs);
    const refused = [...oneStripe].filter(
      ([id, group]) => !fits(group, counts.get(id) ?? NO_COUNT),
    );
    if (refused.length === 0) return counts;
    tx.write(`ROLLBACK TO SAVEPOINT cloacina_places`);
    for (const [id] of refused) oneStripe.delete(id);
  }
}

/**
 * Admits, in each of `groups`, as many Queued executions as it has free places, highest priority
 * first, then oldest first.
 * One round trip on PostgreSQL whatever the number of groups (the lock with the counts), and two
 * more for each group that admits. With `ended` (the transaction ended executions of these
 * groups), a roomy group is first locked on one stripe: if nobody waits there, there is nothing
 * to admit, and ends of one group do not queue behind each other's commits. Returns how many
 * were admitted.
 */
export async function admitGroups(
  tx: Tx,
  groups: readonly Group[],
  nowMs: number,
  runnerId: string | null,
  { ended = false }: { ended?: boolean } = {},
): Promise<number> {
  const ordered = inLockOrder(groups);
  if (ordered.length === 0) return 0;
  if (ended && guessEnds(tx, ordered, nowMs)) return 0;
  const counts = await lockAndCount(
    tx,
    ordered,
    ended ? ordered.filter(roomy) : [],
    (_, count) => count.waiting === 0,
    nowMs,
  );
  let admitted = 0;
  for (const group of ordered) {
    const count = counts.get(groupId(group)) ?? NO_COUNT;
    const free = group.limit - count.active;
    if (free <= 0 || count.waiting === 0) continue;
    admitted += (await admitInto(tx, group, Math.min(free, count.waiting), nowMs, runnerId)).length;
  }
  return admitted;
}

/** Why an execution waits `Queued`: for a place of its concurrency group, or a rate window. */
export type QueuedFor = 'concurrency' | 'rate';

/**
 * Decides, at scheduling, which of `inputs` wait `Queued`, and for what; returns them by id. In
 * each group (all locked together) new executions take the free places in order, unless older
 * ones wait there (then they queue behind them, and the admission at commit takes the group's
 * waiting executions by priority, then first in, first out) or they start later (`runAtMs`: the
 * periodic pass admits them once due). An execution with both limits needs room under both. A
 * concurrency group where some were queued is marked, so that places the count here could not
 * see as free are filled before commit.
 */
export async function placeInGroups(
  tx: Tx,
  inputs: readonly NewExecution[],
): Promise<ReadonlyMap<string, QueuedFor>> {
  const queued = new Map<string, QueuedFor>();
  const groups = new Map<string, Group>();
  const rates = new Map<string, RateGroup>();
  for (const input of inputs) {
    const rated = input.rateLimit !== undefined;
    if (input.concurrency !== undefined) {
      const group = { workflowName: input.workflowName, ...input.concurrency, rated };
      if (!groups.has(groupId(group))) groups.set(groupId(group), group);
    }
    if (input.rateLimit !== undefined) {
      const rate = { workflowName: input.workflowName, ...input.rateLimit };
      if (!rates.has(groupId(rate))) rates.set(groupId(rate), rate);
    }
  }
  if (groups.size === 0 && rates.size === 0) return queued;
  const ordered = inLockOrder([...groups.values()]);
  const nowMs = inputs[0]!.nowMs;
  const starts = new Map<string, number>();
  for (const input of inputs) {
    if (input.concurrency === undefined) continue;
    const id = groupId({ workflowName: input.workflowName, key: input.concurrency.key });
    starts.set(id, (starts.get(id) ?? 0) + 1);
  }
  const startsIn = (group: Group): number => starts.get(groupId(group)) ?? 0;
  // Every start of the batch takes a place at once (nothing delayed, no rate window): a guess
  // may take them, checked with the commit (see `place-guesses.ts`).
  const delayed = inputs.some(
    (input) => input.runAtMs !== undefined && input.runAtMs > input.nowMs,
  );
  if (rates.size === 0 && !delayed && guessStarts(tx, ordered, startsIn, nowMs)) return queued;
  // One stripe will do where this batch's starts, and what the other stripes' holders may be
  // starting, all fit, and nobody waits: then the count decides nothing.
  const counts = await lockAndCount(
    tx,
    ordered,
    ordered.filter((group) => roomy(group) && startsIn(group) <= STRIPE_STARTS),
    (group, count) =>
      count.waiting === 0 &&
      count.active + startsIn(group) + (GROUP_STRIPES - 1) * STRIPE_STARTS <= group.limit,
    nowMs,
    new Set([...rates.values()].map((rate) => rate.workflowName)),
  );
  const rateCounts = await countRates(tx, [...rates.values()], nowMs);
  const free = new Map<string, number>();
  for (const group of ordered) {
    const count = counts.get(groupId(group)) ?? NO_COUNT;
    free.set(groupId(group), count.waiting > 0 ? 0 : group.limit - count.active);
  }
  for (const rate of rates.values()) {
    const count = rateCounts.get(groupId(rate)) ?? { started: 0, waiting: 0 };
    free.set(`rate:${groupId(rate)}`, count.waiting > 0 ? 0 : rate.limit - count.started);
  }
  for (const input of inputs) {
    if (input.concurrency === undefined && input.rateLimit === undefined) continue;
    const group =
      input.concurrency === undefined
        ? undefined
        : groups.get(groupId({ workflowName: input.workflowName, key: input.concurrency.key }))!;
    const groupSlot = group === undefined ? undefined : groupId(group);
    const rateSlot =
      input.rateLimit === undefined
        ? undefined
        : `rate:${groupId({ workflowName: input.workflowName, key: input.rateLimit.key })}`;
    const delayed = input.runAtMs !== undefined && input.runAtMs > input.nowMs;
    const placeFree = groupSlot === undefined || free.get(groupSlot)! > 0;
    const rateFree = rateSlot === undefined || free.get(rateSlot)! > 0;
    if (!delayed && placeFree && rateFree) {
      if (groupSlot !== undefined) free.set(groupSlot, free.get(groupSlot)! - 1);
      if (rateSlot !== undefined) free.set(rateSlot, free.get(rateSlot)! - 1);
      continue;
    }
    queued.set(
      input.id,
      rateSlot !== undefined && (!rateFree || groupSlot === undefined) ? 'rate' : 'concurrency',
    );
    if (group !== undefined) markGroup(tx, group, input.nowMs, input.runnerId);
  }
  return queued;
}

/**
 * Admits up to `places` of a locked group's Queued executions that may start now, highest
 * priority first, then oldest first (the partial index `workflow_executions_queued`; see
 * `admitRows`); one still waiting for a rate window is left to `admitCandidates`, which checks
 * it. Returns the ids admitted.
 */
async function admitInto(
  tx: Tx,
  group: Group,
  places: number,
  nowMs: number,
  runnerId: string | null,
): Promise<string[]> {
  // A row another transaction holds (a cancel in flight) is passed over, never waited for:
  // this transaction holds the group, and a wait here could close a cycle.
  const rows = await tx.all<{ id: string; created_at_ms: number }>(
    `SELECT id, created_at_ms FROM workflow_executions
     WHERE workflow_name = ? AND concurrency_key = ? AND status = 'Queued'
       AND (run_at_ms IS NULL OR run_at_ms <= ?)
       AND (rate_key IS NULL OR rate_started_at_ms IS NOT NULL)
     ORDER BY priority DESC, created_at_ms, id LIMIT ?${tx.syntax.forUpdateSkipLocked}`,
    [group.workflowName, group.key, nowMs, places],
  );
  return admitRows(
    tx,
    rows.map((row) => ({ id: row.id, created_at_ms: Number(row.created_at_ms), key: group.key })),
    nowMs,
    runnerId,
  );
}

/** Runs `fn`, then admits into the groups it marked, in the same transaction. */
export function admitting<T>(fn: (tx: Tx) => Promise<T>): (tx: Tx) => Promise<T> {
  return async (tx) => {
    const result = await fn(tx);
    await admitMarked(tx);
    return result;
  };
}

/** Groups a periodic pass looks at, at most, per transaction. */
const PASS_GROUPS = 100;

/**
 * A runner's periodic admission pass: admits, in every group that has one, the delayed starts
 * whose time came in `(sinceMs, nowMs]`. Nothing else needs it: every other Queued execution
 * waits in a group whose places are held, and the transaction that frees one admits it; a
 * delayed start that came due in a full group is admitted the same way. A delayed start that
 * still needs a rate window is left to the rate pass (`admitRateLimited`), which checks both
 * limits. Returns how many were admitted.
 */
export async function admitWaiting(
  tx: Tx,
  input: { nowMs: number; sinceMs: number; runnerId: string },
): Promise<number> {
  let admitted = 0;
  // Page through the groups (a key after the last one seen), so none is passed over.
  let after: [string, string] = ['', ''];
  for (;;) {
    const rows = await tx.all<{
      workflow_name: string;
      concurrency_key: string;
      concurrency_limit: number;
    }>(
      `SELECT DISTINCT workflow_name, concurrency_key, concurrency_limit FROM workflow_executions
       WHERE status = 'Queued' AND run_at_ms IS NOT NULL AND run_at_ms > ? AND run_at_ms <= ?
         AND (rate_key IS NULL OR rate_started_at_ms IS NOT NULL)
         AND (workflow_name > ? OR (workflow_name = ? AND concurrency_key > ?))
       ORDER BY workflow_name, concurrency_key
       LIMIT ${PASS_GROUPS}`,
      [input.sinceMs, input.nowMs, after[0], after[0], after[1]],
    );
    admitted += await admitGroups(
      tx,
      rows.map((row) => ({
        workflowName: row.workflow_name,
        key: row.concurrency_key,
        limit: Number(row.concurrency_limit),
      })),
      input.nowMs,
      input.runnerId,
    );
    if (rows.length < PASS_GROUPS) return admitted;
    const last = rows.at(-1)!;
    after = [last.workflow_name, last.concurrency_key];
  }
}
