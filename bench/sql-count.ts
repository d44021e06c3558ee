/**
 * Optional statement counting for `--count-sql`: patches the prototypes of better-sqlite3's
 * `Statement`/`Database` and pg's `Client` in the benchmark process only, so the engine is
 * measured as shipped (nothing under `src/` changes). Counts are reset with {@link resetCounts}
 * after the warm-up and read with {@link readCounts}.
 */
import Database from 'better-sqlite3';
import pg from 'pg';

const counts = new Map<string, number>();
/** Time spent inside each statement, in ms: exact for SQLite's synchronous calls only. */
const times = new Map<string, number>();

function normalize(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim().slice(0, 140);
}

function count(sql: string): void {
  const key = normalize(sql);
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** Counts `sql` and adds the time `run` takes to it (for synchronous calls). */
function timed<T>(sql: string, run: () => T): T {
  count(sql);
  const started = performance.now();
  try {
    return run();
  } finally {
    const key = normalize(sql);
    times.set(key, (times.get(key) ?? 0) + performance.now() - started);
  }
}

/** Installs the counting wrappers (idempotent per process). */
export function installSqlCounters(): void {
  const probe = new Database(':memory:');
  const statementProto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<
    string,
    (...args: unknown[]) => unknown
  >;
  probe.close();
  for (const method of ['run', 'all', 'get', 'iterate']) {
    const original = statementProto[method]!;
    statementProto[method] = function (this: { source: string }, ...args: unknown[]): unknown {
      return timed(this.source, () => original.apply(this, args));
    };
  }
  const dbProto = Database.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const exec = dbProto.exec!;
  dbProto.exec = function (this: unknown, ...args: unknown[]): unknown {
    return timed(String(args[0]), () => exec.apply(this, args));
  };
  const clientProto = pg.Client.prototype as unknown as Record<
    string,
    (...args: unknown[]) => unknown
  >;
  const query = clientProto.query!;
  clientProto.query = function (this: unknown, ...args: unknown[]): unknown {
    const first = args[0];
    if (typeof first === 'string') count(first);
    else if (typeof first === 'object' && first !== null && 'text' in first) {
      count(String(first.text));
    }
    return query.apply(this, args);
  };
}

/** Forgets what was counted so far (called after the warm-up). */
export function resetCounts(): void {
  counts.clear();
  times.clear();
}

/**
 * Statement counts per unit of work (`per` = workflows or polls), busiest statements first, with
 * the time spent inside each per unit (`usPerUnit`, SQLite only: pg's calls are asynchronous).
 */
export function readCounts(per: number): {
  total: number;
  perUnit: number;
  transactionsPerUnit: number;
  top: { sql: string; count: number; perUnit: number; usPerUnit?: number }[];
} {
  let total = 0;
  let transactions = 0;
  for (const [sql, n] of counts) {
    total += n;
    if (/^BEGIN/i.test(sql)) transactions += n;
  }
  const top = [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 25)
    .map(([sql, n]) => {
      const ms = times.get(sql);
      return {
        sql,
        count: n,
        perUnit: Math.round((n / per) * 100) / 100,
        ...(ms === undefined ? {} : { usPerUnit: Math.round(((ms * 1000) / per) * 10) / 10 }),
      };
    });
  return {
    total,
    perUnit: Math.round((total / per) * 100) / 100,
    transactionsPerUnit: Math.round((transactions / per) * 100) / 100,
    top,
  };
}
