/**
 * The web UI on a live system: a runner with a few workflows that keep running (one flaky, one
 * that sometimes fails and skips what depends on it, one slow enough to watch), an event
 * trigger with de-duplication, two cron schedules, and the HTTP API with its UI on
 * http://127.0.0.1:8080 — without API keys, which the server allows on a loopback address only.
 *
 *   npm run build:ui && npx tsx examples/web-ui/demo.ts     (or: npm run demo:ui)
 *
 * Options through the environment: `PORT` (default 8080), `CLOACINA_DATABASE_URL` (default a
 * SQLite file in a temporary folder). Stop it with Ctrl-C.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import {
  DefaultRunner,
  TriggerResult,
  defineTrigger,
  rules,
  task,
  workflow,
} from '../../src/index.js';
import { createServer } from '../../src/server/index.js';

const silent = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silent,
};
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const chance = (p: number) => Math.random() < p;

// ---- etl: a fan-out and fan-in, a flaky task that retries, a task skipped by its rule ----
/** The keys the etl tasks share, with their types. */
interface Etl {
  rows: number;
  clean_rows: number;
  customers: number;
  eur_rate: number;
  loaded: number;
}
const extract = task<Etl>({ id: 'extract' }, async (ctx, handle) => {
  await sleep(300 + Math.random() * 400);
  const rows = 50 + Math.floor(Math.random() * 100);
  ctx.set('rows', rows);
  handle.log.info({ rows }, 'extracted orders');
});
const cleanOrders = task<Etl>({ id: 'clean_orders', dependencies: ['extract'] }, async (ctx) => {
  await sleep(400 + Math.random() * 600);
  ctx.set('clean_rows', Math.floor(ctx.require('rows') * 0.97));
});
const cleanCustomers = task<Etl>(
  { id: 'clean_customers', dependencies: ['extract'] },
  async (ctx) => {
    await sleep(200 + Math.random() * 300);
    ctx.set('customers', 12);
  },
);
const fetchRates = task<Etl>(
  {
    id: 'fetch_rates',
    dependencies: ['extract'],
    retry: { attempts: 3, backoff: 'fixed', initialDelay: '500ms' },
  },
  async (ctx, handle) => {
    await sleep(300);
    if (handle.attempt === 1 && chance(0.5)) throw new Error('rate service answered 503');
    ctx.set('eur_rate', 0.92);
  },
);
const load = task<Etl>(
  { id: 'load', dependencies: ['clean_orders', 'clean_customers', 'fetch_rates'] },
  async (ctx, handle) => {
    for (let batch = 1; batch <= 4; batch += 1) {
      await sleep(400);
      handle.log.info({ batch }, `loaded batch ${batch} of 4`);
    }
    ctx.set('loaded', ctx.require('clean_rows'));
  },
);
const notify = task(
  {
    id: 'notify_large_batch',
    dependencies: ['load'],
    triggerRules: rules.contextValue('loaded', 'greaterThan', 120),
  },
  () => undefined,
);
const etl = workflow({
  name: 'etl',
  description: 'Extract orders, clean them in parallel, load them; notify on large batches',
  tasks: [extract, cleanOrders, cleanCustomers, fetchRates, load, notify],
});

// ---- sync_customers: fails now and then; what depends on the failure is skipped ----
const pull = task({ id: 'pull' }, () => sleep(500));
const push = task({ id: 'push', dependencies: ['pull'] }, async () => {
  await sleep(700);
  if (chance(0.35))
    throw new Error('CRM rejected the batch: 409 version conflict on customer 4411');
});
const audit = task({ id: 'audit', dependencies: ['push'] }, () => sleep(200));
const syncCustomers = workflow({
  name: 'sync_customers',
  description: 'Push changed customers to the CRM',
  tasks: [pull, push, audit],
});

// ---- report: started from the UI's form, which is built from this input schema ----
const reportInput = z.object({
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day as YYYY-MM-DD'),
  format: z.enum(['pdf', 'csv']),
  pages: z.number().int().min(1).max(100).default(10),
});
// The tasks see the schema's output (defaults applied) plus what they write.
const render = task<z.output<typeof reportInput> & { file: string }>(
  { id: 'render' },
  async (ctx) => {
    await sleep(800);
    ctx.set('file', `report-${ctx.require('day')}.${ctx.require('format')}`);
  },
);
const deliver = task({ id: 'deliver', dependencies: ['render'] }, () => sleep(300));
const report = workflow({
  name: 'report',
  description: 'Render and deliver a report',
  input: reportInput,
  tasks: [render, deliver],
});

// ---- heartbeat: a cron workflow every 30 seconds ----
const heartbeat = workflow({ name: 'heartbeat', tasks: [task({ id: 'beat' }, () => undefined)] });

// ---- new_orders: a trigger that fires when orders wait, de-duplicated by its context ----
let waiting = 0;
const newOrders = defineTrigger({ name: 'new_orders', workflow: 'etl', pollInterval: '2s' }, () => {
  if (waiting === 0) return TriggerResult.skip('no new orders');
  return TriggerResult.fire({ source: 'orders', waiting });
});

const url =
  process.env.CLOACINA_DATABASE_URL ??
  `sqlite://${join(mkdtempSync(join(tmpdir(), 'cloacina-ui-demo-')), 'demo.db')}`;
const runner = await DefaultRunner.create(url, { logger: silent, maxConcurrentTasks: 8 });
for (const wf of [etl, syncCustomers, report, heartbeat]) runner.register(wf);
await runner.registerTrigger(newOrders);
await runner.registerCronWorkflow('heartbeat', '*/30 * * * * *', 'UTC');
await runner.registerCronWorkflow('report', '0 9 * * MON-FRI', 'America/New_York', {
  context: { day: '2026-12-07', format: 'pdf', pages: 12 },
});
await runner.definitionsStored();

const server = await createServer({ runner, auth: 'none', logger: silent });
const address = await server.listen({ port: Number(process.env.PORT ?? 8080) });
console.log(`Cloacina web UI: ${address.url}  (database ${url}; Ctrl-C stops)`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  server.beginShutdown();
  await runner.shutdown();
  await server.close();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());

// Traffic: an etl every few seconds, a customer sync now and then, orders arriving.
while (!stopping) {
  await runner.executeAsync('etl', { source: 'demo' });
  if (chance(0.5)) await runner.executeAsync('sync_customers');
  waiting = chance(0.3) ? 1 + Math.floor(Math.random() * 3) : 0;
  await sleep(3000);
}
