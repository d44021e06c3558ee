/**
 * S1 history: does the cost of running and reading stay flat when the database already holds a
 * large history? The same measurements run on the empty database the workload is given and
 * on a second one (alternating where they are compared), seeded with {@link HISTORY} finished
 * executions (`bench/seed.ts`: one-task executions of `orders`, `reports` and `audits`, 90 %
 * Completed, 10 % Failed, none Cancelled, each with its task row and five events, spread over
 * the last 30 days, then analyzed):
 *
 * - W1 throughput (`pushThrough` of `workloads.ts`), and a burst: {@link BURST} submits at once,
 *   then the drain of that backlog;
 * - W4 submit → start latency, alone, while deep listings run, while the 7-day statistics are
 *   read over and over, and (history only) while a prune of the oldest tenth of the history
 *   runs, with the prune's duration, and while `cleanupEvents` deletes the events of the next
 *   tenth, with its duration;
 * - every execution listing of the public API ({@link listings}), p50 and p99 of each.
 *
 * Figures of the empty database end in `Empty`; the ratios are history / empty.
 * `CLOACINA_BENCH_HISTORY` sets the size of the history (default 1,000,000).
 */
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Client, DefaultRunner, task, workflow, type RunnerEvent } from '../src/index.js';
import { openStore } from '../src/store/open.js';
import { quietLogger } from './quiet.js';
import { seedHistory, type SqlTarget } from './seed.js';
import { SIZES } from './shapes.js';
import { median, percentile, round } from './stats.js';
import { warmUp } from './warmup.js';
import {
  LatencyStream,
  noop,
  pushThrough,
  within,
  type LatencySample,
  type Metrics,
  type WorkloadHooks,
  type WorkloadOutcome,
} from './workload-kit.js';

/** Finished executions in the history (`CLOACINA_BENCH_HISTORY` sets another size). */
export const HISTORY = Number(process.env.CLOACINA_BENCH_HISTORY ?? 1_000_000);
/** The time the history spans, ending a minute before the seeding. */
const SPAN_MS = 30 * 86_400_000;
/** Executions submitted at once before the burst's drain. */
const BURST = 2000;
/** The share of the history, oldest first, that the prune deletes. */
const PRUNED_SHARE = 0.1;
/** Timed calls of each listing (after {@link LIST_WARMUP} untimed). */
const LIST_SAMPLES = 200;
const LIST_WARMUP = 5;
/** Rows per page of the listings. */
const LIMIT = 50;

/** Where a database of the workload is, and how to run SQL on it. */
interface Place {
  readonly url: string;
  readonly schema?: string;
}

/** One listing of {@link listings}. */
type Listing = () => Promise<unknown>;

/** Rounds of W1 and of the burst on each side. */
const ROUNDS = 3;

/** The history's placement in time: execution `i` is created at `fromMs + i × SPAN / size`. */
interface Span {
  readonly fromMs: number;
}

/** The database beside the workload's own: a second file, or a second schema. */
function historyPlace(hooks: WorkloadHooks): Place {
  if (hooks.schema !== undefined) return { url: hooks.url, schema: `${hooks.schema}_history` };
  if (!hooks.url.startsWith('sqlite://')) throw new Error(`S1: unexpected url ${hooks.url}`);
  return { url: hooks.url.replace(/[^/]+$/, 'history.db') };
}

/** Runs `fn` with SQL access to `place`; closes it after. */
async function withSql<T>(place: Place, fn: (target: SqlTarget) => Promise<T>): Promise<T> {
  if (place.schema === undefined) {
    const db = new Database(place.url.slice('sqlite://'.length));
    try {
      return await fn({ dialect: 'sqlite', run: async (sql) => void db.exec(sql) });
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: place.url });
  await client.connect();
  try {
    await client.query(`SET search_path = "${place.schema}"`);
    return await fn({ dialect: 'postgres', run: async (sql) => void (await client.query(sql)) });
  } finally {
    await client.end();
  }
}

/** Creates the history database, seeds and analyzes it; returns its span and the times. */
async function seed(place: Place): Promise<{ span: Span; seedMs: number; analyzeMs: number }> {
  const store = await openStore(place.url, place.schema === undefined ? {} : place);
  await store.migrate();
  await store.close();
  const fromMs = Date.now() - SPAN_MS - 60_000;
  return withSql(place, async (target) => {
    const seedMs = await seedHistory(target, HISTORY, { fromMs, num: SPAN_MS, den: HISTORY });
    const started = performance.now();
    // As autovacuum would have left a table this old: statistics, and on PostgreSQL a visibility
    // map that lets index-only scans skip the heap.
    // Then a checkpoint: the seeding's dirty pages, written back later, would slow whichever
    // measurement they fell on.
    if (target.dialect === 'sqlite') {
      await target.run('ANALYZE');
      await target.run('PRAGMA wal_checkpoint(TRUNCATE)');
    } else {
      await target.run('VACUUM ANALYZE workflow_executions');
      await target.run('VACUUM ANALYZE task_executions');
      await target.run('VACUUM ANALYZE execution_events');
      await target.run('CHECKPOINT');
    }
    return { span: { fromMs }, seedMs, analyzeMs: performance.now() - started };
  });
}

