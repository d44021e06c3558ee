/**
 * How fast each page of the web UI first shows its data, over a history of 100,000 executions:
 * seeds a fresh database (`bench/seed.ts`), adds a trigger and a cron schedule, builds the UI,
 * serves it with the API, and loads every page in Chromium (the browser of the browser tests),
 * each at least 10 times after one unmeasured load. A load is timed by the browser's own clock
 * from the start of navigation (the key check, the data requests and the render included) to:
 *
 * - the page's `cloacina:first-view` performance mark, set by the page once its first data is
 *   rendered (the overview and the executions list set it), or else
 * - the first animation frame in which a selector showing the page's data is in the page.
 *
 * Prints median and p95 per page against the target (500 ms). Not part of `npm run bench`.
 *
 *     npm run bench:ui -- [sqlite|postgres] [--pg] [--count 100000] [--loads 12]
 *
 * Environment: `CLOACINA_BENCH_PG_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`),
 * `CLOACINA_CHROMIUM` (default `/usr/bin/chromium`). Run it alone (`flock /tmp/bench.lock`).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { Client, defineTrigger } from '../src/index.js';
import { createServer } from '../src/server/index.js';
import { CHROMIUM_ARGS, chromiumPath } from '../test/browser/chromium.js';
import { median, percentile, round } from './stats.js';
import { quietLogger } from './quiet.js';
import { AUDIT_ERROR, openSeedRunner, seedExecutions } from './seed.js';

const PG_URL = process.env.CLOACINA_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const TARGET_MS = 500;
/** The mark a page sets once its first data is rendered (`ui/src/hooks/use-first-view.ts`). */
const MARK = 'cloacina:first-view';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    pg: { type: 'boolean', default: false },
    count: { type: 'string', default: '100000' },
    loads: { type: 'string', default: '12' },
  },
});
const backend = positionals[0] === 'postgres' || values.pg ? 'postgres' : 'sqlite';
const count = Number(values.count);
const loads = Math.max(10, Number(values.loads));

const dir = mkdtempSync(join(tmpdir(), 'cloacina-ui-bench-'));
const schema = `ui_bench_${randomBytes(4).toString('hex')}`;
const url = backend === 'sqlite' ? `sqlite://${join(dir, 'ui.db')}` : PG_URL;
const options = backend === 'postgres' ? { schema } : {};

/** A page to load, and what shows that its data is there when it sets no mark. */
interface PageSpec {
  readonly name: string;
  readonly hash: string;
  /**
   * A selector in the page's main area whose text contains `text` once the data is shown; null
   * for a page that sets the mark (part of its data may show before the rest).
   */
  readonly selector: string | null;
  readonly text: string;
}

/** The seeded history, a trigger and a cron schedule; returns a failed execution's id. */
async function seed(): Promise<string> {
  const runner = await openSeedRunner(url, options);
  try {
    const ms = await seedExecutions(runner, count);
    console.log(
      `${backend}: seeded ${count} executions in ${round(ms / 1000, 1)} s ` +
        `(${round(count / (ms / 1000), 0)}/s)`,
    );
    await runner.registerTrigger(
      defineTrigger({ name: 'orders-inbox', pollInterval: '1h' }, () => false),
      'orders',
    );
    await runner.registerCronWorkflow('reports', '0 3 * * *', 'UTC');
    await runner.definitionsStored();
    const client = await runner.client();
    try {
      const failed = await client.listExecutionsPage({ status: 'Failed', limit: 1 });
      return failed.items[0]!.executionId;
    } finally {
      await client.close();
    }
  } finally {
    await runner.shutdown();
  }
}

