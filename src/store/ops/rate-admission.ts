/**
 * Admission under workflow rate limits. A rate group (a workflow and a rate key) lets at most
 * `limit` executions start in any `period`: a sliding log, whose entries are the executions'
 * own `rate_started_at_ms`. The count is never stored: the transaction that admits counts the
 * group's executions started in the last period, under the workflow's rate lock, so it is exact
 * across processes (SQLite has one writer at a time, which is that lock; PostgreSQL locks the
 * workflow's row in `rate_limit_locks`, before any of its concurrency groups).
 *
 * An execution with both a concurrency limit and a rate limit starts only when both have room:
 * the admission here checks each candidate against its concurrency group as well, and the
 * concurrency side (`admission.ts`) comes here for every group whose workflow is rated. A
 * candidate blocked by one limit does not hold up the others of its groups.
 */
import type { Tx } from '../db.js';
import {
  admitRows,
  countGroups,
  groupFilter,
  groupId,
  lockGroups,
  type AdmittedRow,
  type Group,
} from './admission-core.js';

/** A rate group and the limit and period it is counted under. */
export interface RateGroup {
  readonly workflowName: string;
  readonly key: string;
  readonly limit: number;
  readonly periodMs: number;
}

/** Queued executions one admission looks at, at most, oldest first. */
const CANDIDATES = 500;

/** What an admission seeds from: concurrency groups with freed places, rate groups to open. */
export interface Seeds {
  readonly groups: readonly Group[];
  readonly rates: readonly RateGroup[];
}

/** What an admission did: how many it admitted, and the rate groups still full with waiters. */
export interface RateAdmission {
  readonly admitted: number;
  /** Rate groups that had due executions waiting and no room left in their window. */
  readonly blocked: readonly RateGroup[];
}

interface CandidateRow {
  id: string;
  workflow_name: string;
  created_at_ms: number;
  concurrency_key: string | null;
  concurrency_limit: number | null;
  rate_key: string | null;
  rate_limit: number | null;
  rate_period_ms: number | null;
  rate_started_at_ms: number | null;
}

/** The Queued executions of `seeds` that may start now (their time came), as SQL. */
function candidateFilter(
  seeds: Seeds,
  nowMs: number,
): { sql: string; params: (string | number)[] } {
  const parts: string[] = [];
  const params: (string | number)[] = [nowMs];
  if (seeds.groups.length > 0) {
    const filter = groupFilter(seeds.groups, 'workflow_name, concurrency_key');
    parts.push(filter.sql);
    params.push(...filter.params);
  }
  if (seeds.rates.length > 0) {
    const filter = groupFilter(seeds.rates, 'workflow_name, rate_key');
    parts.push(`(${filter.sql} AND rate_started_at_ms IS NULL)`);
    params.push(...filter.params);
  }
  return {
    sql: `status = 'Queued' AND (run_at_ms IS NULL OR run_at_ms <= ?) AND (${parts.join(' OR ')})`,
    params,
  };
}

const needsRate = (row: CandidateRow): boolean =>
  row.rate_key !== null && row.rate_started_at_ms === null;

const rateGroupOf = (row: CandidateRow): RateGroup => ({
  workflowName: row.workflow_name,
  key: row.rate_key!,
  limit: Number(row.rate_limit ?? 1),
  periodMs: Number(row.rate_period_ms ?? 1),
});

const concurrencyGroupOf = (row: CandidateRow): Group => ({
  workflowName: row.workflow_name,
  key: row.concurrency_key!,
  limit: Number(row.concurrency_limit ?? 1),
  rated: row.rate_key !== null,
});

/** Executions of each rate group started in its last period, and its due waiters. */
export interface RateCount {
  readonly started: number;
  readonly waiting: number;
}

/**
 * For each of `groups`, its executions started in `(nowMs - periodMs, nowMs]` (the sliding
 * window) and its Queued executions that wait for a place in it and may start now, in one
 * statement. Read after the workflow's rate lock.
 */
