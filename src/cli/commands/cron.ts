/** `cloacinactl cron ...`: cron schedules and their history. */
import type { Command } from 'commander';
import { NotFoundError, type CatchupPolicy, type CronSchedule } from '../../index.js';
import { parseContext, positiveInt, UsageError, withClient } from '../common.js';
import { cell, fields, print, printJson, table } from '../format.js';

/** The error for an id that names no schedule, with the command that lists them. */
function scheduleNotFound(id: string): NotFoundError {
  return new NotFoundError(
    `No cron schedule with id '${id}'; 'cloacinactl cron list' shows the existing schedules.`,
  );
}

/** What `cron update` changed: each setting as `before → after`, or `(unchanged)`. */
function changes(before: CronSchedule, after: CronSchedule): string {
  const change = (from: string, to: string): string =>
    from === to ? `${to} (unchanged)` : `${from} → ${to}`;
  return fields([
    ['expression', change(before.expression, after.expression)],
    ['timezone', change(before.timezone, after.timezone)],
    ['next run', change(cell(before.nextRunAt), cell(after.nextRunAt))],
  ]);
}

function scheduleTable(list: readonly CronSchedule[]): string {
  return table(
    ['ID', 'WORKFLOW', 'EXPRESSION', 'TIMEZONE', 'ENABLED', 'NEXT RUN', 'LAST RUN'],
    list.map((s) => [
      s.id,
      s.workflowName,
      s.expression,
      s.timezone,
      s.enabled,
      s.nextRunAt,
      s.lastRunAt,
    ]),
  );
}

/** Adds the `cron` commands to `program`. */
export function addCronCommands(program: Command): void {
  const cron = program.command('cron').description('cron schedules');

  cron
    .command('list')
    .description('list cron schedules')
    .option('--enabled', 'only enabled ones')
    .option('--limit <n>', 'at most n schedules', '100')
    .action((options: { enabled?: boolean; limit: string }, command: Command) =>
      withClient(command, async (client, { json }) => {
        const list = await client.listCronSchedules({
          enabledOnly: options.enabled === true,
          limit: positiveInt(options.limit, '--limit'),
        });
        if (json === true) return printJson(list);
        if (list.length === 0) return print('No cron schedules.');
        print(scheduleTable(list));
      }),
    );

  cron
    .command('add <workflow> <expression>')
    .description(
      "schedule a stored workflow, e.g. cron add report '0 6 * * MON-FRI' --timezone Europe/Paris",
    )
    .option('--timezone <zone>', 'IANA time zone', 'UTC')
    .option('--catchup <policy>', "after downtime: 'skip' (one run) or 'run_all'", 'skip')
    .option('--context <json>', "merged into every run's context: inline JSON or '@file.json'")
    .action(
      (
        workflow: string,
        expression: string,
        options: { timezone: string; catchup: string; context?: string },
        command: Command,
      ) =>
        withClient(command, async (client, { json }) => {
          const context = parseContext(options.context);
          const id = await client.registerCronWorkflow(workflow, expression, options.timezone, {
            catchupPolicy: options.catchup as CatchupPolicy,
            ...(context !== undefined ? { context } : {}),
          });
          if (json === true) return printJson(await client.getCronSchedule(id));
          print(id);
        }),
    );

  cron
    .command('update <id>')
    .description(
      'change the expression and/or time zone (the next run is recomputed); prints what changed',
    )
    .option('--expression <cron>', 'new expression')
    .option('--timezone <zone>', 'new IANA time zone')
    .action((id: string, options: { expression?: string; timezone?: string }, command: Command) =>
      withClient(command, async (client, { json }) => {
        if (options.expression === undefined && options.timezone === undefined) {
          throw new UsageError('cron update needs --expression and/or --timezone.');
        }
        const before = await client.getCronSchedule(id);
        if (before === null) throw scheduleNotFound(id);
        const schedule = await client.updateCronSchedule(id, {
          ...(options.expression !== undefined ? { expression: options.expression } : {}),
          ...(options.timezone !== undefined ? { timezone: options.timezone } : {}),
        });
        if (json === true) return printJson(schedule);
        print(`cron schedule ${id} updated:`);
        print(changes(before, schedule));
      }),
    );

  for (const enabled of [true, false]) {
    cron
      .command(`${enabled ? 'enable' : 'disable'} <id>`)
      .description(enabled ? 're-enable (the next run is computed from now)' : 'stop firing')
      .action((id: string, _options: object, command: Command) =>
        withClient(command, async (client, { json }) => {
          const schedule = await client.setCronScheduleEnabled(id, enabled);
          if (json === true) return printJson(schedule);
          print(`cron schedule ${id}: ${enabled ? 'enabled' : 'disabled'}`);
        }),
      );
  }

  cron
    .command('delete <id>')
    .description('delete a schedule (its history is kept)')
    .action((id: string, _options: object, command: Command) =>
      withClient(command, async (client, { json }) => {
        if (!(await client.deleteCronSchedule(id))) throw scheduleNotFound(id);
        if (json === true) return printJson({ id, deleted: true });
        print(`cron schedule ${id}: deleted`);
      }),
    );

  cron
    .command('history <id>')
    .description('runs and skipped times of a schedule, newest first (kept after a delete)')
    .option('--limit <n>', 'at most n entries', '20')
    .action((id: string, options: { limit: string }, command: Command) =>
      withClient(command, async (client, { json }) => {
        const history = await client.getCronExecutionHistory(id, {
          limit: positiveInt(options.limit, '--limit'),
        });
        // A deleted schedule keeps its history: only an id with neither is unknown.
        if (history.length === 0 && (await client.getCronSchedule(id)) === null) {
          throw scheduleNotFound(id);
        }
        if (json === true) return printJson(history);
        if (history.length === 0) return print(`No history for cron schedule '${id}'.`);
        print(
          table(
            ['SCHEDULED', 'STATUS', 'EXECUTION', 'COMPLETED', 'MESSAGE'],
            history.map((h) => [
              h.scheduledTime,
              h.status,
              h.workflowExecutionId,
              h.completedAt,
              h.message,
            ]),
          ),
        );
      }),
    );

  cron
    .command('stats')
    .description('outcome counts of cron runs')
    .option('--since <instant>', 'ISO 8601 instant (default: all time)')
    .action((options: { since?: string }, command: Command) =>
      withClient(command, async (client, { json }) => {
        const stats = await client.getCronExecutionStats(
          options.since !== undefined ? { since: options.since } : {},
        );
        if (json === true) return printJson(stats);
        print(
          fields([
            ['total', stats.total],
            ['successful', stats.successful],
            ['failed', stats.failed],
            ['lost', stats.lost],
            ['missed', stats.missed],
            ['success rate', `${(stats.successRate * 100).toFixed(1)}%`],
          ]),
        );
      }),
    );
}