/** Builds the UI into a folder of the bench's own (as the browser tests' setup does). */
async function buildUi(): Promise<string> {
  const outDir = fileURLToPath(new URL('../.tmp/ui-build/bench/', import.meta.url));
  await build({
    configFile: fileURLToPath(new URL('../ui/vite.config.ts', import.meta.url)),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  return outDir;
}

/** The DOM as the probe below sees it (the bench is type-checked without the DOM library). */
interface ProbeGlobals {
  readonly document: {
    querySelector(selector: string): { readonly textContent: string | null } | null;
  };
}

/**
 * In the page, each animation frame: the mark's time if the page set it, else now if the data
 * selector shows its text, else false (keep polling).
 */
function probe(arg: { mark: string; selector: string | null; text: string }): number | false {
  const mark = performance.getEntriesByName(arg.mark)[0];
  if (mark !== undefined) return mark.startTime;
  if (arg.selector === null) return false;
  const element = (globalThis as unknown as ProbeGlobals).document.querySelector(arg.selector);
  if (element?.textContent?.includes(arg.text) === true) return performance.now();
  return false;
}

/** One load of `spec`: navigation start to first view, in ms, and how it was seen. */
async function load(
  page: Page,
  base: string,
  spec: PageSpec,
): Promise<{
  ms: number;
  by: 'mark' | 'selector';
  /** The slowest API call before the first view. */
  slowest: { path: string; ms: number } | null;
}> {
  // A new document each time: a hash change alone would not load the page again.
  await page.goto('about:blank');
  await page.goto(`${base}/${spec.hash}`);
  const handle = await page.waitForFunction(
    probe,
    { mark: MARK, selector: spec.selector, text: spec.text },
    { polling: 'raf', timeout: 15_000 },
  );
  const ms = (await handle.jsonValue()) as number;
  const marked = await page.evaluate((name) => performance.getEntriesByName(name).length > 0, MARK);
  // The API calls that ended before the first view (the stream never ends).
  const calls = await page.evaluate((until) => {
    return performance
      .getEntriesByType('resource')
      .filter((e) => e.name.includes('/v1/') && !e.name.includes('/events/stream'))
      .filter((e) => e.startTime + e.duration <= until)
      .map((e) => ({
        path: new URL(e.name).pathname.replace(/[0-9a-f-]{36}/, '{id}'),
        ms: e.duration,
      }));
  }, ms);
  const slowest = calls.reduce<(typeof calls)[number] | null>(
    (best, c) => (best === null || c.ms > best.ms ? c : best),
    null,
  );
  return { ms, by: marked ? 'mark' : 'selector', slowest };
}

const failedId = await seed();
const uiDir = await buildUi();
const client = await Client.connect(url, { ...options, poolSize: 4 });
const server = await createServer({ client, ui: uiDir, logger: quietLogger });
const browser = await chromium.launch({
  executablePath: chromiumPath(),
  args: CHROMIUM_ARGS,
  headless: true,
});
try {
  const { url: base } = await server.listen({ port: 0, host: '127.0.0.1' });
  const { key } = await client.createApiKey({ scope: 'admin', name: 'ui-bench' });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${base}/`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Open' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();

  const pages: PageSpec[] = [
    // These four set the mark once all their first data is shown.
    { name: 'overview', hash: '#/', selector: null, text: '' },
    { name: 'executions', hash: '#/executions', selector: null, text: '' },
    {
      name: 'executions ?status=Failed',
      hash: '#/executions?status=Failed',
      selector: null,
      text: '',
    },
    { name: 'executions (older page)', hash: `#/executions?cursor=`, selector: null, text: '' },
    {
      name: 'execution detail',
      hash: `#/executions/${failedId}`,
      selector: 'main',
      text: AUDIT_ERROR,
    },
    { name: 'workflows', hash: '#/workflows', selector: 'main', text: 'reports' },
    { name: 'triggers', hash: '#/triggers', selector: 'main', text: 'orders-inbox' },
    { name: 'cron', hash: '#/cron', selector: 'main', text: 'reports' },
  ];
  // The older page: the 20th page of the unfiltered list (rows 951–1,000).
  let cursor: string | null = null;
  for (let i = 0; i < 19; i += 1)
    cursor = (await client.listExecutionsPage({ limit: 50, cursor })).nextCursor;
  const older = pages.find((p) => p.name.startsWith('executions (older'))!;
  pages[pages.indexOf(older)] = {
    ...older,
    hash: `#/executions?cursor=${encodeURIComponent(cursor!)}`,
  };

  console.log(
    `\n${loads} loads per page after one unmeasured load; 1280×900; target ${TARGET_MS} ms\n`,
  );
  console.log(
    '| page | first load ms | median ms | p95 ms | max ms | timed by | slowest API call (median ms) | within target |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const spec of pages) {
    let first: { ms: number; by: string };
    try {
      first = await load(page, base, spec);
    } catch {
      console.log(`| ${spec.name} | not shown within 15 s | | | | | | no |`);
      continue;
    }
    const times: number[] = [];
    let by = first.by;
    const slowest = new Map<string, number[]>();
    for (let i = 0; i < loads; i += 1) {
      const result = await load(page, base, spec);
      times.push(result.ms);
      by = result.by;
      if (result.slowest !== null) {
        const list = slowest.get(result.slowest.path) ?? [];
        list.push(result.slowest.ms);
        slowest.set(result.slowest.path, list);
      }
    }
    // The call most often the slowest, with its median.
    const [path, callTimes] = [...slowest.entries()].sort(
      (a, b) => b[1].length - a[1].length,
    )[0] ?? ['', []];
    const call = path === '' ? '' : `${path} (${round(median(callTimes), 0)})`;
    const p50 = round(median(times), 0);
    const p95 = round(percentile(times, 95), 0);
    const max = round(Math.max(...times), 0);
    console.log(
      `| ${spec.name} | ${round(first.ms, 0)} | ${p50} | ${p95} | ${max} | ${by} | ${call} | ${p95 <= TARGET_MS ? 'yes' : 'no'} |`,
    );
  }
  await context.close();
} finally {
  await browser.close();
  await server.close();
  await client.close();
  rmSync(dir, { recursive: true, force: true });
  if (backend === 'postgres') {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  }
}
