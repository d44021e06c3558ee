/**
 * Quick start: a small ETL workflow on one SQLite file.
 *
 *   extract ─┬─ clean_orders ───┐
 *            ├─ clean_customers ┼─ load ─ notify_large_batch (only when many rows)
 *            └─ fetch_rates ────┘        (flaky: succeeds on its 2nd attempt)
 *
 * Run it with `npm run demo` (or `npx tsx examples/quickstart.ts`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { DefaultRunner, formatDuration, rules, task, workflow } from '../src/index.js';
import { consoleLogger } from './console-logger.js';

/**
 * The keys the tasks share, with their types: `task<Etl>` checks every read and write against
 * them, so a misspelt key or a wrong value type does not compile.
 */
interface Etl {
  batch: string;
  orders: { id: number; customer: string; amount: number }[];
  customers: string[];
  order_total: number;
  customer_count: number;
  eur_rate: number;
  loaded_eur: number;
}

const extract = task<Etl>({ id: 'extract' }, (ctx) => {
  ctx.insert('orders', [
    { id: 1, customer: 'ada', amount: 120 },
    { id: 2, customer: 'grace', amount: 80 },
    { id: 3, customer: 'ada', amount: 45 },
  ]);
  ctx.insert('customers', ['ada', 'grace']);
});

const cleanOrders = task<Etl>({ id: 'clean_orders', dependencies: ['extract'] }, (ctx) => {
  // require(): the value, typed, or a task failure naming the key if 'extract' did not write it.
  const orders = ctx.require('orders');
  ctx.set(
    'order_total',
    orders.reduce((sum, o) => sum + o.amount, 0),
  );
});

const cleanCustomers = task<Etl>({ id: 'clean_customers', dependencies: ['extract'] }, (ctx) => {
  ctx.set('customer_count', ctx.require('customers').length);
});

let rateCalls = 0;
const fetchRates = task<Etl>(
  {
    id: 'fetch_rates',
    dependencies: ['extract'],
    retry: { attempts: 3, backoff: 'exponential', initialDelay: '200ms' },
  },
  async (ctx, handle) => {
    rateCalls += 1;
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (rateCalls === 1) throw new Error('rate service temporarily unavailable');
    ctx.set('eur_rate', 0.92);
    handle.log.info({ attempt: handle.attempt }, 'rates fetched');
  },
);

const load = task<Etl>(
  { id: 'load', dependencies: ['clean_orders', 'clean_customers', 'fetch_rates'] },
  (ctx) => {
    const total = ctx.require('order_total') * ctx.require('eur_rate');
    ctx.set('loaded_eur', Math.round(total * 100) / 100);
  },
);

const notifyLargeBatch = task(
  {
    id: 'notify_large_batch',
    dependencies: ['load'],
    triggerRules: rules.contextValue('customer_count', 'greaterThan', 10),
  },
  () => {
    console.log('large batch!');
  },
);

const etl = workflow({
  name: 'etl',
  description: 'Extract orders, clean them in parallel, load the total in EUR',
  tasks: [extract, cleanOrders, cleanCustomers, fetchRates, load, notifyLargeBatch],
  // Checked before anything is scheduled; its type is what execute(etl, ...) accepts.
  input: z.object({ batch: z.string() }),
});

const folder = mkdtempSync(join(tmpdir(), 'cloacina-quickstart-'));
const runner = await DefaultRunner.create(`sqlite://${join(folder, 'quickstart.db')}`, {
  maxConcurrentTasks: 4,
  // Readable lines on the console; without this option the runner logs pino JSON lines.
  logger: consoleLogger(),
});
try {
  runner.register(etl);
  // Given the workflow object, the compiler checks the input: { batch: 29 } would not compile.
  const result = await runner.execute(etl, { batch: '2026-11-29' });

  console.log(
    `\nWorkflow '${result.workflowName}' (version ${result.workflowVersion}): ${result.status}`,
  );
  console.table(
    result.taskResults.map((t) => ({
      task: t.taskId,
      status: t.status,
      attempts: t.attempts,
      duration: t.durationMs === undefined ? '' : formatDuration(t.durationMs),
      note: t.errorMessage ?? t.skipReason ?? '',
    })),
  );
  console.log('Final context:', JSON.stringify(result.finalContext.toJSON()));
  if (result.status !== 'Completed') process.exitCode = 1;
} finally {
  await runner.shutdown();
  rmSync(folder, { recursive: true, force: true });
}