/** p50 and p99 of `times`, rounded. */
function spread(times: readonly number[]): [number, number] {
  return [round(percentile(times, 50), 2), round(percentile(times, 99), 2)];
}

/** A W4 sample's submit → start time, in ms. */
const toStart = (sample: LatencySample): number => sample.startAt - sample.submitAt;

/** One database being measured: its runner, a client on it, the W4 probe. */
interface Side {
  readonly runner: DefaultRunner;
  readonly client: Client;
  readonly probe: LatencyStream;
  /** Appended to its metrics' names: `''` for the history, `'Empty'`. */
  readonly suffix: string;
}

async function openSide(runner: DefaultRunner, place: Place, suffix: string): Promise<Side> {
  runner.register(workflow({ name: 'bench', tasks: [task({ id: 'only' }, noop)] }));
  runner.register(workflow({ name: 'burst', tasks: [task({ id: 'only' }, noop)] }));
  const client = await Client.connect(
    place.url,
    place.schema === undefined ? {} : { schema: place.schema },
  );
  return { runner, client, probe: new LatencyStream(runner), suffix };
}

async function closeSide(side: Side): Promise<void> {
  side.probe.close();
  await side.client.close();
}

/**
 * W1 with a backlog: `count` `executeAsync` calls at once (the runner writes the calls of a
 * turn in one transaction), then the time until the last has ended; executions per second.
 */
async function burst(runner: DefaultRunner, count: number): Promise<number> {
  let ended = 0;
  let done = (): void => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  const listener = (event: RunnerEvent): void => {
    // Nothing else runs meanwhile: every completion is one of the burst's.
    if (event.type !== 'workflow_completed') return;
    ended += 1;
    if (ended === count) done();
  };
  runner.on('event', listener);
  try {
    const started = performance.now();
    await Promise.all(Array.from({ length: count }, () => runner.executeAsync('burst')));
    await within(all, 300_000, () => `${ended}/${count} burst executions ended`);
    return count / ((performance.now() - started) / 1000);
  } finally {
    runner.off('event', listener);
  }
}

/**
 * W1, the burst and W4 on both databases, alternating so that a change in the machine's load
 * (it is shared) falls on both: {@link ROUNDS} rounds of W1 and of the burst, each side in
 * turn, their medians; W4 samples one on each side in turn.
 */
async function compare(sides: readonly Side[]): Promise<Metrics> {
  const out: Metrics = {};
  const rates = new Map<string, number[]>();
  const add = (name: string, value: number): void => {
    rates.set(name, [...(rates.get(name) ?? []), value]);
  };
  for (const side of sides) {
    await warmUp(async () => {
      await pushThrough(side.runner, 'bench', SIZES.W1.warmup, 'wait');
      await burst(side.runner, BURST / 10);
      for (let i = 0; i < SIZES.W4.warmup; i += 1) await side.probe.one();
    });
  }
  for (let r = 0; r < ROUNDS; r += 1) {
    // The side that goes first alternates too.
    const order = r % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      const cpu = process.cpuUsage();
      const ms = await pushThrough(side.runner, 'bench', SIZES.W1.count, 'wait');
      const used = process.cpuUsage(cpu);
      add(`w1PerSec${side.suffix}`, SIZES.W1.count / (ms / 1000));
      // The process's CPU per workflow: what the history costs, less the machine's other load.
      add(`w1CpuUs${side.suffix}`, (used.user + used.system) / SIZES.W1.count);
    }
    for (const side of order) add(`burstPerSec${side.suffix}`, await burst(side.runner, BURST));
  }
  for (const [name, values] of rates) out[name] = round(median(values), 1);
  const starts = sides.map(() => [] as number[]);
  for (let i = 0; i < SIZES.W4.count; i += 1) {
    for (const [n, side] of sides.entries()) starts[n]!.push(toStart(await side.probe.one()));
  }
  for (const [n, side] of sides.entries()) {
    [out[`startP50Ms${side.suffix}`], out[`startP99Ms${side.suffix}`]] = spread(starts[n]!);
  }
  return out;
}

/** Submit → start latencies of `probe` until `until` settles, and at least `min` of them. */
async function startsDuring(
  probe: LatencyStream,
  until: Promise<unknown>,
  min: number,
): Promise<number[]> {
  let settled = false;
  void until.then(
    () => (settled = true),
    () => (settled = true),
  );
  const times: number[] = [];
  while (!settled || times.length < min) times.push(toStart(await probe.one()));
  return times;
}