export async function countRates(
  tx: Tx,
  groups: readonly RateGroup[],
  nowMs: number,
): Promise<Map<string, RateCount>> {
  const counts = new Map<string, RateCount>();
  if (groups.length === 0) return counts;
  const parts: string[] = [];
  const params: (string | number)[] = [];
  groups.forEach((group, i) => {
    parts.push(
      `SELECT ${i} AS i,
         (SELECT COUNT(*) FROM workflow_executions
          WHERE workflow_name = ? AND rate_key = ? AND rate_started_at_ms > ?) AS started,
         (SELECT COUNT(*) FROM workflow_executions
          WHERE workflow_name = ? AND rate_key = ? AND status = 'Queued'
            AND rate_started_at_ms IS NULL AND (run_at_ms IS NULL OR run_at_ms <= ?)) AS waiting`,
    );
    params.push(
      group.workflowName,
      group.key,
      nowMs - group.periodMs,
      group.workflowName,
      group.key,
      nowMs,
    );
  });
  const rows = await tx.all<{ i: number; started: number; waiting: number }>(
    parts.join(' UNION ALL '),
    params,
  );
  for (const row of rows) {
    counts.set(groupId(groups[Number(row.i)]!), {
      started: Number(row.started),
      waiting: Number(row.waiting),
    });
  }
  return counts;
}

/**
 * Admits, highest priority first and then oldest first, the Queued executions of `seeds` that
 * have room under every limit they
 * count under: a free place in their concurrency group, if any, and a place in their rate
 * group's window, if they still need one. The groups met are found first (a plain read), then
 * locked in the global order, then the candidates are read again and counted under the locks:
 * a candidate whose groups were not locked (it appeared in between) is left for later.
 */
export async function admitCandidates(
  tx: Tx,
  seeds: Seeds,
  nowMs: number,
  runnerId: string | null,
): Promise<RateAdmission> {
  if (seeds.groups.length === 0 && seeds.rates.length === 0) return { admitted: 0, blocked: [] };
  const filter = candidateFilter(seeds, nowMs);
  const select = `SELECT id, workflow_name, created_at_ms, concurrency_key, concurrency_limit,
       rate_key, rate_limit, rate_period_ms, rate_started_at_ms
     FROM workflow_executions WHERE ${filter.sql}
     ORDER BY priority DESC, created_at_ms, id LIMIT ${CANDIDATES}`;
  const lockedGroups = new Map<string, Group>(seeds.groups.map((g) => [groupId(g), g]));
  const rateWorkflows = new Set<string>(seeds.rates.map((rate) => rate.workflowName));
  for (const group of seeds.groups) if (group.rated === true) rateWorkflows.add(group.workflowName);
  const locks = tx.capabilities.concurrentWriters;
  if (locks) {
    for (const row of await tx.all<CandidateRow>(select, filter.params)) {
      if (row.concurrency_key !== null) {
        const group = concurrencyGroupOf(row);
        if (!lockedGroups.has(groupId(group))) lockedGroups.set(groupId(group), group);
      }
      if (row.rate_key !== null) rateWorkflows.add(row.workflow_name);
    }
    lockGroups(tx, [...lockedGroups.values()], rateWorkflows);
  }
  // A row another transaction holds (a cancel in flight) is passed over, never waited for:
  // this transaction holds the groups, and a wait here could close a cycle.
  const candidates = await tx.all<CandidateRow>(
    `${select}${tx.syntax.forUpdateSkipLocked}`,
    filter.params,
  );
  // SQLite: the single writer holds every group.
  const isLocked = (row: CandidateRow): boolean =>
    !locks ||
    ((row.concurrency_key === null || lockedGroups.has(groupId(concurrencyGroupOf(row)))) &&
      (!needsRate(row) || rateWorkflows.has(row.workflow_name)));
  const groups = new Map<string, Group>();
  const rates = new Map<string, RateGroup>(seeds.rates.map((rate) => [groupId(rate), rate]));
  for (const row of candidates) {
    if (!isLocked(row)) continue;
    if (row.concurrency_key !== null) {
      const group = concurrencyGroupOf(row);
      if (!groups.has(groupId(group)))
        groups.set(groupId(group), lockedGroups.get(groupId(group)) ?? group);
    }
    if (needsRate(row) && !rates.has(groupId(rateGroupOf(row))))
      rates.set(groupId(rateGroupOf(row)), rateGroupOf(row));
  }
  const active = new Map(
    [...(await countGroups(tx, [...groups.values()], nowMs))].map(([id, c]) => [id, c.active]),
  );
  const started = new Map(
    [...(await countRates(tx, [...rates.values()], nowMs))].map(([id, c]) => [id, c.started]),
  );
  const admitted: AdmittedRow[] = [];
  const blocked = new Map<string, RateGroup>();
  for (const row of candidates) {
    if (!isLocked(row)) continue;
    const groupKey = row.concurrency_key === null ? null : groupId(concurrencyGroupOf(row));
    const rateKey = needsRate(row) ? groupId(rateGroupOf(row)) : null;
    const placeFree =
      groupKey === null || (active.get(groupKey) ?? 0) < groups.get(groupKey)!.limit;
    const rateFree = rateKey === null || (started.get(rateKey) ?? 0) < rates.get(rateKey)!.limit;
    if (!rateFree) blocked.set(rateKey, rates.get(rateKey)!);
    if (!placeFree || !rateFree) continue;
    if (groupKey !== null) active.set(groupKey, (active.get(groupKey) ?? 0) + 1);
    if (rateKey !== null) started.set(rateKey, (started.get(rateKey) ?? 0) + 1);
    admitted.push({
      id: row.id,
      created_at_ms: Number(row.created_at_ms),
      key: row.concurrency_key ?? row.rate_key ?? '',
    });
  }
  const ids = await admitRows(tx, admitted, nowMs, runnerId);
  return { admitted: ids.length, blocked: [...blocked.values()] };
}

