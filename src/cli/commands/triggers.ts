/** `cloacinactl triggers ...`: event-trigger schedules and their history. */
import type { Command } from 'commander';
import { NotFoundError, formatDuration, type TriggerSchedule } from '../../index.js';
import { parseContext, positiveInt, withClient } from '../common.js';
import { fields, print, printJson, table } from '../format.js';

/** The error for a name that names no trigger schedule, with the command that lists them. */
function triggerNotFound(name: string): NotFoundError {
  return new NotFoundError(
    `No trigger schedule named '${name}'; 'cloacinactl triggers list' shows the existing ones.`,
  );
}

function scheduleFields(s: TriggerSchedule): string {
  return fields([
    ['trigger', s.triggerName],
    ['workflow', s.workflowName],
    ['enabled', s.enabled],
    ['poll interval', formatDuration(s.pollIntervalMs)],
    ['allow concurrent', s.allowConcurrent],
    ['last poll', s.lastPollAt],
    ['skips', s.skips],
    ['last skip reason', s.lastSkipReason],
    ['error streak', s.consecutiveErrors],
    ['last error', s.lastError],
    ['last error at', s.lastErrorAt],
    ['created', s.createdAt],
    ['updated', s.updatedAt],
  ]);
}

/** Adds the `triggers` commands to `program`. */
export function addTriggerCommands(program: Command): void {
  const triggers = program.command('triggers').description('event-trigger schedules');

  triggers
    .command('list')
    .description('list trigger schedules')
    .option('--enabled', 'only enabled ones')
    .option('--limit <n>', 'at most n schedules', '100')
    .action((options: { enabled?: boolean; limit: string }, command: Command) =>
      withClient(command, async (client, { json }) => {
        const list = await client.listTriggerSchedules({
          enabledOnly: options.enabled === true,
          limit: positiveInt(options.limit, '--limit'),
        });
        if (json === true) return printJson(list);
        if (list.length === 0) return print('No trigger schedules.');
        print(
          table(
            ['TRIGGER', 'WORKFLOW', 'ENABLED', 'INTERVAL', 'LAST POLL', 'SKIPS', 'ERRORS'],
            list.map((s) => [
              s.triggerName,
              s.workflowName,
              s.enabled,
              formatDuration(s.pollIntervalMs),
              s.lastPollAt,
              s.skips,
              s.consecutiveErrors,
            ]),
          ),
        );
      }),
    );

  triggers
    .command('show <name>')
    .description('one trigger schedule')
    .action((name: string, _options: object, command: Command) =>
      withClient(command, async (client, { json }) => {
        const schedule = await client.getTriggerSchedule(name);
        if (schedule === null) {
          throw triggerNotFound(name);
        }
        if (json === true) return printJson(schedule);
        print(scheduleFields(schedule));
      }),
    );

  for (const enabled of [true, false]) {
    triggers
      .command(`${enabled ? 'enable' : 'disable'} <name>`)
      .description(
        enabled
          ? 'resume polling at the next tick'
          : 'stop polling in every runner (survives restarts)',
      )
      .action((name: string, _options: object, command: Command) =>
        withClient(command, async (client, { json }) => {
          const schedule = await client.setTriggerEnabled(name, enabled);
          if (json === true) return printJson(schedule);
          print(`trigger ${name}: ${enabled ? 'enabled' : 'disabled'}`);
        }),
      );
  }

  triggers
    .command('fire <name>')
    .description('fire now, under the same de-duplication as a poll')
    .option('--context <json>', "fired context: inline JSON or '@file.json'")
    .action((name: string, options: { context?: string }, command: Command) =>
      withClient(command, async (client, { json }) => {
        const outcome = await client.fireTrigger(name, parseContext(options.context));
        if (json === true) return printJson(outcome);
        if (outcome.status === 'fired') print(`fired: execution ${outcome.executionId}`);
        else
          print(
            `deduplicated: execution ${outcome.openExecutionId ?? '-'} is still open with this context`,
          );
      }),
    );

  triggers
    .command('history <name>')
    .description(
      'fires, suppressed duplicates (one counted entry per open execution and context) and poll errors, newest first',
    )
    .option('--limit <n>', 'at most n entries', '20')
    .action((name: string, options: { limit: string }, command: Command) =>
      withClient(command, async (client, { json }) => {
        const history = await client.getTriggerExecutionHistory(name, {
          limit: positiveInt(options.limit, '--limit'),
        });
        // A deleted trigger keeps its history: only a name with neither is unknown.
        if (history.length === 0 && (await client.getTriggerSchedule(name)) === null) {
          throw triggerNotFound(name);
        }
        if (json === true) return printJson(history);
        if (history.length === 0) return print(`No history for trigger '${name}'.`);
        print(
          table(
            ['STARTED', 'STATUS', 'COUNT', 'EXECUTION', 'COMPLETED', 'HASH', 'ERROR'],
            history.map((h) => [
              h.startedAt,
              h.status,
              h.count,
              // A suppressed entry shows the open execution that suppressed its fires.
              h.workflowExecutionId ?? h.openExecutionId,
              h.completedAt,
              h.contextHash?.slice(0, 12),
              h.errorMessage,
            ]),
          ),
        );
      }),
    );

  triggers
    .command('delete <name>')
    .description('delete the schedule (its history is kept)')
    .action((name: string, _options: object, command: Command) =>
      withClient(command, async (client, { json }) => {
        const existed = await client.deleteTrigger(name);
        if (!existed) throw triggerNotFound(name);
        if (json === true) return printJson({ triggerName: name, deleted: true });
        print(`trigger ${name}: deleted`);
      }),
    );
}