/**
 * Every execution listing of the public API, on `runner` and `client`, with the key of a deep
 * position in the history (`deep`: an execution and a time just after its creation).
 */
function listings(
  { runner, client }: Side,
  deep: { id: string; at: Date },
  range: { createdAfter: Date; createdBefore: Date },
  deepCursor: string | null,
): Record<string, Listing> {
  return {
    listAll: () => runner.listExecutions({ limit: LIMIT }),
    listWorkflow: () => runner.listExecutions({ workflowName: 'orders', limit: LIMIT }),
    listCompleted: () => runner.listExecutions({ status: 'Completed', limit: LIMIT }),
    listFailed: () => runner.listExecutions({ status: 'Failed', limit: LIMIT }),
    listCancelledNone: () => runner.listExecutions({ status: 'Cancelled', limit: LIMIT }),
    listWorkflowFailed: () =>
      runner.listExecutions({ workflowName: 'audits', status: 'Failed', limit: LIMIT }),
    listWorkflowFailedNone: () =>
      runner.listExecutions({ workflowName: 'orders', status: 'Failed', limit: LIMIT }),
    listAfterDeep: () => runner.listExecutions({ after: deep.id, limit: LIMIT }),
    listFailedAfterDeep: () =>
      runner.listExecutions({ status: 'Failed', after: deep.id, limit: LIMIT }),
    pageAll: () => runner.listExecutionsPage({ limit: LIMIT }),
    pageFailedOrCancelled: () =>
      runner.listExecutionsPage({ status: ['Failed', 'Cancelled'], limit: LIMIT }),
    pageRange: () => runner.listExecutionsPage({ ...range, limit: LIMIT }),
    pageWorkflowRange: () =>
      runner.listExecutionsPage({ ...range, workflow: 'reports', limit: LIMIT }),
    pageDeepCursor: () =>
      runner.listExecutionsPage({ createdBefore: deep.at, limit: LIMIT, cursor: deepCursor }),
    statsHour: () => client.getExecutionStats(),
    statsWeek: () => client.getExecutionStats({ window: '7d', bucket: '1h' }),
    idPrefix: () => client.findExecutionsByIdPrefix(deep.id.slice(0, 4)),
    events: () => runner.getExecutionEvents(deep.id),
    eventsPage: () => runner.getExecutionEventsPage(deep.id),
  };
}

/**
 * The listings of one database, p50 (history only) and p99 of each, then W4 while a reader
 * pages deep into it; `span` places the history when there is one.
 */
async function readings(side: Side, span: Span | null): Promise<Metrics> {
  const out: Metrics = {};
  const { runner, suffix } = side;
  // A deep position: a tenth of the way from the oldest execution, or, without a history,
  // a few seconds back among what the measurements created.
  const deepMs = span === null ? Date.now() - 5_000 : span.fromMs + SPAN_MS * PRUNED_SHARE;
  const deepAt = new Date(deepMs);
  const first = await runner.listExecutionsPage({ createdBefore: deepAt, limit: LIMIT });
  const anchor = first.items[0];
  if (anchor === undefined) throw new Error('S1: no execution at the deep position');
  const rangeMs = span === null ? 2_000 : 86_400_000;
  const range = {
    createdAfter: new Date(deepMs + rangeMs),
    createdBefore: new Date(deepMs + 2 * rangeMs),
  };
  const reads = listings(side, { id: anchor.executionId, at: deepAt }, range, first.nextCursor);
  for (const [name, read] of Object.entries(reads)) {
    for (let i = 0; i < LIST_WARMUP; i += 1) await read();
    const times: number[] = [];
    for (let i = 0; i < LIST_SAMPLES; i += 1) {
      const started = performance.now();
      await read();
      times.push(performance.now() - started);
    }
    const [p50, p99] = spread(times);
    if (suffix === '') out[`${name}P50Ms`] = p50;
    out[`${name}P99Ms${suffix}`] = p99;
  }
  let reading = true;
  const reader = (async () => {
    while (reading) {
      await reads['listAfterDeep']!();
      await reads['pageDeepCursor']!();
    }
  })();
  const starts = await startsDuring(side.probe, Promise.resolve(), SIZES.W4.count / 2).finally(
    () => (reading = false),
  );
  await reader;
  [, out[`startP99WhileListingMs${suffix}`]] = spread(starts);
  // The longest read of the API: the 7-day statistics count every execution of the week.
  let counting = true;
  const counter = (async () => {
    while (counting) await reads['statsWeek']!();
  })();
  const startsWhileCounting = await startsDuring(
    side.probe,
    Promise.resolve(),
    SIZES.W4.count / 2,
  ).finally(() => (counting = false));
  await counter;
  [, out[`startP99WhileStatsMs${suffix}`]] = spread(startsWhileCounting);
  return out;
}