/**
 * When each of `groups` (full) next has room: its `limit`-th latest start plus its period,
 * the earliest of them, or null for none.
 */
export async function nextOpening(tx: Tx, groups: readonly RateGroup[]): Promise<number | null> {
  if (groups.length === 0) return null;
  const parts: string[] = [];
  const params: (string | number)[] = [];
  groups.forEach((group) => {
    parts.push(
      `SELECT (SELECT rate_started_at_ms FROM workflow_executions
               WHERE workflow_name = ? AND rate_key = ? AND rate_started_at_ms IS NOT NULL
               ORDER BY rate_started_at_ms DESC LIMIT 1 OFFSET ?)
              + ? AS opens`,
    );
    params.push(group.workflowName, group.key, Math.max(0, group.limit - 1), group.periodMs);
  });
  const rows = await tx.all<{ opens: number | null }>(parts.join(' UNION ALL '), params);
  const times = rows.flatMap((row) => (row.opens === null ? [] : [Number(row.opens)]));
  return times.length === 0 ? null : Math.min(...times);
}

/** Rate groups the rate pass looks at, at most, per round. */
const PASS_GROUPS = 100;

/**
 * A runner's rate pass: in every rate group with due executions waiting for a place in its
 * window, admits those the window (and their concurrency group) allows now. Returns how many it
 * admitted and when the earliest window still holding waiters opens (null for none), for the
 * runner's timer.
 */
export async function admitRateLimited(
  tx: Tx,
  input: { nowMs: number; runnerId: string },
): Promise<{ admitted: number; nextOpeningMs: number | null }> {
  let admitted = 0;
  const blocked: RateGroup[] = [];
  const order = tx.syntax.byteOrder;
  // Page through the groups in lock order (a key after the last one seen), so none is passed
  // over and the locks of later pages come after those of earlier ones.
  let after: [string, string] = ['', ''];
  for (;;) {
    const rows = await tx.all<{
      workflow_name: string;
      rate_key: string;
      rate_limit: number;
      rate_period_ms: number;
    }>(
      `SELECT workflow_name, rate_key, MAX(rate_limit) AS rate_limit,
              MAX(rate_period_ms) AS rate_period_ms
       FROM workflow_executions
       WHERE status = 'Queued' AND rate_key IS NOT NULL AND rate_started_at_ms IS NULL
         AND (run_at_ms IS NULL OR run_at_ms <= ?)
         AND (workflow_name${order} > ? OR (workflow_name = ? AND rate_key${order} > ?))
       GROUP BY workflow_name, rate_key
       ORDER BY workflow_name${order}, rate_key${order}
       LIMIT ${PASS_GROUPS}`,
      [input.nowMs, after[0], after[0], after[1]],
    );
    const outcome = await admitCandidates(
      tx,
      {
        groups: [],
        rates: rows.map((row) => ({
          workflowName: row.workflow_name,
          key: row.rate_key,
          limit: Number(row.rate_limit),
          periodMs: Number(row.rate_period_ms),
        })),
      },
      input.nowMs,
      input.runnerId,
    );
    admitted += outcome.admitted;
    blocked.push(...outcome.blocked);
    if (rows.length < PASS_GROUPS) break;
    const last = rows.at(-1)!;
    after = [last.workflow_name, last.rate_key];
  }
  return { admitted, nextOpeningMs: await nextOpening(tx, blocked) };
}
