#!/usr/bin/env node
/**
 * `cloacinactl`: operate Cloacina from a shell. It uses only the package's public API, like any
 * other user. Every failure ends with a non-zero exit code (see {@link ExitCode}) and one line
 * on stderr, a JSON object with `--json`; set `CLOACINA_DEBUG=1` for the stack.
 */
import { Command, CommanderError } from 'commander';
import { addCronCommands } from './commands/cron.js';
import { addDaemonCommand } from './commands/daemon.js';
import { addEventCommands } from './commands/events.js';
import { addExecutionCommands } from './commands/executions.js';
import { addKeyCommands } from './commands/keys.js';
import { addMigrateCommand } from './commands/migrate.js';
import { addPruneCommand } from './commands/prune.js';
import { addServeCommand } from './commands/serve.js';
import { addTriggerCommands } from './commands/triggers.js';
import { addWorkflowCommands } from './commands/workflows.js';
import { ExitCode } from './common.js';
import { reportFailure } from './errors.js';
import { packageVersion } from './version.js';

/** Printed after the command list of `--help`. */
const HELP_AFTER = `
cloacinactl --version (or -V) prints the version of the package.

Exit codes:
  0    success
  1    the command failed (an unknown id, a bad cron expression, an unreachable database),
       or the run it waited for ended Failed or Cancelled
  2    usage: an unknown command or option, a missing argument, a bad option value
  124  --wait / executions wait: the timeout passed first; the execution keeps running

With --json, an error is one JSON object on stderr: {"error":{"code","message","exitCode"}}.`;

/**
 * Builds the command tree. Commander's own error lines go to `writeError`, so that `main` can
 * print them as they are or, with `--json`, as a JSON object.
 */
export function buildProgram(writeError: (text: string) => void): Command {
  const program = new Command('cloacinactl')
    .description(
      'Operate Cloacina workflows: daemon, HTTP API, executions, triggers, cron, API keys',
    )
    .option('--db <url>', 'database URL (env CLOACINA_DATABASE_URL; default sqlite://cloacina.db)')
    .option('--schema <name>', 'PostgreSQL tenant schema')
    .option('--json', 'print JSON for scripts instead of tables (errors too, on stderr)')
    .addHelpText('after', HELP_AFTER)
    .configureOutput({ outputError: (text) => writeError(text) })
    .exitOverride();
  addDaemonCommand(program);
  addServeCommand(program);
  addMigrateCommand(program);
  addWorkflowCommands(program);
  addExecutionCommands(program);
  addTriggerCommands(program);
  addCronCommands(program);
  addEventCommands(program);
  addPruneCommand(program);
  addKeyCommands(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/**
 * Whether `args` ask for the version: `--version` or `-V` before any command name. Not a
 * commander option: commander takes the program's options anywhere on the line, and
 * `workflows show <name> --version <v>` has an option of that name.
 */
function asksForVersion(args: readonly string[]): boolean {
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (arg === '--version' || arg === '-V') return true;
    if (arg === '--db' || arg === '--schema') i += 1;
    else if (arg === undefined || !arg.startsWith('-')) return false;
  }
  return false;
}

/** Runs the CLI with `argv` and returns the exit code. */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  // Read from the arguments, not the parsed options: a usage error happens before parsing ends.
  const json = argv.slice(2).includes('--json');
  if (asksForVersion(argv.slice(2))) {
    process.stdout.write(`${packageVersion()}\n`);
    return ExitCode.OK;
  }
  let commanderError = '';
  try {
    await buildProgram((text) => (commanderError += text)).parseAsync([...argv]);
    return ExitCode.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help prints and ends here; a command group without its command has printed its
      // help on stderr.
      if (error.exitCode === 0) return ExitCode.OK;
      if (error.code === 'commander.help') return ExitCode.USAGE;
      if (!json) {
        process.stderr.write(commanderError);
        return ExitCode.USAGE;
      }
    }
    return reportFailure(error, json);
  }
}

// Exit explicitly: a closed client or runner leaves nothing to wait for, and a daemon's
// module loader may hold handles that would keep the process alive.
process.exit(await main());