/**
 * Runs `work` with W4 running meanwhile (at least 20 starts): its result and duration, and the
 * starts' p50 and p99.
 */
async function withStarts<T>(
  side: Side,
  work: () => Promise<T>,
): Promise<{ result: T; ms: number; p50: number; p99: number }> {
  const started = performance.now();
  const done = work().then((result) => ({ result, ms: performance.now() - started }));
  const starts = await startsDuring(side.probe, done, 20);
  const { result, ms } = await done;
  const [p50, p99] = spread(starts);
  return { result, ms, p50, p99 };
}

/** Prunes the oldest tenth of the history through the public API, with W4 running meanwhile. */
async function pruneWhileRunning(side: Side, span: Span): Promise<Metrics> {
  const olderThan = Date.now() - (span.fromMs + SPAN_MS * PRUNED_SHARE);
  const { result, ms, p50, p99 } = await withStarts(side, () => side.runner.prune({ olderThan }));
  return {
    pruneMs: round(ms, 0),
    prunedExecutions: result.executions,
    prunedRowsPerSec: round((result.executions + result.tasks + result.events) / (ms / 1000), 0),
    startP50WhilePruningMs: p50,
    startP99WhilePruningMs: p99,
  };
}

/**
 * Deletes the events of the next tenth of the history (the prune before took the oldest) through
 * the public API, with W4 running meanwhile.
 */
async function cleanupWhileRunning(side: Side, span: Span): Promise<Metrics> {
  const olderThan = Date.now() - (span.fromMs + SPAN_MS * PRUNED_SHARE * 2);
  const { result, ms, p50, p99 } = await withStarts(side, () =>
    side.runner.cleanupEvents({ olderThan }),
  );
  return {
    cleanupMs: round(ms, 0),
    cleanedEvents: result,
    startP50WhileCleaningMs: p50,
    startP99WhileCleaningMs: p99,
  };
}

/** Drops the history database's schema (PostgreSQL; the file goes with its directory). */
async function dropHistory(place: Place): Promise<void> {
  if (place.schema === undefined) return;
  const client = new pg.Client({ connectionString: place.url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${place.schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** The ratio history / empty of a metric, rounded. */
function ratio(metrics: Metrics, name: string): number {
  return round(metrics[name]! / metrics[`${name}Empty`]!, 2);
}

/** S1: the measurements on the empty database, then on the history; ratios of the two. */
export async function history(
  runner: DefaultRunner,
  hooks: WorkloadHooks,
): Promise<WorkloadOutcome> {
  if (!Number.isInteger(HISTORY) || HISTORY < 1000) {
    throw new Error(`CLOACINA_BENCH_HISTORY must be an integer ≥ 1000, received ${HISTORY}`);
  }
  const place = historyPlace(hooks);
  const own: Place = {
    url: hooks.url,
    ...(hooks.schema === undefined ? {} : { schema: hooks.schema }),
  };
  try {
    const { span, seedMs, analyzeMs } = await seed(place);
    const full = await DefaultRunner.create(place.url, {
      maxConcurrentTasks: 10,
      logger: quietLogger,
      ...(place.schema === undefined ? {} : { schema: place.schema }),
    });
    const sides: Side[] = [];
    let metrics: Metrics;
    try {
      sides.push(await openSide(runner, own, 'Empty'), await openSide(full, place, ''));
      const [emptySide, historySide] = sides as [Side, Side];
      hooks.afterWarmup();
      const compared = await compare(sides);
      const emptyReads = await readings(emptySide, null);
      const historyReads = await readings(historySide, span);
      const pruned = await pruneWhileRunning(historySide, span);
      const cleaned = await cleanupWhileRunning(historySide, span);
      metrics = {
        history: HISTORY,
        seedS: round(seedMs / 1000, 1),
        seedRowsPerSec: round((HISTORY * 7) / (seedMs / 1000), 0),
        analyzeS: round(analyzeMs / 1000, 1),
        ...compared,
        ...emptyReads,
        ...historyReads,
        ...pruned,
        ...cleaned,
      };
    } finally {
      await Promise.all(sides.map(closeSide));
      await full.shutdown({ timeout: '5s' });
    }
    metrics['w1Ratio'] = ratio(metrics, 'w1PerSec');
    metrics['w1CpuRatio'] = ratio(metrics, 'w1CpuUs');
    metrics['burstRatio'] = ratio(metrics, 'burstPerSec');
    metrics['startP50Ratio'] = ratio(metrics, 'startP50Ms');
    metrics['startP99Ratio'] = ratio(metrics, 'startP99Ms');
    return { units: SIZES.W1.count, metrics };
  } finally {
    await dropHistory(place);
  }
}
