/** `cloacinactl prune`: deletes ended executions and trigger and cron history past an age. */
import type { Command } from 'commander';
import { formatDuration, PRUNABLE_STATUSES } from '../../index.js';
import { durationMs, parseStatus, UsageError, withClient } from '../common.js';
import { print, printJson, table } from '../format.js';

/** The rows of the report, one per kind, in the order they are pruned. */
const KINDS = [
  ['executions', 'executions'],
  ['tasks', 'tasks'],
  ['events', 'events'],
  ['trigger runs', 'triggerRuns'],
  ['cron runs', 'cronRuns'],
] as const;

/** Adds the `prune` command to `program`. */
export function addPruneCommand(program: Command): void {
  program
    .command('prune')
    .description(
      'delete ended executions (with their tasks and events) and trigger and cron history ' +
        'older than a duration (units w, d, h, m, s, ms; combinable: 1d12h)',
    )
    .requiredOption('--older-than <duration>', 'age past which rows are deleted, e.g. 30d')
    .option(
      '--status <status>',
      `only executions of this status (${PRUNABLE_STATUSES.join(', ')}; any case); history is then kept`,
    )
    .option('--dry-run', 'count what would be deleted, delete nothing')
    .action((options: { olderThan: string; status?: string; dryRun?: boolean }, command: Command) =>
      withClient(command, async (client, { json }) => {
        const ageMs = durationMs(options.olderThan, '--older-than');
        if (ageMs <= 0) throw new UsageError('--older-than must be greater than zero.');
        const status =
          options.status === undefined
            ? undefined
            : parseStatus(
                options.status,
                PRUNABLE_STATUSES,
                '--status',
                ' Executions that have not ended are never pruned.',
              );
        const result = await client.prune({
          olderThan: ageMs,
          dryRun: options.dryRun === true,
          ...(status === undefined ? {} : { status }),
        });
        if (json === true) {
          return printJson({ olderThanMs: ageMs, status: status ?? null, ...result });
        }
        const what = status === undefined ? '' : `, ${status} executions only`;
        const verb = result.dryRun ? 'would delete' : 'deleted';
        print(`${verb} (older than ${formatDuration(ageMs)}${what}):`);
        print(
          table(
            ['KIND', 'ROWS'],
            KINDS.map(([label, key]) => [label, result[key]]),
          ),
        );
      }),
    );
}
