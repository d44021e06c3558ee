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
import { DefaultRunner, formatDuration, rules, task, workflow } from '../src/index.js';
import { consoleLogger } from './console-logger.js';

const extract = task({ id: 'extract' }, (ctx) => {
  ctx.insert('orders', [
    { id: 1, customer: 'ada', amount: 120 },
    { id: 2, customer: 'grace', amount: 80 },
    { id: 3, customer: 'ada', amount: 45 },
  ]);
  ctx.insert('customers', ['ada', 'grace']);
});

const cleanOrders = task({ id: 'clean_orders', dependencies: ['extract'] }, (ctx) => {
  const orders = ctx.get('orders') as { amount: number }[];
  ctx.set(
    'order_total',
    orders.reduce((sum, o) => sum + o.amount, 0),
  );
});

const cleanCustomers = task({ id: 'clean_customers', dependencies: ['extract'] }, (ctx) => {
  ctx.set('customer_count', (ctx.get('customers') as string[]).length);
});

let rateCalls = 0;
const fetchRates = task(
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

const load = task(
  { id: 'load', dependencies: ['clean_orders', 'clean_customers', 'fetch_rates'] },
  (ctx) => {
    const total = (ctx.get('order_total') as number) * (ctx.get('eur_rate') as number);
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
});

const folder = mkdtempSync(join(tmpdir(), 'cloacina-quickstart-'));
const runner = await DefaultRunner.create(`sqlite://${join(folder, 'quickstart.db')}`, {
  maxConcurrentTasks: 4,
  // Readable lines on the console; without this option the runner logs pino JSON lines.
  logger: consoleLogger(),
});
try {
  runner.register(etl);
  const result = await runner.execute('etl', { batch: '2026-11-29' });

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
