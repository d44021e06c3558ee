/** `cloacinactl events cleanup`: deletes old execution events. */
import type { Command } from 'commander';
import { formatDuration } from '../../index.js';
import { durationMs, UsageError, withClient } from '../common.js';
import { print, printJson } from '../format.js';

/** Adds the `events` commands to `program`. */
export function addEventCommands(program: Command): void {
  const events = program.command('events').description('execution events');
  events
    .command('cleanup')
    .description('delete events older than a duration (units w, d, h, m, s, ms; combinable: 1d12h)')
    .requiredOption('--older-than <duration>', 'age of the events to delete, e.g. 90d')
    .option('--dry-run', 'count only, delete nothing')
    .action((options: { olderThan: string; dryRun?: boolean }, command: Command) =>
      withClient(command, async (client, { json }) => {
        const ageMs = durationMs(options.olderThan, '--older-than');
        if (ageMs <= 0) throw new UsageError('--older-than must be greater than zero.');
        const count = await client.cleanupEvents({
          olderThan: ageMs,
          dryRun: options.dryRun === true,
        });
        if (json === true)
          return printJson({ olderThanMs: ageMs, dryRun: options.dryRun === true, events: count });
        const verb = options.dryRun === true ? 'would delete' : 'deleted';
        print(`${verb} ${count} event(s) older than ${formatDuration(ageMs)}`);
      }),
    );
}
