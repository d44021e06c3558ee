/**
 * Cron scheduling: a weekday report at 09:00 New York time, and a heartbeat every
 * 5 seconds that runs a couple of times before the example prints its history and exits.
 *
 *   npx tsx examples/cron/index.ts
 */
import {
  DefaultRunner,
  cronTimesBetween,
  task,
  workflow,
  type CronRunContext,
} from '../../src/index.js';

const silent = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silent,
};

const runner = await DefaultRunner.create('sqlite::memory:', {
  logger: silent,
  cronPollInterval: '1s',
});

// A daily report. Its context holds the schedule's own context ({ report }) plus the keys
// CronRunContext types: scheduled_time, schedule_id, schedule_timezone and schedule_expression.
const report = task<CronRunContext & { report: string }>({ id: 'build-report' }, (ctx) => {
  console.log(`building the ${ctx.require('report')} report for ${ctx.require('scheduled_time')}`);
});
runner.register(workflow({ name: 'daily-report', tasks: [report] }));
const reportId = await runner.registerCronWorkflow(
  'daily-report',
  '0 9 * * MON-FRI',
  'America/New_York',
  {
    context: { report: 'sales' },
  },
);

const schedule = await runner.getCronSchedule(reportId);
console.log(`daily-report (${schedule?.expression}, ${schedule?.timezone}) next runs:`);
const local = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  dateStyle: 'full',
  timeStyle: 'long',
});
const week = cronTimesBetween(
  '0 9 * * MON-FRI',
  'America/New_York',
  Date.now(),
  Date.now() + 8 * 86_400_000,
  5,
);
for (const t of week) console.log(`  ${local.format(t)}  =  ${new Date(t).toISOString()}`);

// A heartbeat every 5 seconds (6 fields: the first is seconds).
let beats = 0;
const beat = task<CronRunContext>({ id: 'beat' }, (ctx) => {
  beats += 1;
  console.log(`heartbeat #${beats} scheduled for ${ctx.require('scheduled_time')}`);
});
runner.register(workflow({ name: 'heartbeat', tasks: [beat] }));
const heartbeatId = await runner.registerCronWorkflow('heartbeat', '*/5 * * * * *');
console.log(`heartbeat registered (${heartbeatId}); waiting for two beats...`);

const deadline = Date.now() + 12_000;
for (;;) {
  const history = await runner.getCronExecutionHistory(heartbeatId);
  if (history.filter((h) => h.status === 'completed').length >= 2 || Date.now() > deadline) break;
  await new Promise((resolve) => setTimeout(resolve, 100));
}
await runner.setCronScheduleEnabled(heartbeatId, false);

console.log('heartbeat history (newest first):');
for (const run of await runner.getCronExecutionHistory(heartbeatId)) {
  console.log(
    `  ${run.scheduledTime.toISOString()}  ${run.status}  execution ${run.workflowExecutionId}`,
  );
}
const stats = await runner.getCronExecutionStats();
console.log(
  `stats: ${stats.total} run(s), ${stats.successful} successful, ${stats.failed} failed, ` +
    `${stats.lost} lost, ${stats.missed} missed; success rate ${(stats.successRate * 100).toFixed(0)}%`,
);
await runner.shutdown();
